import type { FastifyInstance, FastifyRequest } from 'fastify'
import * as service from '../../engine/service/index.js'
import { authorize } from '../auth/index.js'
import { pageOf, pageQuerystring } from '../rest/schemas.js'

const TAGS = ['activities']

const activitySchema = {
  type: 'object',
  properties: {
    activityArn: { type: 'string' },
    name: { type: 'string' },
    creationDate: { type: 'string', format: 'date-time' },
  },
} as const

const nameParams = {
  type: 'object',
  required: ['name'],
  properties: { name: { type: 'string', minLength: 1, maxLength: 80 } },
} as const

const tokenBody = (extra: Record<string, unknown>, required: string[] = []) =>
  ({
    type: 'object',
    required: ['taskToken', ...required],
    additionalProperties: false,
    properties: { taskToken: { type: 'string', minLength: 1, maxLength: 2048 }, ...extra },
  }) as const

/**
 * Activities and task answers over REST. Workers usually speak the AWS JSON protocol
 * (worker-sdk does); these routes are the same use cases for curl and scripts, with JSON values
 * where AWS has JSON text:
 *
 * - `POST /v1/activities` `{ name }` (admin), `GET /v1/activities`, `GET|DELETE /v1/activities/{name}`
 * - `POST /v1/activities/{name}/poll` `{ workerName? }` (worker): long-polls up to 60 s; answers
 *   `{ taskToken, input }` or 204 when no task came
 * - `POST /v1/tasks/success` `{ taskToken, output }`, `/v1/tasks/failure` `{ taskToken, error?,
 *   cause? }`, `/v1/tasks/heartbeat` `{ taskToken }` (worker). Tokens travel in bodies, never in
 *   URLs, so they stay out of access logs.
 */
export function activityRoutes(app: FastifyInstance, ctx: service.ServiceContext): void {
  const arnOf = (name: string) => ctx.engine.activityArn(name)
  const authorizeTask = (request: FastifyRequest) => ({
    authorize: (task: { readonly activityName: string | null }) =>
      authorizeWorker(request, task.activityName ?? undefined),
  })

  app.post<{ Body: { name: string } }>(
    '/activities',
    {
      config: { permission: { kind: 'admin' } },
      schema: {
        tags: TAGS,
        summary: 'Create an activity (CreateActivity; idempotent)',
        body: {
          type: 'object',
          required: ['name'],
          additionalProperties: false,
          properties: { name: { type: 'string' } },
        },
        response: { 201: activitySchema },
      },
    },
    async (request, reply) => {
      const created = await service.createActivity(ctx, { name: request.body.name })
      request.log.info({ activityArn: created.activityArn }, 'activity created')
      return reply.status(201).send({ ...created, name: request.body.name })
    },
  )

  app.get<{ Querystring: { maxResults?: number; nextToken?: string } }>(
    '/activities',
    {
      config: { permission: { kind: 'read' } },
      schema: {
        tags: TAGS,
        summary: 'List activities (ListActivities)',
        querystring: pageQuerystring,
        response: { 200: pageOf('activities', activitySchema) },
      },
    },
    (request) => service.listActivities(ctx, request.query),
  )

  app.get<{ Params: { name: string } }>(
    '/activities/:name',
    {
      config: { permission: { kind: 'read' } },
      schema: {
        tags: TAGS,
        summary: 'Describe an activity (DescribeActivity)',
        params: nameParams,
        response: { 200: activitySchema },
      },
    },
    (request) => service.describeActivity(ctx, { activityArn: arnOf(request.params.name) }),
  )

  app.delete<{ Params: { name: string } }>(
    '/activities/:name',
    {
      config: { permission: { kind: 'admin' } },
      schema: { tags: TAGS, summary: 'Delete an activity (DeleteActivity)', params: nameParams },
    },
    async (request, reply) => {
      await service.deleteActivity(ctx, { activityArn: arnOf(request.params.name) })
      request.log.info({ activity: request.params.name }, 'activity deleted')
      return reply.status(204).send()
    },
  )

  app.post<{ Params: { name: string }; Body: { workerName?: string } }>(
    '/activities/:name/poll',
    {
      config: { permission: { kind: 'worker' } },
      schema: {
        tags: TAGS,
        summary: 'Wait up to 60 s for a task (GetActivityTask)',
        description: 'Answers { taskToken, input } with input as a JSON value, or 204.',
        params: nameParams,
        body: {
          type: 'object',
          additionalProperties: false,
          properties: { workerName: { type: 'string', minLength: 1, maxLength: 80 } },
        },
      },
    },
    async (request, reply) => {
      authorizeWorker(request, request.params.name)
      const abort = new AbortController()
      reply.raw.on('close', () => {
        if (!reply.raw.writableFinished) abort.abort()
      })
      const task = await service.getActivityTask(
        ctx,
        { activityArn: arnOf(request.params.name), workerName: request.body.workerName },
        { signal: abort.signal },
      )
      if (task.taskToken === undefined) return reply.status(204).send()
      return reply.send({
        taskToken: task.taskToken,
        input: JSON.parse(task.input ?? 'null') as unknown,
      })
    },
  )

  app.post<{ Body: { taskToken: string; output?: unknown } }>(
    '/tasks/success',
    {
      config: { permission: { kind: 'worker' } },
      schema: {
        tags: TAGS,
        summary: 'Answer a task with its result (SendTaskSuccess)',
        body: tokenBody({ output: {} }),
      },
    },
    async (request, reply) => {
      const output = request.body.output === undefined ? null : request.body.output
      await service.sendTaskSuccess(
        ctx,
        { taskToken: request.body.taskToken, output: JSON.stringify(output) },
        authorizeTask(request),
      )
      return reply.status(204).send()
    },
  )

  app.post<{ Body: { taskToken: string; error?: string; cause?: string } }>(
    '/tasks/failure',
    {
      config: { permission: { kind: 'worker' } },
      schema: {
        tags: TAGS,
        summary: 'Fail a task (SendTaskFailure)',
        body: tokenBody({
          error: { type: 'string', maxLength: 256 },
          cause: { type: 'string', maxLength: 32768 },
        }),
      },
    },
    async (request, reply) => {
      await service.sendTaskFailure(ctx, request.body, authorizeTask(request))
      return reply.status(204).send()
    },
  )

  app.post<{ Body: { taskToken: string } }>(
    '/tasks/heartbeat',
    {
      config: { permission: { kind: 'worker' } },
      schema: {
        tags: TAGS,
        summary: 'Say the worker is still on the task (SendTaskHeartbeat)',
        body: tokenBody({}),
      },
    },
    async (request, reply) => {
      await service.sendTaskHeartbeat(ctx, request.body, authorizeTask(request))
      return reply.status(204).send()
    },
  )
}

/**
 * A worker key may be limited to one activity (`worker:NAME`); the route's permission let any
 * worker in, so check the activity now that it is known.
 */
function authorizeWorker(request: FastifyRequest, activity: string | undefined): void {
  if (!request.principal) return
  authorize(
    request.principal,
    { kind: 'worker', activity },
    'rest',
    `${request.method} ${request.routeOptions.url ?? ''}`,
  )
}
