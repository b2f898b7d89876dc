import type { FastifyInstance } from 'fastify'
import * as service from '../../engine/service/index.js'
import { checkName } from '../../engine/service/index.js'
import { checkJsonText, checkJsonValue } from '../json.js'
import {
  createStateMachineBody,
  errorResponses,
  pageQuerystring,
  stateMachineCreated,
  stateMachineDescription,
  stateMachineList,
  stateMachineNameParams,
  stateMachineUpdated,
  updateStateMachineBody,
  validateBody,
  validateResponse,
} from './schemas.js'

const TAGS = ['state machines']

interface NameParams {
  name: string
}

/**
 * State machines over REST, addressed by name: `/v1/state-machines/orders`. Definitions go in
 * and come out as JSON objects (a JSON text is accepted too and kept verbatim).
 */
export function stateMachineRoutes(app: FastifyInstance, ctx: service.ServiceContext): void {
  app.post<{ Body: { name: string; definition: unknown; roleArn?: string; type?: string } }>(
    '/state-machines',
    {
      config: { permission: { kind: 'admin' } },
      schema: {
        tags: TAGS,
        summary: 'Create a state machine (CreateStateMachine)',
        description:
          'Idempotent: the same name, definition and type again answers the existing machine.',
        body: createStateMachineBody,
        response: { 201: stateMachineCreated, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { name, definition, roleArn, type } = request.body
      const created = await service.createStateMachine(ctx, {
        name,
        definition: definitionText(definition),
        roleArn,
        type: type as 'STANDARD' | 'EXPRESS' | undefined,
      })
      request.log.info({ stateMachineArn: created.stateMachineArn }, 'state machine created')
      return reply.status(201).send({ ...created, name })
    },
  )

  app.get<{ Querystring: { maxResults?: number; nextToken?: string } }>(
    '/state-machines',
    {
      config: { permission: { kind: 'read' } },
      schema: {
        tags: TAGS,
        summary: 'List state machines (ListStateMachines)',
        querystring: pageQuerystring,
        response: { 200: stateMachineList, ...errorResponses },
      },
    },
    (request) => service.listStateMachines(ctx, request.query),
  )

  app.get<{ Params: NameParams }>(
    '/state-machines/:name',
    {
      config: { permission: { kind: 'read' } },
      schema: {
        tags: TAGS,
        summary: 'Describe a state machine and its current revision (DescribeStateMachine)',
        params: stateMachineNameParams,
        response: { 200: stateMachineDescription, ...errorResponses },
      },
    },
    async (request) => {
      const described = await service.describeStateMachine(ctx, {
        stateMachineArn: machineArn(ctx, request.params.name),
      })
      return { ...described, definition: JSON.parse(described.definition) as unknown }
    },
  )

  app.put<{ Params: NameParams; Body: { definition?: unknown; roleArn?: string } }>(
    '/state-machines/:name',
    {
      config: { permission: { kind: 'admin' } },
      schema: {
        tags: TAGS,
        summary: 'Publish a new revision (UpdateStateMachine)',
        description:
          'New executions start on the new revision; running ones keep theirs. A body that changes nothing makes no revision.',
        params: stateMachineNameParams,
        body: updateStateMachineBody,
        response: { 200: stateMachineUpdated, ...errorResponses },
      },
    },
    async (request) => {
      const stateMachineArn = machineArn(ctx, request.params.name)
      const { definition, roleArn } = request.body
      const updated = await service.updateStateMachine(ctx, {
        stateMachineArn,
        definition: definition === undefined ? undefined : definitionText(definition),
        roleArn,
      })
      request.log.info({ stateMachineArn, revisionId: updated.revisionId }, 'state machine updated')
      return { stateMachineArn, ...updated }
    },
  )

  app.delete<{ Params: NameParams }>(
    '/state-machines/:name',
    {
      config: { permission: { kind: 'admin' } },
      schema: {
        tags: TAGS,
        summary: 'Delete a state machine (DeleteStateMachine)',
        description:
          'Running executions go on to their end; the machine is DELETING until then. Deleting what does not exist succeeds, as on AWS.',
        params: stateMachineNameParams,
        response: { 204: { type: 'null', description: 'Deleted.' }, ...errorResponses },
      },
    },
    async (request, reply) => {
      const stateMachineArn = machineArn(ctx, request.params.name)
      await service.deleteStateMachine(ctx, { stateMachineArn })
      request.log.info({ stateMachineArn }, 'state machine deleted')
      return reply.status(204).send()
    },
  )

  app.post<{
    Body: { definition: unknown; type?: string; severity?: string; maxResults?: number }
  }>(
    '/validate',
    {
      config: { permission: { kind: 'read' } },
      schema: {
        tags: TAGS,
        summary: 'Validate a definition without saving it (ValidateStateMachineDefinition)',
        description:
          'Every problem at once, each with its code and a JSON pointer. result is FAIL when there is an ERROR.',
        body: validateBody,
        response: { 200: validateResponse, ...errorResponses },
      },
    },
    (request) => {
      const { definition, type, severity, maxResults } = request.body
      return Promise.resolve(
        service.validateStateMachineDefinition({
          definition: definitionText(definition),
          type: type as 'STANDARD' | 'EXPRESS' | undefined,
          severity: severity as 'ERROR' | 'WARNING' | undefined,
          maxResults,
        }),
      )
    },
  )
}

/** The ARN of the machine a path names; InvalidName when the name could not be one. */
export function machineArn(ctx: service.ServiceContext, name: string): string {
  return ctx.engine.stateMachineArn(checkName(name, 'name'))
}

/** A definition given as an object or as JSON text, as the JSON text the service takes. */
function definitionText(definition: unknown): string {
  if (typeof definition === 'string') {
    checkJsonText(definition, 'the definition')
    return definition
  }
  checkJsonValue(definition, 'the definition')
  return JSON.stringify(definition, null, 2)
}
