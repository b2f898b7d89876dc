import type { TaskState } from '../compile/machine.js'
import { AslError, type AslFailure } from '../errors.js'
import { NOT_TRUNCATED, payloadText } from '../history.js'
import { jsonByteSize, type JsonObject, type JsonValue } from '../json.js'
import type { TaskResource } from '../resources.js'
import { MAX_PAYLOAD_BYTES, type Run, type Transition } from '../run.js'

/**
 * Task: evaluate InputPath and Parameters (JSONata: Arguments, reading `$states.input` and
 * `$states.context`), then hand the work to the runtime with a ScheduleTask command and suspend.
 * The result comes back as TaskSucceeded/TaskFailed/TaskTimedOut.
 *
 * AWS: "Task workflow state"; history: LambdaFunction* for Lambda ARNs, Activity* for
 * activities, Task* for service integrations.
 */
export function runTask(run: Run, state: TaskState, input: JsonValue): Transition {
  return run.guard(state, () => {
    const resource = state.resource
    if (resource.kind === 'activity' && run.env.activityExists?.(resource.arn) === false) {
      throw new AslError('States.Runtime', `The activity ${resource.arn} does not exist.`)
    }
    const effective = run.applyInputPath(state.inputPath, input)
    const byToken =
      state.resource.kind === 'activity' ||
      (state.resource.kind === 'service' && state.resource.pattern === 'wait-for-task-token')
    const taskToken = byToken ? run.env.newTaskToken() : undefined
    const extra = taskToken !== undefined ? { taskToken } : undefined
    let parameters: JsonValue = effective
    if (state.arguments)
      parameters = run.jsonata(state.arguments, run.jsonataBindings(input, extra))
    else if (state.parameters) parameters = run.template(state.parameters, effective, extra)
    const timeoutSeconds =
      state.timeout && positive(run.numberFrom(state.timeout, effective), 'TimeoutSeconds')
    const heartbeatSeconds =
      state.heartbeat && positive(run.numberFrom(state.heartbeat, effective), 'HeartbeatSeconds')
    if (parameters !== effective && jsonByteSize(parameters) > MAX_PAYLOAD_BYTES) {
      throw new AslError(
        'States.DataLimitExceeded',
        `The state/task '${state.name}' was given an input with a size exceeding the maximum number of bytes service limit.`,
      )
    }
    const taskId = run.env.uuid()
    emitScheduled(run, state.resource, parameters, timeoutSeconds, heartbeatSeconds)
    run.command({
      kind: 'ScheduleTask',
      taskId,
      stateName: state.name,
      resource: state.resource,
      input: parameters,
      attempt: run.frame.retryCount + 1,
      ...(timeoutSeconds !== undefined ? { timeoutSeconds } : {}),
      ...(heartbeatSeconds !== undefined ? { heartbeatSeconds } : {}),
      ...(taskToken !== undefined ? { taskToken } : {}),
    })
    return run.wait({ kind: 'task', taskId, started: false })
  })
}

/** AWS's cause for a task result over the payload limit; it names the resource, not the state. */
export function dataLimitCause(resource: TaskResource): string {
  const label = resource.kind === 'service' ? resource.service : resource.arn
  return `The state/task '${label}' returned a result with a size exceeding the maximum number of bytes service limit.`
}

function positive(value: number, field: string): number {
  if (value <= 0) {
    throw new AslError(
      'States.Runtime',
      `The ${field} value must be a positive integer, but was ${value}`,
    )
  }
  return value
}

export function onTaskStarted(run: Run, state: TaskState, workerName?: string): Transition {
  emitStarted(run, state.resource, workerName)
  run.frame.waiting = { ...(run.frame.waiting as { kind: 'task'; taskId: string }), started: true }
  return null
}

/**
 * A `.waitForTaskToken` task was handed over: AWS records TaskSubmitted with what the call
 * answered, and the state keeps waiting for SendTaskSuccess/Failure or its timeout.
 */
export function onTaskSubmitted(run: Run, state: TaskState, output: JsonValue): Transition {
  ensureStarted(run, state)
  run.emit('TaskSubmitted', 'taskSubmittedEventDetails', {
    ...serviceFields(run, state.resource),
    output: payloadText(output),
    outputDetails: NOT_TRUNCATED,
  })
  return null
}

