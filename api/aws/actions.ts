import * as service from '../../engine/service/index.js'
import { validationError } from '../../engine/service/validation.js'
import type { AwsAction, JsonSchema } from '../extension.js'
import { checkJsonText } from '../json.js'
import { requestShape, responseShape } from './shapes.js'

/** Options of the Step Functions actions. */
export interface StepFunctionsActionOptions {
  /** StartSyncExecution waits at most this long for the end (AWS's Express limit: 5 minutes). */
  readonly syncExecutionTimeoutMs: number
}

type Request = Readonly<Record<string, unknown>>

const loggingConfiguration = { type: 'object', additionalProperties: true } as const
const diagnostic = {
  type: 'object',
  properties: {
    severity: { type: 'string' },
    code: { type: 'string' },
    message: { type: 'string' },
    location: { type: 'string' },
  },
} as const
const executionListItem = responseShape(
  {
    executionArn: 'string',
    stateMachineArn: 'string',
    name: 'string',
    status: 'string',
    startDate: 'timestamp',
    stopDate: 'timestamp',
  },
  ['executionArn', 'stateMachineArn', 'name', 'status', 'startDate'],
)
const describeExecutionResponse = responseShape(
  {
    executionArn: 'string',
    stateMachineArn: 'string',
    name: 'string',
    status: 'string',
    startDate: 'timestamp',
    stopDate: 'timestamp',
    input: 'string',
    inputDetails: 'object',
    output: 'string',
    outputDetails: 'object',
    error: 'string',
    cause: 'string',
    redriveCount: 'integer',
  },
  ['executionArn', 'stateMachineArn', 'status', 'startDate'],
)

/**
 * The Step Functions actions the engine's service layer answers: state machines, executions and
 * history. Activities and tasks come from the task-dispatch extension (api/extensions.ts).
 */
