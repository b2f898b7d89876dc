import type { FastifyInstance } from 'fastify'
import type { ExecutionStatus } from '../../engine/store/index.js'
import * as service from '../../engine/service/index.js'
import { checkName } from '../../engine/service/index.js'
import { machineArn } from './state-machines.js'
import {
  errorResponses,
  executionDefinition,
  executionDescription,
  executionList,
  executionParams,
  executionStarted,
  executionStopped,
  historyQuery,
  historyResponse,
  listExecutionsQuery,
  startExecutionBody,
  stateMachineNameParams,
  stopExecutionBody,
} from './schemas.js'

const TAGS = ['executions']

interface ExecutionParams {
  name: string
  execution: string
}

/**
 * Executions over REST, under their state machine's name:
 * `/v1/state-machines/orders/executions/order-42`. Input and output are JSON values, dates are
 * ISO 8601, and history events keep AWS's HistoryEvent shape.
 */
export function executionRoutes(app: FastifyInstance, ctx: service.ServiceContext): void {
  app.post<{ Params: { name: string }; Body: { name?: string; input?: unknown } }>(
    '/state-machines/:name/executions',
    {
      config: { permission: { kind: 'start' } },
      schema: {
        tags: TAGS,
        summary: 'Start an execution (StartExecution)',
        description:
          'Runs on the machine’s current revision. Input is any JSON value, at most 256 KiB as JSON text.',
        params: stateMachineNameParams,
        body: startExecutionBody,
        response: { 201: executionStarted, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { name, input } = request.body
      const started = await service.startExecution(ctx, {
        stateMachineArn: machineArn(ctx, request.params.name),
        name,
        input: input === undefined ? undefined : JSON.stringify(input),
      })
      request.log.info({ executionArn: started.executionArn }, 'execution started')
      const executionName = started.executionArn.slice(started.executionArn.lastIndexOf(':') + 1)
      return reply.status(201).send({ ...started, name: executionName })
    },
  )

  app.get<{
    Params: { name: string }
    Querystring: { status?: ExecutionStatus; maxResults?: number; nextToken?: string }
  }>(
    '/state-machines/:name/executions',
    {
      config: { permission: { kind: 'read' } },
      schema: {
        tags: TAGS,
        summary: 'List executions, newest first (ListExecutions)',
        params: stateMachineNameParams,
        querystring: listExecutionsQuery,
        response: { 200: executionList, ...errorResponses },
      },
    },
    (request) => {
      const { status, maxResults, nextToken } = request.query
      return service.listExecutions(ctx, {
        stateMachineArn: machineArn(ctx, request.params.name),
        statusFilter: status,
        maxResults,
        nextToken,
      })
    },
  )

  app.get<{ Params: ExecutionParams }>(
    '/state-machines/:name/executions/:execution',
    {
      config: { permission: { kind: 'read' } },
      schema: {
        tags: TAGS,
        summary: 'Describe an execution (DescribeExecution)',
        params: executionParams,
        response: { 200: executionDescription, ...errorResponses },
      },
    },
    async (request) => {
      const d = await service.describeExecution(ctx, {
        executionArn: executionArn(ctx, request.params),
      })
      return {
        executionArn: d.executionArn,
        stateMachineArn: d.stateMachineArn,
        name: d.name,
        status: d.status,
        startDate: d.startDate,
        stopDate: d.stopDate,
        input: JSON.parse(d.input) as unknown,
        ...(d.output !== undefined ? { output: JSON.parse(d.output) as unknown } : {}),
        error: d.error,
        cause: d.cause,
      }
    },
  )

  app.post<{ Params: ExecutionParams; Body: { error?: string; cause?: string } }>(
    '/state-machines/:name/executions/:execution/stop',
    {
      config: { permission: { kind: 'start' } },
      schema: {
        tags: TAGS,
        summary: 'Stop a running execution (StopExecution)',
        description:
          'It ends ABORTED with the given error and cause. Stopping an execution that has ended changes nothing.',
        params: executionParams,
        body: stopExecutionBody,
        response: { 200: executionStopped, ...errorResponses },
      },
    },
    async (request) => {
      const arn = executionArn(ctx, request.params)
      const stopped = await service.stopExecution(ctx, { executionArn: arn, ...request.body })
      request.log.info({ executionArn: arn }, 'execution stopped')
      return stopped
    },
  )

  app.get<{
    Params: ExecutionParams
    Querystring: {
      maxResults?: number
      nextToken?: string
      reverseOrder?: boolean
      includeExecutionData?: boolean
    }
  }>(
    '/state-machines/:name/executions/:execution/history',
    {
      config: { permission: { kind: 'read' } },
      schema: {
        tags: TAGS,
        summary: 'An execution’s history, one page at a time (GetExecutionHistory)',
        params: executionParams,
        querystring: historyQuery,
        response: { 200: historyResponse, ...errorResponses },
      },
    },
    (request) =>
      service.getExecutionHistory(ctx, {
        executionArn: executionArn(ctx, request.params),
        ...request.query,
      }),
  )

  app.get<{ Params: ExecutionParams }>(
    '/state-machines/:name/executions/:execution/definition',
    {
      config: { permission: { kind: 'read' } },
      schema: {
        tags: TAGS,
        summary: 'The definition an execution runs on (DescribeStateMachineForExecution)',
        params: executionParams,
        response: { 200: executionDefinition, ...errorResponses },
      },
    },
    async (request) => {
      const d = await service.describeStateMachineForExecution(ctx, {
        executionArn: executionArn(ctx, request.params),
      })
      return { ...d, definition: JSON.parse(d.definition) as unknown }
    },
  )
}

function executionArn(ctx: service.ServiceContext, params: ExecutionParams): string {
  return ctx.engine.executionArn(
    checkName(params.name, 'name'),
    checkName(params.execution, 'execution'),
  )
}
