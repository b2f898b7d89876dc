import { randomUUID } from 'node:crypto'
import type { Command, JsonValue } from '../../engine/asl/index.js'
import {
  invokeRequest,
  lambdaOutcome,
  type FunctionResponse,
  type InvokeRequest,
} from '../../engine/runtime/dispatch/lambda-response.js'
import type { TaskHandler, TaskOutcome } from '../../engine/runtime/run-in-memory.js'
import type { ConformanceCase } from './cases.js'

/**
 * In-process stand-ins for the handler kinds of ../shared/conformance/README.md, for running the
 * task-lambda and task-activity cases through the interpreter alone. The durable engine's tests
 * run the same kinds as real HTTP endpoints and activity workers.
 */
export function functionKind(
  kind: string,
  event: JsonValue,
): FunctionResponse & { seconds?: number } {
  const requestId = randomUUID()
  const error = (errorType: string, errorMessage: string): FunctionResponse => ({
    status: 500,
    requestId,
    body: JSON.stringify({
      errorMessage,
      errorType,
      requestId,
      stackTrace: ['  File "/var/task/handler.py", line 2, in handler\n'],
    }),
  })
  switch (kind) {
    case 'identity':
      return { status: 200, requestId, body: JSON.stringify(event) }
    case 'return_hello_world':
      return { status: 200, requestId, body: JSON.stringify({ Return: 'HelloWorld' }) }
    case 'return_bytes_hello_world':
      return { status: 200, requestId, body: JSON.stringify('HelloWorld!') }
    case 'raise_exception':
      return error('Exception', 'Some exception was raised.')
    case 'raise_custom_exception':
      return error('CustomException', '')
    case 'large_output':
      return { status: 200, requestId, body: 'a'.repeat(263_168) }
    case 'sleep_60s':
      return { status: 200, requestId, body: JSON.stringify(event), seconds: 60 }
    default:
      throw new Error(`unknown function kind ${kind}`)
  }
}

export function standInHandler(c: ConformanceCase): TaskHandler {
  return (task) => runTask(c, task)
}

function runTask(
  c: ConformanceCase,
  task: Extract<Command, { kind: 'ScheduleTask' }>,
): TaskOutcome {
  const r = task.resource
  if (r.kind === 'activity') return runActivityScript(c, task)
  let functionName: string | undefined
  let event: JsonValue = task.input
  let request: InvokeRequest | undefined
  if (r.kind === 'lambda-function') functionName = r.functionName
  else if (r.kind === 'service' && r.service === 'lambda') {
    request = invokeRequest(task.input)
    functionName = request.functionName
    event = request.event
  } else return { kind: 'failed', error: 'States.TaskFailed', cause: `no stand-in for ${r.arn}` }
  const kind = functionName !== undefined ? c.functions?.[functionName] : undefined
  if (kind === undefined) {
    return {
      kind: 'failed',
      error: 'Lambda.ResourceNotFoundException',
      cause: `Function not found: ${functionName ?? '?'}`,
    }
  }
  const response = functionKind(kind, event)
  if (
    response.seconds !== undefined &&
    task.timeoutSeconds !== undefined &&
    task.timeoutSeconds < response.seconds
  ) {
    return { kind: 'timed-out' }
  }
  return lambdaOutcome(r, response, request)
}

function runActivityScript(
  c: ConformanceCase,
  task: Extract<Command, { kind: 'ScheduleTask' }>,
): TaskOutcome {
  let waited = 0
  let lastBeat = 0
  let workerName: string | undefined
  const text = JSON.stringify(task.input)
  for (const step of c.activity?.script ?? []) {
    const op = step['op']
    if (op === 'getTask' && typeof step['workerName'] === 'string') workerName = step['workerName']
    if (op === 'wait') waited += Number(step['seconds'])
    if (op === 'heartbeat') lastBeat = waited
    if (task.timeoutSeconds !== undefined && waited >= task.timeoutSeconds)
      return { kind: 'timed-out' }
    if (task.heartbeatSeconds !== undefined && waited - lastBeat >= task.heartbeatSeconds) {
      return { kind: 'timed-out', heartbeat: true }
    }
    if (op === 'success') {
      return {
        kind: 'succeeded',
        output: JSON.parse(text) as JsonValue,
        ...(workerName ? { workerName } : {}),
      }
    }
    if (op === 'failure') return { kind: 'failed', error: String(step['error']), cause: text }
  }
  return {
    kind: 'timed-out',
    heartbeat: task.heartbeatSeconds !== undefined && task.timeoutSeconds === undefined,
  }
}
