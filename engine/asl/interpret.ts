import type { CompiledMachine, CompiledState } from './compile/machine.js'
import { NOT_TRUNCATED, payloadText } from './history.js'
import type { JsonValue } from './json.js'
import { HistoryLimitReached, Run, type Transition } from './run.js'
import { runChoice } from './states/choice.js'
import { runFail } from './states/fail.js'
import { onMapFailed, onMapSucceeded, runMap } from './states/map.js'
import { onParallelFailed, onParallelSucceeded, runParallel } from './states/parallel.js'
import { runPass } from './states/pass.js'
import { runSucceed } from './states/succeed.js'
import {
  onTaskFailed,
  onTaskStarted,
  onTaskSubmitted,
  onTaskSucceeded,
  onTaskTimedOut,
  runTask,
} from './states/task.js'
import { resumeWait, runWait } from './states/wait.js'
import type { Frame, InterpreterEnv, InterpreterEvent, Step } from './types.js'

/**
 * The interpreter: one pure step `(frame, event, env) → { frame, history, commands }`.
 *
 * It runs to suspension: Pass, Choice, Succeed, Fail and data flow go on in memory state after
 * state until the frame waits for something (a task, a timer, its children) or ends. Events that
 * do not match what the frame waits for are stale and change nothing, so delivering an event
 * twice is harmless.
 *
 * @example
 * const step = interpret(machine, null, { kind: 'Start', scope: '', input: {} }, env)
 * // step.commands: ScheduleTask / ArmTimer / StartChildren / Finish
 */
export function interpret(
  machine: CompiledMachine,
  frame: Frame | null,
  event: InterpreterEvent,
  env: InterpreterEnv,
): Step {
  if (event.kind === 'Start') return start(machine, event, env)
  if (frame === null) throw new Error(`event ${event.kind} needs a frame`)
  if (frame.status !== 'RUNNING') return { frame, history: [], commands: [] }
  const run = new Run(machine, frame, env)
  withinHistoryLimit(run, () => runFrom(run, resume(run, event)))
  return { frame: run.frame, history: run.history, commands: run.commands }
}

function start(
  machine: CompiledMachine,
  event: Extract<InterpreterEvent, { kind: 'Start' }>,
  env: InterpreterEnv,
): Step {
  const scope = machine.scopes.get(event.scope)
  if (!scope) throw new Error(`unknown scope '${event.scope}'`)
  const frame: Frame = {
    scope: event.scope,
    status: 'RUNNING',
    ...(event.origin !== undefined ? { origin: event.origin } : {}),
    ...(event.variables !== undefined ? { outerVariables: event.variables } : {}),
    enteredEventId: 0,
    enteredTime: env.now,
    lastEventId: event.previousEventId ?? 0,
    retries: [],
    retryCount: 0,
  }
  const run = new Run(machine, frame, env)
  withinHistoryLimit(run, () => {
    if (event.origin === undefined) {
      run.emit('ExecutionStarted', 'executionStartedEventDetails', {
        input: payloadText(event.input),
        inputDetails: NOT_TRUNCATED,
        roleArn: env.execution.roleArn,
      })
      if (machine.timeoutSeconds !== undefined) {
        const timerId = env.uuid()
        run.frame.executionTimerId = timerId
        run.command({
          kind: 'ArmTimer',
          timerId,
          at: env.now + machine.timeoutSeconds * 1000,
          reason: 'ExecutionTimeout',
        })
      }
    } else if (event.origin.kind === 'map') {
      run.emit('MapIterationStarted', 'mapIterationStartedEventDetails', {
        name: event.origin.mapState,
        index: event.origin.index,
      })
    }
    runFrom(run, { next: scope.startAt, input: event.input })
  })
  return { frame: run.frame, history: run.history, commands: run.commands }
}

function withinHistoryLimit(run: Run, body: () => void): void {
  try {
    body()
  } catch (err) {
    if (!(err instanceof HistoryLimitReached)) throw err
    run.failForHistoryLimit()
  }
}