export function stepFunctionsActions(options: StepFunctionsActionOptions): AwsAction[] {
  return [
    {
      name: 'CreateStateMachine',
      summary: 'Creates a state machine (roleArn optional here; tags, logging ignored).',
      permission: { kind: 'admin' },
      request: requestShape(
        {
          name: 'string',
          definition: 'string',
          roleArn: 'string',
          type: 'string',
          loggingConfiguration: 'object',
          tracingConfiguration: 'object',
          tags: 'array',
          publish: 'boolean',
          versionDescription: 'string',
          encryptionConfiguration: 'object',
        },
        ['name', 'definition'],
      ),
      response: responseShape({ stateMachineArn: 'string', creationDate: 'timestamp' }, [
        'stateMachineArn',
        'creationDate',
      ]),
      async handle(request, ctx) {
        checkJsonText(request['definition'], 'the definition')
        const created = await service.createStateMachine(
          ctx.service,
          request as unknown as service.CreateStateMachineRequest,
        )
        ctx.log.info({ stateMachineArn: created.stateMachineArn }, 'state machine created')
        return created
      },
    },
    {
      name: 'DescribeStateMachine',
      permission: { kind: 'read' },
      request: requestShape({ stateMachineArn: 'string', includedData: 'string' }, [
        'stateMachineArn',
      ]),
      response: responseShape(
        {
          stateMachineArn: 'string',
          name: 'string',
          status: 'string',
          definition: 'string',
          roleArn: 'string',
          type: 'string',
          creationDate: 'timestamp',
          revisionId: 'string',
          loggingConfiguration,
          tracingConfiguration: 'object',
        },
        ['stateMachineArn', 'name', 'definition', 'roleArn', 'type', 'creationDate'],
      ),
      async handle(request, ctx) {
        const includedData = checkIncludedData(request)
        const described = await service.describeStateMachine(
          ctx.service,
          request as unknown as service.DescribeStateMachineRequest,
        )
        // AWS: METADATA_ONLY leaves out the definition (it may hold secrets).
        return includedData === 'METADATA_ONLY' ? { ...described, definition: '' } : described
      },
    },
    {
      name: 'UpdateStateMachine',
      summary: 'Publishes a new revision; running executions keep theirs.',
      permission: { kind: 'admin' },
      request: requestShape(
        {
          stateMachineArn: 'string',
          definition: 'string',
          roleArn: 'string',
          loggingConfiguration: 'object',
          tracingConfiguration: 'object',
          publish: 'boolean',
          versionDescription: 'string',
          encryptionConfiguration: 'object',
        },
        ['stateMachineArn'],
      ),
      response: responseShape({ updateDate: 'timestamp', revisionId: 'string' }, ['updateDate']),
      async handle(request, ctx) {
        checkJsonText(request['definition'], 'the definition')
        const updated = await service.updateStateMachine(
          ctx.service,
          request as unknown as service.UpdateStateMachineRequest,
        )
        ctx.log.info(
          { stateMachineArn: request['stateMachineArn'], revisionId: updated.revisionId },
          'state machine updated',
        )
        return updated
      },
    },
    {
      name: 'DeleteStateMachine',
      permission: { kind: 'admin' },
      request: requestShape({ stateMachineArn: 'string' }, ['stateMachineArn']),
      response: responseShape({}),
      async handle(request, ctx) {
        await service.deleteStateMachine(
          ctx.service,
          request as unknown as service.DeleteStateMachineRequest,
        )
        ctx.log.info({ stateMachineArn: request['stateMachineArn'] }, 'state machine deleted')
        return {}
      },
    },
    {
      name: 'ListStateMachines',
      permission: { kind: 'read' },
      request: requestShape({ maxResults: 'integer', nextToken: 'string' }),
      response: responseShape(
        {
          stateMachines: {
            type: 'array',
            items: responseShape({
              stateMachineArn: 'string',
              name: 'string',
              type: 'string',
              creationDate: 'timestamp',
            }),
          },
          nextToken: 'string',
        },
        ['stateMachines'],
      ),
      handle: (request, ctx) => service.listStateMachines(ctx.service, request),
    },
    {
      name: 'ValidateStateMachineDefinition',
      permission: { kind: 'read' },
      request: requestShape(
        { definition: 'string', type: 'string', severity: 'string', maxResults: 'integer' },
        ['definition'],
      ),
      response: responseShape(
        {
          result: 'string',
          diagnostics: { type: 'array', items: diagnostic },
          truncated: 'boolean',
        },
        ['result', 'diagnostics'],
      ),
      handle: (request) =>
        Promise.resolve(
          service.validateStateMachineDefinition(
            request as unknown as service.ValidateStateMachineDefinitionRequest,
          ),
        ),
    },
    {
      name: 'StartExecution',
      permission: { kind: 'start' },
      request: requestShape(
        { stateMachineArn: 'string', name: 'string', input: 'string', traceHeader: 'string' },
        ['stateMachineArn'],
      ),
      response: responseShape({ executionArn: 'string', startDate: 'timestamp' }, [
        'executionArn',
        'startDate',
      ]),
      async handle(request, ctx) {
        checkJsonText(request['input'], 'the execution input')
        const started = await service.startExecution(
          ctx.service,
          request as unknown as service.StartExecutionRequest,
        )
        ctx.log.info({ executionArn: started.executionArn }, 'execution started')
        return started
      },
    },
    {
      name: 'StartSyncExecution',
      summary:
        'Starts an execution of an EXPRESS state machine and answers when it has ended (a STANDARD one is StateMachineTypeNotSupported, as on AWS).',
      permission: { kind: 'start' },
      request: requestShape(
        {
          stateMachineArn: 'string',
          name: 'string',
          input: 'string',
          traceHeader: 'string',
          includedData: 'string',
        },
        ['stateMachineArn'],
      ),
      response: responseShape(
        {
          ...(describeExecutionResponse['properties'] as Record<string, JsonSchema>),
          billingDetails: 'object',
        },
        ['executionArn', 'startDate', 'stopDate', 'status'],
      ),
      async handle(request, ctx) {
        checkJsonText(request['input'], 'the execution input')
        const includedData = checkIncludedData(request)
        const { executionArn } = await service.startExecution(
          ctx.service,
          request as unknown as service.StartExecutionRequest,
          { expressOnly: true },
        )
        const log = ctx.log.child({ executionArn })
        log.info('sync execution started')
        await ctx.service.engine.waitForEnd(executionArn, options.syncExecutionTimeoutMs)
        const d = await service.describeExecution(ctx.service, { executionArn })
        log.info({ status: d.status }, 'sync execution answered')
        const ended = d.status !== 'RUNNING'
        return {
          executionArn: d.executionArn,
          stateMachineArn: d.stateMachineArn,
          name: d.name,
          startDate: d.startDate,
          // Still running after the wait limit: answered TIMED_OUT, and it goes on running
          // (DescribeExecution with executionArn shows its end).
          stopDate: d.stopDate ?? new Date(),
          status: ended ? d.status : 'TIMED_OUT',
          ...(ended
            ? {}
            : {
                error: 'States.Timeout',
                cause: `The execution did not end within ${options.syncExecutionTimeoutMs} ms; it goes on running`,
              }),
          ...(d.error !== undefined ? { error: d.error } : {}),
          ...(d.cause !== undefined ? { cause: d.cause } : {}),
          ...(includedData === 'METADATA_ONLY'
            ? { inputDetails: { included: false } }
            : { input: d.input, inputDetails: d.inputDetails }),
          ...(d.output === undefined
            ? {}
            : includedData === 'METADATA_ONLY'
              ? { outputDetails: { included: false } }
              : { output: d.output, outputDetails: d.outputDetails }),
          billingDetails: { billedMemoryUsedInMB: 0, billedDurationInMilliseconds: 0 },
        }
      },
    },
    {
      name: 'DescribeExecution',
      permission: { kind: 'read' },
      request: requestShape({ executionArn: 'string', includedData: 'string' }, ['executionArn']),
      response: describeExecutionResponse,
      async handle(request, ctx) {
        const includedData = checkIncludedData(request)
        const d = await service.describeExecution(
          ctx.service,
          request as unknown as service.DescribeExecutionRequest,
        )
        if (includedData !== 'METADATA_ONLY') return d
        const { input: _input, output: _output, ...rest } = d
        return {
          ...rest,
          inputDetails: { included: false },
          ...(d.output !== undefined ? { outputDetails: { included: false } } : {}),
        }
      },
    },
    {
      name: 'ListExecutions',
      permission: { kind: 'read' },
      request: requestShape({
        stateMachineArn: 'string',
        statusFilter: 'string',
        maxResults: 'integer',
        nextToken: 'string',
        mapRunArn: 'string',
        redriveFilter: 'string',
      }),
      response: responseShape(
        { executions: { type: 'array', items: executionListItem }, nextToken: 'string' },
        ['executions'],
      ),
      handle(request, ctx) {
        if (request['stateMachineArn'] === undefined) {
          // AWS: "You can specify either a mapRunArn or a stateMachineArn, but not both";
          // millrace has no Map Runs, so stateMachineArn is required.
          throw validationError('stateMachineArn', 'Member must not be null')
        }
        return service.listExecutions(
          ctx.service,
          request as unknown as service.ListExecutionsRequest,
        )
      },
    },
    {
      name: 'StopExecution',
      permission: { kind: 'start' },
      request: requestShape({ executionArn: 'string', error: 'string', cause: 'string' }, [
        'executionArn',
      ]),
      response: responseShape({ stopDate: 'timestamp' }, ['stopDate']),
      async handle(request, ctx) {
        const stopped = await service.stopExecution(
          ctx.service,
          request as unknown as service.StopExecutionRequest,
        )
        ctx.log.info({ executionArn: request['executionArn'] }, 'execution stopped')
        return stopped
      },
    },
    {
      name: 'GetExecutionHistory',
      permission: { kind: 'read' },
      request: requestShape(
        {
          executionArn: 'string',
          maxResults: 'integer',
          nextToken: 'string',
          reverseOrder: 'boolean',
          includeExecutionData: 'boolean',
        },
        ['executionArn'],
      ),
      response: responseShape(
        {
          events: {
            type: 'array',
            items: {
              ...responseShape({
                timestamp: 'timestamp',
                type: 'string',
                id: 'integer',
                previousEventId: 'integer',
              }),
              additionalProperties: true,
              description: 'AWS’s HistoryEvent with one `<type>EventDetails` member.',
            },
          },
          nextToken: 'string',
        },
        ['events'],
      ),
      handle: (request, ctx) =>
        service.getExecutionHistory(
          ctx.service,
          request as unknown as service.GetExecutionHistoryRequest,
        ),
    },
    {
      name: 'DescribeStateMachineForExecution',
      permission: { kind: 'read' },
      request: requestShape({ executionArn: 'string', includedData: 'string' }, ['executionArn']),
      response: responseShape(
        {
          stateMachineArn: 'string',
          name: 'string',
          definition: 'string',
          roleArn: 'string',
          updateDate: 'timestamp',
          revisionId: 'string',
          loggingConfiguration,
          tracingConfiguration: 'object',
        },
        ['stateMachineArn', 'name', 'definition', 'roleArn', 'updateDate'],
      ),
      async handle(request, ctx) {
        const includedData = checkIncludedData(request)
        const d = await service.describeStateMachineForExecution(
          ctx.service,
          request as unknown as service.DescribeStateMachineForExecutionRequest,
        )
        return includedData === 'METADATA_ONLY' ? { ...d, definition: '' } : d
      },
    },
  ]
}

/** AWS's `includedData`: ALL_DATA (default) or METADATA_ONLY. */
function checkIncludedData(request: Request): 'ALL_DATA' | 'METADATA_ONLY' {
  const value = request['includedData']
  if (value === undefined || value === 'ALL_DATA') return 'ALL_DATA'
  if (value === 'METADATA_ONLY') return value
  throw validationError(
    'includedData',
    'Member must satisfy enum value set: [ALL_DATA, METADATA_ONLY]',
  )
}
