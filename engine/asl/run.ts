import type { CompiledMachine, CompiledState, NumberSource, Scope } from './compile/machine.js'
import { AslError, errorMatches, type AslFailure } from './errors.js'
import { NOT_TRUNCATED, payloadText, type HistoryEvent } from './history.js'
import type { JsonObject, JsonValue } from './json.js'
import type { CompiledPath, PathScope } from './paths/path.js'
import { evaluateTemplate, type TemplateNode } from './paths/payload-template.js'
import { applyResultPath, type ResultPath } from './paths/result-path.js'
import { decideRetry } from './retry.js'
import type { Command, Frame, InterpreterEnv, Waiting } from './types.js'

/** What a state handler answers: go on to another state, or stop here (suspended or ended). */
export type Transition = { readonly next: string; readonly input: JsonValue } | null

type Mutable<T> = { -readonly [K in keyof T]: T[K] }

/**
 * One interpreter step in progress: the frame being changed, the history and commands produced.
 * State handlers (states/*.ts) use its methods for everything they share: data flow, entering
 * and leaving states, errors with Retry and Catch, and ending the frame.
 */
export class Run {
  readonly history: HistoryEvent[] = []
  readonly commands: Command[] = []
  frame: Mutable<Frame>
  private nextId: number

  constructor(
    readonly machine: CompiledMachine,
    frame: Frame,
    readonly env: InterpreterEnv,
  ) {
    this.frame = { ...frame }
    this.nextId = env.nextEventId
  }

  get scope(): Scope {
    return this.machine.scopes.get(this.frame.scope) as Scope
  }

  get isRoot(): boolean {
    return this.frame.origin === undefined
  }

  currentState(): CompiledState {
    return this.scope.states.get(this.frame.state as string) as CompiledState
  }

  /** Append a history event; returns its id. */
  emit(type: string, detailsKey?: string, details?: JsonObject): number {
    const id = this.nextId++
    const event: HistoryEvent =
      detailsKey === undefined
        ? { id, previousEventId: this.frame.lastEventId, type, timestamp: this.env.now }
        : {
            id,
            previousEventId: this.frame.lastEventId,
            type,
            timestamp: this.env.now,
            [detailsKey]: details ?? {},
          }
    this.history.push(event)
    this.frame.lastEventId = id
    return id
  }

  command(command: Command): void {
    this.commands.push(command)
  }

  wait(waiting: Waiting): null {
    this.frame.waiting = waiting
    return null
  }

  // ---- data flow ------------------------------------------------------------------------------

  /** The context object `$$` for the current state, built only when a path reads it. */
  pathScope(input: JsonValue, extra?: { taskToken?: string; mapItem?: JsonObject }): PathScope {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const run = this
    let context: JsonValue | undefined
    return {
      input,
      get context(): JsonValue {
        context ??= run.contextObject(extra)
        return context
      },
    }
  }

  private contextObject(extra?: { taskToken?: string; mapItem?: JsonObject }): JsonObject {
    const ex = this.env.execution
    const ctx: JsonObject = {
      Execution: {
        Id: ex.id,
        Input: ex.input,
        StartTime: ex.startTime,
        Name: ex.name,
        RoleArn: ex.roleArn,
        RedriveCount: ex.redriveCount,
      },
      StateMachine: { Id: ex.stateMachineId, Name: ex.stateMachineName },
      State: {
        EnteredTime: new Date(this.frame.enteredTime).toISOString(),
        Name: this.frame.state ?? '',
      },
    }
    // AWS gives State.RetryCount only to states that can retry.
    const type = this.frame.state !== undefined ? this.currentState().type : undefined
    if (type === 'Task' || type === 'Parallel' || type === 'Map') {
      ;(ctx['State'] as JsonObject)['RetryCount'] = this.frame.retryCount
    }
    if (extra?.taskToken !== undefined) ctx['Task'] = { Token: extra.taskToken }
    if (extra?.mapItem !== undefined) ctx['Map'] = { Item: extra.mapItem }
    return ctx
  }

  /** InputPath: `$` by default; null gives `{}`. */
  applyInputPath(path: CompiledPath | null | undefined, input: JsonValue): JsonValue {
    if (path === undefined) return input
    if (path === null) return {}
    return this.selectPath(path, input)
  }