/** Enter states one after another until the frame suspends or ends. */
function runFrom(run: Run, transition: Transition): void {
  let t = transition
  while (t !== null && run.frame.status === 'RUNNING') {
    const state = run.enter(t.next, t.input)
    t = execute(run, state, t.input)
  }
}

function execute(run: Run, state: CompiledState, input: JsonValue): Transition {
  switch (state.type) {
    case 'Pass':
      return runPass(run, state, input)
    case 'Task':
      return runTask(run, state, input)
    case 'Choice':
      return runChoice(run, state, input)
    case 'Wait':
      return runWait(run, state, input)
    case 'Succeed':
      return runSucceed(run, state, input)
    case 'Fail':
      return runFail(run, state, input)
    case 'Parallel':
      return runParallel(run, state, input)
    case 'Map':
      return runMap(run, state, input)
  }
}

/** Apply an event to a suspended frame. Stale events (not what it waits for) change nothing. */
function resume(run: Run, event: Exclude<InterpreterEvent, { kind: 'Start' }>): Transition {
  const waiting = run.frame.waiting
  if (event.kind === 'Stop') {
    run.endFrame('ABORTED', 'ExecutionAborted', {
      ...(event.error !== undefined ? { error: event.error } : {}),
      ...(event.cause !== undefined ? { cause: event.cause } : {}),
    })
    return null
  }
  if (event.kind === 'TimerFired' && event.timerId === run.frame.executionTimerId) {
    run.endFrame('TIMED_OUT', 'ExecutionTimedOut', {
      error: 'States.Timeout',
      cause: 'The execution has timed out.',
    })
    return null
  }
  if (!waiting) return null
  const state = run.currentState()
  switch (event.kind) {
    case 'TaskStarted':
    case 'TaskSubmitted':
    case 'TaskSucceeded':
    case 'TaskFailed':
    case 'TaskTimedOut': {
      if (waiting.kind !== 'task' || waiting.taskId !== event.taskId || state.type !== 'Task')
        return null
      if (event.kind === 'TaskStarted')
        return waiting.started ? null : onTaskStarted(run, state, event.workerName)
      if (event.kind === 'TaskSubmitted') return onTaskSubmitted(run, state, event.output)
      if (event.kind === 'TaskSucceeded') return onTaskSucceeded(run, state, event.output)
      if (event.kind === 'TaskFailed') {
        return onTaskFailed(run, state, {
          ...(event.error !== undefined ? { error: event.error } : {}),
          ...(event.cause !== undefined ? { cause: event.cause } : {}),
        })
      }
      return onTaskTimedOut(run, state, event.heartbeat, event.cause)
    }
    case 'TimerFired': {
      if (waiting.kind !== 'timer' || waiting.timerId !== event.timerId) return null
      if (waiting.reason === 'Wait' && state.type === 'Wait') return resumeWait(run, state)
      // A retry: run the state again from its raw input. AWS writes no second …StateEntered.
      return execute(run, state, run.frame.stateInput ?? null)
    }
    case 'ChildrenSucceeded':
    case 'ChildrenFailed': {
      if (waiting.kind !== 'children' || waiting.childrenId !== event.childrenId) return null
      const failure = {
        ...(event.kind === 'ChildrenFailed' && event.error !== undefined
          ? { error: event.error }
          : {}),
        ...(event.kind === 'ChildrenFailed' && event.cause !== undefined
          ? { cause: event.cause }
          : {}),
      }
      if (state.type === 'Map') {
        return event.kind === 'ChildrenSucceeded'
          ? onMapSucceeded(run, state, event.outputs)
          : onMapFailed(run, state, failure)
      }
      if (state.type === 'Parallel') {
        return event.kind === 'ChildrenSucceeded'
          ? onParallelSucceeded(run, state, event.outputs)
          : onParallelFailed(run, state, failure)
      }
      return null
    }
  }
}