export function onTaskSucceeded(run: Run, state: TaskState, output: JsonValue): Transition {
  ensureStarted(run, state)
  if (jsonByteSize(output) > MAX_PAYLOAD_BYTES) {
    const failure = { error: 'States.DataLimitExceeded', cause: dataLimitCause(state.resource) }
    emitFailed(run, state.resource, 'Failed', failure)
    return run.failState(state, failure)
  }
  emitSucceeded(run, state.resource, output)
  return run.guard(state, () => run.finishWithResult(state, output))
}

export function onTaskFailed(run: Run, state: TaskState, failure: AslFailure): Transition {
  ensureStarted(run, state)
  emitFailed(run, state.resource, 'Failed', failure)
  return run.failState(state, failure)
}

export function onTaskTimedOut(
  run: Run,
  state: TaskState,
  heartbeat: boolean,
  cause?: string,
): Transition {
  ensureStarted(run, state)
  const failure: AslFailure = {
    error: heartbeat ? 'States.HeartbeatTimeout' : 'States.Timeout',
    ...(cause !== undefined ? { cause } : {}),
  }
  emitFailed(run, state.resource, 'TimedOut', failure)
  return run.failState(state, failure)
}

function ensureStarted(run: Run, state: TaskState): void {
  const waiting = run.frame.waiting
  if (waiting?.kind === 'task' && !waiting.started) onTaskStarted(run, state)
}

// ---- history in AWS's shape, by resource kind ---------------------------------------------------

function prefix(resource: TaskResource): 'LambdaFunction' | 'Activity' | 'Task' {
  if (resource.kind === 'lambda-function') return 'LambdaFunction'
  if (resource.kind === 'activity') return 'Activity'
  return 'Task'
}

function serviceFields(run: Run, resource: TaskResource): JsonObject {
  if (resource.kind !== 'service') return { resourceType: 'unknown', resource: resource.arn }
  const suffix =
    resource.pattern === 'wait-for-task-token'
      ? '.waitForTaskToken'
      : resource.pattern === 'sync'
        ? '.sync'
        : ''
  return { resourceType: resource.service, resource: resource.action + suffix }
}

function emitScheduled(
  run: Run,
  resource: TaskResource,
  input: JsonValue,
  timeoutSeconds: number | undefined,
  heartbeatSeconds: number | undefined,
): void {
  const timeouts: JsonObject = {}
  if (timeoutSeconds !== undefined) timeouts['timeoutInSeconds'] = timeoutSeconds
  if (heartbeatSeconds !== undefined) timeouts['heartbeatInSeconds'] = heartbeatSeconds
  const p = prefix(resource)
  if (p === 'Task') {
    run.emit('TaskScheduled', 'taskScheduledEventDetails', {
      ...serviceFields(run, resource),
      region: run.env.execution.region,
      parameters: payloadText(input),
      ...timeouts,
    })
    return
  }
  if (p === 'LambdaFunction') delete timeouts['heartbeatInSeconds']
  run.emit(`${p}Scheduled`, `${lower(p)}ScheduledEventDetails`, {
    resource: resource.arn,
    input: payloadText(input),
    inputDetails: NOT_TRUNCATED,
    ...timeouts,
  })
}

function emitStarted(run: Run, resource: TaskResource, workerName?: string): void {
  const p = prefix(resource)
  if (p === 'Task') run.emit('TaskStarted', 'taskStartedEventDetails', serviceFields(run, resource))
  else if (p === 'Activity') {
    run.emit(
      'ActivityStarted',
      'activityStartedEventDetails',
      workerName !== undefined ? { workerName } : {},
    )
  } else run.emit('LambdaFunctionStarted')
}

function emitSucceeded(run: Run, resource: TaskResource, output: JsonValue): void {
  const p = prefix(resource)
  run.emit(`${p}Succeeded`, `${lower(p)}SucceededEventDetails`, {
    ...(p === 'Task' ? serviceFields(run, resource) : {}),
    output: payloadText(output),
    outputDetails: NOT_TRUNCATED,
  })
}

function emitFailed(
  run: Run,
  resource: TaskResource,
  what: 'Failed' | 'TimedOut',
  failure: AslFailure,
): void {
  const p = prefix(resource)
  const details: JsonObject = p === 'Task' ? serviceFields(run, resource) : {}
  if (failure.error !== undefined) details['error'] = failure.error
  if (failure.cause !== undefined) details['cause'] = failure.cause
  run.emit(`${p}${what}`, `${lower(p)}${what}EventDetails`, details)
}

function lower(p: string): string {
  return p.charAt(0).toLowerCase() + p.slice(1)
}