  applyOutputPath(path: CompiledPath | null | undefined, output: JsonValue): JsonValue {
    if (path === undefined) return output
    if (path === null) return {}
    return this.selectPath(path, output)
  }

  private selectPath(path: CompiledPath, value: JsonValue): JsonValue {
    const scope = this.pathScope(value)
    const found = path.tryEvaluate(scope)
    if (found === undefined) {
      throw new AslError('States.Runtime', `Invalid path '${path.text}' : No results for path: ${path.normalized}`)
    }
    return found
  }

  template(node: TemplateNode, input: JsonValue, extra?: { taskToken?: string; mapItem?: JsonObject }): JsonValue {
    return evaluateTemplate(node, this.pathScope(input, extra), this.env)
  }

  /**
   * What a Task, Parallel or Map does with its result: ResultSelector, ResultPath into the raw
   * state input, then OutputPath.
   */
  shapeResult(
    state: { resultSelector?: TemplateNode; resultPath: ResultPath; outputPath: CompiledPath | null | undefined },
    result: JsonValue,
  ): JsonValue {
    const selected = state.resultSelector ? this.template(state.resultSelector, result) : result
    const merged = applyResultPath(state.resultPath, this.frame.stateInput ?? null, selected)
    return this.applyOutputPath(state.outputPath, merged)
  }

  /** A number from a literal or a `…Path` field; AWS requires a non-negative integer. */
  numberFrom(source: NumberSource, input: JsonValue): number {
    if (source.kind === 'literal') return source.value
    const value = source.path.tryEvaluate(this.pathScope(input))
    if (value === undefined) {
      throw new AslError(
        'States.Runtime',
        `Invalid path '${source.path.text}' : No results for path: ${source.path.normalized}`,
      )
    }
    if (typeof value !== 'number' || !Number.isInteger(value)) {
      throw new AslError(
        'States.Runtime',
        `The ${source.field} field refers to value ${JSON.stringify(value)} which is not a valid integer: ${source.path.text}`,
      )
    }
    return value
  }

  // ---- entering and leaving states ------------------------------------------------------------

  enter(name: string, input: JsonValue): CompiledState {
    const state = this.scope.states.get(name)
    if (!state) throw new Error(`state ${name} not found in scope '${this.frame.scope}'`)
    this.frame.state = name
    this.frame.stateInput = input
    this.frame.enteredTime = this.env.now
    this.frame.retries = []
    this.frame.retryCount = 0
    this.frame.waiting = undefined
    this.frame.enteredEventId = this.emit(`${state.type}StateEntered`, 'stateEnteredEventDetails', {
      name,
      input: payloadText(input),
      inputDetails: NOT_TRUNCATED,
    })
    return state
  }

  /** Leave the current state with its output: go to Next, or end the frame. */
  exit(state: CompiledState, output: JsonValue, next?: string): Transition {
    this.frame.waiting = undefined
    this.emit(`${state.type}StateExited`, 'stateExitedEventDetails', {
      name: state.name,
      output: payloadText(output),
      outputDetails: NOT_TRUNCATED,
    })
    // A Catcher's Next wins over the state's own End.
    const target = next ?? (state.end ? undefined : state.next)
    if (target !== undefined) return { next: target, input: output }
    this.succeedFrame(output)
    return null
  }

