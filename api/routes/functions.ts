import type { FastifyInstance } from 'fastify'
import * as service from '../../engine/service/index.js'
import { pageOf, pageQuerystring } from '../rest/schemas.js'

const TAGS = ['functions']

const functionSchema = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    functionArn: { type: 'string', description: 'The Resource a Task uses to call it.' },
    url: { type: 'string' },
    timeoutSeconds: { type: 'integer' },
    headers: { type: 'object', additionalProperties: { type: 'string' } },
    maxConcurrency: { type: 'integer' },
    createdAt: { type: 'string', format: 'date-time' },
    updatedAt: { type: 'string', format: 'date-time' },
  },
} as const

const nameParams = {
  type: 'object',
  required: ['name'],
  properties: { name: { type: 'string', minLength: 1, maxLength: 64 } },
} as const

const putBody = {
  type: 'object',
  required: ['url'],
  additionalProperties: false,
  properties: {
    url: { type: 'string', description: 'http:// or https:// URL the tasks are POSTed to.' },
    timeoutSeconds: { type: 'integer', minimum: 1, maximum: 900, description: 'Default 60.' },
    headers: {
      type: 'object',
      additionalProperties: { type: 'string' },
      description: 'Extra request headers, e.g. an API key.',
    },
    maxConcurrency: {
      type: 'integer',
      minimum: 1,
      maximum: 10000,
      description: 'Calls in flight per engine process (default: the dispatcher’s, 32).',
    },
  },
} as const

interface PutBody {
  url: string
  timeoutSeconds?: number
  headers?: Record<string, string>
  maxConcurrency?: number
}

/**
 * The function registry over REST (admin): `PUT /v1/functions/{name}`
 * `{ "url": "http://127.0.0.1:9000/echo", "timeoutSeconds": 60, "headers": {} }`, GET, DELETE,
 * and `GET /v1/functions` to list. A Task whose Resource is
 * `arn:aws:lambda:<region>:<account>:function:<name>` is POSTed to the URL (docs/functions.md).
 *
 * @example
 * await app.register(async (v1) => functionRoutes(v1, ctx), { prefix: '/v1' })
 */
export function functionRoutes(app: FastifyInstance, ctx: service.ServiceContext): void {
  app.put<{ Params: { name: string }; Body: PutBody }>(
    '/functions/:name',
    {
      config: { permission: { kind: 'admin' } },
      schema: {
        tags: TAGS,
        summary: 'Register or replace a function endpoint',
        description:
          '201 when the name is new, 200 when an existing function was replaced. Engines pick up the change at once.',
        params: nameParams,
        body: putBody,
        response: { 200: functionSchema, 201: functionSchema },
      },
    },
    async (request, reply) => {
      const { function: fn, created } = await service.putFunction(ctx, {
        name: request.params.name,
        ...request.body,
      })
      request.log.info({ function: fn.name, url: fn.url, created }, 'function registered')
      return reply.status(created ? 201 : 200).send(fn)
    },
  )

  app.get<{ Params: { name: string } }>(
    '/functions/:name',
    {
      config: { permission: { kind: 'read' } },
      schema: {
        tags: TAGS,
        summary: 'Describe a function endpoint',
        params: nameParams,
        response: { 200: functionSchema },
      },
    },
    (request) => service.getFunction(ctx, { name: request.params.name }),
  )

  app.delete<{ Params: { name: string } }>(
    '/functions/:name',
    {
      config: { permission: { kind: 'admin' } },
      schema: {
        tags: TAGS,
        summary: 'Remove a function endpoint',
        description: 'Tasks that call it afterwards fail with Lambda.ResourceNotFoundException.',
        params: nameParams,
      },
    },
    async (request, reply) => {
      await service.deleteFunction(ctx, { name: request.params.name })
      request.log.info({ function: request.params.name }, 'function removed')
      return reply.status(204).send()
    },
  )

  app.get<{ Querystring: { maxResults?: number; nextToken?: string } }>(
    '/functions',
    {
      config: { permission: { kind: 'read' } },
      schema: {
        tags: TAGS,
        summary: 'List function endpoints (name order)',
        querystring: pageQuerystring,
        response: { 200: pageOf('functions', functionSchema) },
      },
    },
    (request) => service.listFunctions(ctx, request.query),
  )
}
