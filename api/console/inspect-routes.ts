import type { FastifyInstance } from 'fastify'
import * as service from '../../engine/service/index.js'
import { checkName } from '../../engine/service/index.js'
import type { FrameStatus } from '../../engine/store/index.js'
import type { ApiExtension } from '../extension.js'
import { machineArn } from '../rest/state-machines.js'
import {
  errorResponses,
  executionParams,
  historyResponse,
  pageQuery,
  stateMachineNameParams,
} from '../rest/schemas.js'

/**
 * REST routes for views the plain API does not give in one call: per-state summaries of an
 * execution, one state's attempts, Map iterations by page, history filtered by type, and a
 * state machine's executions counted by status with its revisions. The web console (`/console`)
 * reads them; they are ordinary `/v1` routes with the API's authentication (scope read).
 */

const TAGS = ['inspection']
const timestamp = { type: 'string', format: 'date-time' } as const
const READ = { permission: { kind: 'read' } } as const

const stateStatus = {
  type: 'string',
  enum: ['NOT_REACHED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CAUGHT', 'CANCELLED'],
} as const
const executionStatus = {
  type: 'string',
  enum: ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'],
} as const
const frameStatus = {
  type: 'string',
  enum: ['QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'ABORTED', 'TIMED_OUT'],
} as const

const stateSummary = {
  type: 'object',
  required: [
    'name',
    'status',
    'entered',
    'succeeded',
    'caught',
    'failed',
    'cancelled',
    'running',
    'retries',
  ],
  properties: {
    name: { type: 'string' },
    status: stateStatus,
    entered: { type: 'integer', description: 'How many times the state was entered.' },
    succeeded: { type: 'integer' },
    caught: { type: 'integer', description: 'Visits that failed and left through a Catch.' },
    failed: { type: 'integer' },
    cancelled: { type: 'integer' },
    running: { type: 'integer' },
    retries: { type: 'integer', description: 'Task attempts after the first, over all visits.' },
    error: { type: 'string', description: 'The error of the latest failure.' },
  },
} as const

const childRun = {
  type: 'object',
  required: ['run', 'type', 'total', 'started', 'running', 'succeeded', 'failed', 'done'],
  properties: {
    run: { type: 'integer', description: '1 for the first run of the state.' },
    type: { type: 'string', enum: ['Parallel', 'Map'] },
    total: { type: 'integer', description: 'Items (Map) or branches (Parallel).' },
    started: { type: 'integer' },
    running: { type: 'integer' },
    succeeded: { type: 'integer' },
    failed: { type: 'integer' },
    done: { type: 'boolean' },
  },
} as const

const stateParams = {
  type: 'object',
  required: ['name', 'execution', 'state'],
  properties: {
    ...executionParams.properties,
    state: { type: 'string', minLength: 1, maxLength: 80, description: 'A state name.' },
  },
} as const

interface ExecutionParams {
  name: string
  execution: string
}
interface StateParams extends ExecutionParams {
  state: string
}

function executionArn(ctx: service.ServiceContext, params: ExecutionParams): string {
  return ctx.engine.executionArn(
    checkName(params.name, 'name'),
    checkName(params.execution, 'execution'),
  )
}

/** Registers the routes (inside the `/v1` scope). */
export function inspectRoutes(app: FastifyInstance, ctx: service.ServiceContext): void {
  app.get<{ Params: { name: string }; Querystring: { maxRevisions?: number } }>(
    '/state-machines/:name/summary',
    {
      config: READ,
      schema: {
        tags: TAGS,
        summary: 'A state machine’s executions counted by status, and its newest revisions',
        params: stateMachineNameParams,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { maxRevisions: { type: 'integer', minimum: 1, maximum: 100 } },
        },
        response: {
          200: {
            type: 'object',
            required: ['stateMachineArn', 'name', 'revision', 'executionCounts', 'revisions'],
            properties: {
              stateMachineArn: { type: 'string' },
              name: { type: 'string' },
              revision: { type: 'integer', description: 'The current revision.' },
              executionCounts: {
                type: 'object',
                required: executionStatus.enum,
                properties: Object.fromEntries(
                  executionStatus.enum.map((s) => [s, { type: 'integer' }]),
                ),
              },
              revisions: {
                type: 'array',
                items: {
                  type: 'object',
                  required: ['revision', 'creationDate', 'executions'],
                  properties: {
                    revision: { type: 'integer' },
                    creationDate: timestamp,
                    executions: { type: 'integer' },
                  },
                },
              },
            },
          },
          ...errorResponses,
        },
      },
    },
    (request) =>
      service.describeStateMachineSummary(ctx, {
        stateMachineArn: machineArn(ctx, request.params.name),
        maxRevisions: request.query.maxRevisions,
      }),
  )

  app.get<{ Params: { name: string; revision: number } }>(
    '/state-machines/:name/revisions/:revision',
    {
      config: READ,
      schema: {
        tags: TAGS,
        summary: 'One revision of a state machine, with its definition',
        params: {
          type: 'object',
          required: ['name', 'revision'],
          properties: {
            ...stateMachineNameParams.properties,
            revision: { type: 'integer', minimum: 1 },
          },
        },
        response: {
          200: {
            type: 'object',
            required: ['revision', 'creationDate', 'definition'],
            properties: { revision: { type: 'integer' }, creationDate: timestamp, definition: {} },
          },
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const r = await service.describeStateMachineRevision(ctx, {
        stateMachineArn: machineArn(ctx, request.params.name),
        revision: request.params.revision,
      })
      return { ...r, definition: JSON.parse(r.definition) as unknown }
    },
  )

  app.get<{ Params: ExecutionParams }>(
    '/state-machines/:name/executions/:execution/states',
    {
      config: READ,
      schema: {
        tags: TAGS,
        summary: 'What happened to each state of an execution',
        description:
          'States never entered are not listed (NOT_REACHED). A state’s status covers all its visits: RUNNING if one runs, else FAILED if one failed, CAUGHT if one failed into a Catch, CANCELLED if one was stopped, else SUCCEEDED.',
        params: executionParams,
        response: {
          200: {
            type: 'object',
            required: ['status', 'lastEventId', 'states'],
            properties: {
              status: executionStatus,
              lastEventId: { type: 'integer' },
              states: { type: 'array', items: stateSummary },
            },
          },
          ...errorResponses,
        },
      },
    },
    (request) =>
      service.describeExecutionStates(ctx, { executionArn: executionArn(ctx, request.params) }),
  )

  app.get<{ Params: StateParams }>(
    '/state-machines/:name/executions/:execution/states/:state',
    {
      config: READ,
      schema: {
        tags: TAGS,
        summary: 'One state of an execution: its latest visit, attempts and Map/Parallel runs',
        params: stateParams,
        response: {
          200: {
            type: 'object',
            required: ['name', 'status', 'attempts', 'runs'],
            properties: {
              name: { type: 'string' },
              status: stateStatus,
              summary: stateSummary,
              visit: { type: 'integer', description: 'The latest visit (how many there were).' },
              enteredDate: timestamp,
              exitedDate: timestamp,
              input: {},
              output: {},
              error: { type: 'string' },
              cause: { type: 'string' },
              attempts: {
                type: 'array',
                items: {
                  type: 'object',
                  required: ['attempt', 'status', 'kind', 'scheduledDate'],
                  properties: {
                    attempt: { type: 'integer' },
                    status: {
                      type: 'string',
                      enum: ['SCHEDULED', 'STARTED', 'SUCCEEDED', 'FAILED', 'TIMED_OUT'],
                    },
                    kind: { type: 'string' },
                    resource: { type: 'string' },
                    scheduledDate: timestamp,
                    startedDate: timestamp,
                    endDate: timestamp,
                    workerName: { type: 'string' },
                    waitedMs: { type: 'integer' },
                    ranMs: { type: 'integer' },
                    error: { type: 'string' },
                    cause: { type: 'string' },
                  },
                },
              },
              runs: { type: 'array', items: childRun },
            },
          },
          ...errorResponses,
        },
      },
    },
    (request) =>
      service.describeExecutionState(ctx, {
        executionArn: executionArn(ctx, request.params),
        stateName: request.params.state,
      }),
  )

  app.get<{
    Params: StateParams
    Querystring: { run?: number; status?: FrameStatus; maxResults?: number; nextToken?: string }
  }>(
    '/state-machines/:name/executions/:execution/states/:state/iterations',
    {
      config: READ,
      schema: {
        tags: TAGS,
        summary: 'The iterations of a Map run (or branches of a Parallel run), by index, paged',
        params: stateParams,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            run: { type: 'integer', minimum: 1, description: 'Which run (default the latest).' },
            status: frameStatus,
            ...pageQuery,
          },
        },
        response: {
          200: {
            type: 'object',
            required: ['run', 'runs', 'iterations'],
            properties: {
              run: { type: 'integer' },
              runs: { type: 'array', items: childRun },
              iterations: {
                type: 'array',
                items: {
                  type: 'object',
                  required: ['index', 'status'],
                  properties: {
                    index: { type: 'integer' },
                    status: frameStatus,
                    error: { type: 'string' },
                    cause: { type: 'string' },
                  },
                },
              },
              nextToken: { type: 'string' },
            },
          },
          ...errorResponses,
        },
      },
    },
    (request) =>
      service.listMapIterations(ctx, {
        executionArn: executionArn(ctx, request.params),
        stateName: request.params.state,
        ...request.query,
      }),
  )

  app.get<{
    Params: ExecutionParams
    Querystring: { type?: string; maxResults?: number; nextToken?: string }
  }>(
    '/state-machines/:name/executions/:execution/events',
    {
      config: READ,
      schema: {
        tags: TAGS,
        summary: 'An execution’s history filtered by event type, in event order, paged',
        params: executionParams,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            type: {
              type: 'string',
              pattern: '^[A-Za-z]{1,64}(,[A-Za-z]{1,64}){0,49}$',
              description: 'Comma-separated event types (default all).',
            },
            ...pageQuery,
          },
        },
        response: {
          200: {
            type: 'object',
            required: ['events', 'typeCounts'],
            properties: {
              events: historyResponse.properties.events,
              typeCounts: { type: 'object', additionalProperties: { type: 'integer' } },
              nextToken: { type: 'string' },
            },
          },
          ...errorResponses,
        },
      },
    },
    (request) =>
      service.listExecutionEvents(ctx, {
        executionArn: executionArn(ctx, request.params),
        types: request.query.type?.split(','),
        maxResults: request.query.maxResults,
        nextToken: request.query.nextToken,
      }),
  )
}

/** The inspection routes as an extension of the REST door (listed in api/extensions.ts). */
export const inspectExtension: ApiExtension = {
  name: 'inspection',
  rest: (app, deps) => inspectRoutes(app, deps.service),
}