  /**
   * A state failed. Retry if a retrier matches and has attempts left, else Catch, else the frame
   * fails. `retryable` is false for states without Retry/Catch fields.
   */
  failState(state: CompiledState, failure: AslFailure): Transition {
    const error = failure.error ?? ''
    this.frame.waiting = undefined
    const runtime = error === 'States.Runtime'
    if (!runtime && 'retry' in state && state.retry.length > 0) {
      const decision = decideRetry(state.retry, this.frame.retries, error, () => this.env.random())
      if (decision.kind === 'retry') {
        const retries = this.frame.retries.slice()
        retries[decision.retrierIndex] = (retries[decision.retrierIndex] ?? 0) + 1
        this.frame.retries = retries
        this.frame.retryCount += 1
        const timerId = this.env.uuid()
        this.command({ kind: 'ArmTimer', timerId, at: this.env.now + decision.delayMs, reason: 'Retry' })
        return this.wait({ kind: 'timer', timerId, reason: 'Retry' })
      }
    }
    if (!runtime && 'catch' in state) {
      const catcher = state.catch.find((c) => errorMatches(c.errorEquals, error))
      if (catcher) {
        const errorOutput: JsonObject = {}
        if (failure.error !== undefined) errorOutput['Error'] = failure.error
        if (failure.cause !== undefined) errorOutput['Cause'] = failure.cause
        let output: JsonValue
        try {
          output = applyResultPath(catcher.resultPath, this.frame.stateInput ?? null, errorOutput)
        } catch (err) {
          if (!(err instanceof AslError)) throw err
          return this.failFrame(this.runtimeFailure(err))
        }
        return this.exit(state, output, catcher.next)
      }
    }
    if (!runtime && (state.type === 'Map' || state.type === 'Parallel')) {
      this.emit(`${state.type}StateFailed`)
    }
    if (this.frame.origin?.kind === 'branch' && state.type === 'Task') {
      this.emit('TaskStateAborted')
    }
    return this.failFrame(failure)
  }

  /** Cause text AWS gives errors raised while evaluating a state's fields. */
  runtimeFailure(err: AslError): AslFailure {
    return {
      error: err.error,
      cause: `An error occurred while executing the state '${this.frame.state ?? ''}' (entered at the event id #${this.frame.enteredEventId}). ${err.cause}`,
    }
  }

  /** Run a piece of state evaluation; an AslError becomes that state's failure. */
  guard(state: CompiledState, body: () => Transition): Transition {
    try {
      return body()
    } catch (err) {
      if (!(err instanceof AslError)) throw err
      return this.failState(state, this.runtimeFailure(err))
    }
  }

  // ---- ending the frame -----------------------------------------------------------------------

  succeedFrame(output: JsonValue): void {
    this.frame.status = 'SUCCEEDED'
    this.frame.output = output
    this.frame.waiting = undefined
    const origin = this.frame.origin
    if (origin === undefined) {
      this.emit('ExecutionSucceeded', 'executionSucceededEventDetails', {
        output: payloadText(output),
        outputDetails: NOT_TRUNCATED,
      })
    } else if (origin.kind === 'map') {
      this.emit('MapIterationSucceeded', 'mapIterationSucceededEventDetails', {
        name: origin.mapState,
        index: origin.index,
      })
    }
    this.command({ kind: 'Finish', status: 'SUCCEEDED', output })
  }

  failFrame(failure: AslFailure): null {
    this.frame.status = 'FAILED'
    this.frame.waiting = undefined
    if (failure.error !== undefined) this.frame.error = failure.error
    if (failure.cause !== undefined) this.frame.cause = failure.cause
    const origin = this.frame.origin
    if (origin === undefined) {
      this.emit('ExecutionFailed', 'executionFailedEventDetails', failureDetails(failure))
    } else if (origin.kind === 'map') {
      this.emit('MapIterationFailed', 'mapIterationFailedEventDetails', {
        name: origin.mapState,
        index: origin.index,
      })
    }
    this.command({ kind: 'Finish', status: 'FAILED', ...failure })
    return null
  }

  /** End the whole frame with a status other than success or failure (Stop, time-out). */
  endFrame(status: 'ABORTED' | 'TIMED_OUT', type: string, failure: AslFailure): void {
    this.frame.status = status
    this.frame.waiting = undefined
    if (failure.error !== undefined) this.frame.error = failure.error
    if (failure.cause !== undefined) this.frame.cause = failure.cause
    const detailsKey = type.charAt(0).toLowerCase() + type.slice(1) + 'EventDetails'
    this.emit(type, detailsKey, failureDetails(failure))
    this.command({ kind: 'Finish', status, ...failure })
  }
}

export function failureDetails(failure: AslFailure): JsonObject {
  const details: JsonObject = {}
  if (failure.error !== undefined) details['error'] = failure.error
  if (failure.cause !== undefined) details['cause'] = failure.cause
  return details
}
