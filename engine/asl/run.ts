import type {
  AssignSpec,
  Catcher,
  CompiledMachine,
  CompiledState,
  MapState,
  NumberSource,
  ParallelState,
  Scope,
  TaskState,
} from './compile/machine.js'
import { AslError, errorMatches, type AslFailure } from './errors.js'
import { NOT_TRUNCATED, payloadText, type HistoryEvent } from './history.js'
import {
  evaluateField,
  evaluateJsonataTemplate,
  QueryEvaluationError,
  unexpectedResultType,
  type JsonataBindings,
  type JsonataTemplate,
} from './jsonata/index.js'
import { isObject, jsonByteSize, type JsonObject, type JsonValue } from './json.js'
import type { CompiledPath, PathScope } from './paths/path.js'
import { evaluateTemplate, type TemplateNode } from './paths/payload-template.js'
import { applyResultPath, type ResultPath } from './paths/result-path.js'
import { decideRetry } from './retry.js'
import type { Command, Frame, InterpreterEnv, Variables, Waiting } from './types.js'
import { checkAssignment } from './variables.js'

/** What a context object may carry besides the constant parts: a task token, a Map item. */
export interface ContextExtra {
  readonly taskToken?: string
  readonly mapItem?: JsonObject
}

/** What `$states` holds besides the input and the context (AWS: "Reserved variable: $states"). */
export interface StatesExtra extends ContextExtra {
  /** Task, Parallel and Map results, in their Output and Assign. */
  readonly result?: JsonValue
  /** `{ Error, Cause }`, in a Catch's Output and Assign only. */
  readonly errorOutput?: JsonValue
}

/** What a state handler answers: go on to another state, or stop here (suspended or ended). */
export type Transition = { readonly next: string; readonly input: JsonValue } | null

type Mutable<T> = { -readonly [K in keyof T]: T[K] }

/**
 * One interpreter step in progress: the frame being changed, the history and commands produced.
 * State handlers (states/*.ts) use its methods for everything they share: data flow, entering
 * and leaving states, errors with Retry and Catch, and ending the frame.
 */
/** AWS's payload limit for a state's input or output and a task's result: 256 KiB. */
export const MAX_PAYLOAD_BYTES = 262_144

/** AWS's hard quota of history events per execution. */
export const MAX_HISTORY_EVENTS = 25_000

/** Thrown by emit when the next event would pass the quota; interpret ends the frame. */
export class HistoryLimitReached extends Error {}

export class Run {
  readonly history: HistoryEvent[] = []
  private historyFull = false
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
    // AWS: "If the event number 25,000 isn't ExecutionSucceeded, the ExecutionFailed event is
    // logged and the state machine execution fails because of reaching the history limit."
    if (this.nextId >= MAX_HISTORY_EVENTS && type !== 'ExecutionSucceeded' && !this.historyFull) {
      throw new HistoryLimitReached()
    }
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

  // ---- variables ------------------------------------------------------------------------------

  private visible: Variables | undefined

  /**
   * The workflow variables a state of this frame reads: the enclosing scopes' (read-only) and
   * this frame's own, its own winning. Every read during one state sees the values from before
   * the state, because assignments are applied only when the state exits.
   */
  get variables(): Variables {
    if (this.visible === undefined) {
      const outer = this.frame.outerVariables
      const own = this.frame.variables
      this.visible = !outer ? (own ?? EMPTY) : !own ? outer : { ...outer, ...own }
    }
    return this.visible
  }

  /**
   * What a Parallel or Map puts in each ChildSpec: the variables its children may read (every
   * enclosing scope's, as they are now), or nothing when there are none.
   */
  childVariables(): { variables?: Variables } {
    const variables = this.variables
    return Object.keys(variables).length > 0 ? { variables } : {}
  }

  /**
   * Evaluate a state's (or a Catch's, or a Choice rule's) Assign. JSONPath: a payload template
   * whose `$` is `value` (the state's result). JSONata: a template with `$states`.
   */
  assign(
    spec: AssignSpec | undefined,
    value: JsonValue,
    bindings: () => JsonataBindings,
  ): JsonObject | undefined {
    if (spec === undefined) return undefined
    const assigned =
      spec.kind === 'jsonata'
        ? evaluateJsonataTemplate(spec.template, bindings())
        : this.template(spec.template, value)
    if (!isObject(assigned)) return undefined
    checkAssignment(assigned, this.frame.variables, this.frame.outerVariables)
    return assigned
  }

  // ---- data flow ------------------------------------------------------------------------------

  /** The context object `$$` for the current state, built only when a path reads it. */
  pathScope(input: JsonValue, extra?: ContextExtra): PathScope {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const run = this
    let context: JsonValue | undefined
    return {
      input,
      get context(): JsonValue {
        context ??= run.contextObject(extra)
        return context
      },
      variables: this.variables,
    }
  }

  /**
   * What a JSONata expression sees: `$states` (input, context, and result or errorOutput where
   * AWS provides them), the variables, and the execution's clock, ids and randomness.
   */
  jsonataBindings(input: JsonValue, extra?: StatesExtra): JsonataBindings {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const run = this
    let context: JsonValue | undefined
    const states: JsonObject = {
      input,
      get context(): JsonValue {
        context ??= run.contextObject(extra)
        return context
      },
    }
    if (extra?.result !== undefined) states['result'] = extra.result
    if (extra?.errorOutput !== undefined) states['errorOutput'] = extra.errorOutput
    return { states, variables: this.variables, env: this.env }
  }

  /** Evaluate a JSONata template (Arguments, Output, ItemSelector …). */
  jsonata(template: JsonataTemplate, bindings: JsonataBindings): JsonValue {
    return evaluateJsonataTemplate(template, bindings)
  }

  private contextObject(extra?: ContextExtra): JsonObject {
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
      throw new AslError(
        'States.Runtime',
        `Invalid path '${path.text}' : No results for path: ${path.normalized}`,
      )
    }
    return found
  }

  template(node: TemplateNode, input: JsonValue, extra?: ContextExtra): JsonValue {
    return evaluateTemplate(node, this.pathScope(input, extra), this.env)
  }

  /**
   * What a Task, Parallel or Map does with its result: ResultSelector, ResultPath into the raw
   * state input, then OutputPath.
   */
  shapeResult(
    state: {
      resultSelector?: TemplateNode
      resultPath: ResultPath
      outputPath: CompiledPath | null | undefined
    },
    result: JsonValue,
  ): JsonValue {
    const selected = state.resultSelector ? this.template(state.resultSelector, result) : result
    const merged = applyResultPath(state.resultPath, this.frame.stateInput ?? null, selected)
    return this.applyOutputPath(state.outputPath, merged)
  }

  /**
   * A Task, Parallel or Map succeeded with `result`: Assign, then the output, then leave.
   * JSONPath: Assign reads the raw result (`$`), before ResultSelector, as AWS evaluates it; the
   * output is ResultSelector, ResultPath, OutputPath. JSONata: Assign and Output read
   * `$states.result`; the output defaults to the result.
   */
  finishWithResult(state: TaskState | ParallelState | MapState, result: JsonValue): Transition {
    const input = this.frame.stateInput ?? null
    if (state.queryLanguage === 'JSONata') {
      const bindings = this.jsonataBindings(input, { result })
      return this.finish(state, result, () => bindings)
    }
    const assigned = this.assign(state.assign, result, () => this.jsonataBindings(input))
    return this.exit(state, this.shapeResult(state, result), undefined, assigned)
  }

  /**
   * Leave a JSONata state: Assign and Output both read the values from before the state (AWS:
   * "Assign and Output are evaluated in parallel"); `fallback` is the output without Output.
   */
  finish(
    state: CompiledState,
    fallback: JsonValue,
    bindings: () => JsonataBindings,
    next?: string,
    fields: { assign?: AssignSpec; output?: JsonataTemplate } = state,
  ): Transition {
    const assigned = this.assign(fields.assign, fallback, bindings)
    const output = fields.output ? this.jsonata(fields.output, bindings()) : fallback
    return this.exit(state, output, next, assigned)
  }

  /**
   * A number from a literal, a `…Path` field or a JSONata expression; AWS requires an integer.
   * `input` is the effective input for a path and the state input for an expression.
   */
  numberFrom(source: NumberSource, input: JsonValue): number {
    if (source.kind === 'literal') return source.value
    if (source.kind === 'jsonata') return this.jsonataNumber(source, input)
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

  /**
   * A JSONata expression standing for a number (TimeoutSeconds, MaxConcurrency …). A fraction is
   * cut toward zero; anything but a number is a QueryEvaluationError.
   */
  jsonataNumber(
    source: Extract<NumberSource, { kind: 'jsonata' }>,
    input: JsonValue,
    integer = true,
  ): number {
    const value = evaluateField(source.expression, source.field, this.jsonataBindings(input))
    if (typeof value !== 'number') {
      throw unexpectedResultType(source.expression, source.field, 'number', value)
    }
    return integer ? Math.trunc(value) : value
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

  /**
   * Leave the current state with its output: go to Next, or end the frame. `assigned` are the
   * variables the state's Assign evaluated; they take effect now, for the states that follow, and
   * AWS lists them in the exit event.
   */
  exit(state: CompiledState, output: JsonValue, next?: string, assigned?: JsonObject): Transition {
    this.frame.waiting = undefined
    // AWS: a state's output over 256 KiB fails it with States.DataLimitExceeded. An output that
    // is its input unchanged cannot be over (the input was checked when it was made).
    if (output !== this.frame.stateInput && jsonByteSize(output) > MAX_PAYLOAD_BYTES) {
      return this.failState(state, {
        error: 'States.DataLimitExceeded',
        cause: `The state/task '${state.name}' returned a result with a size exceeding the maximum number of bytes service limit.`,
      })
    }
    const details: JsonObject = {
      name: state.name,
      output: payloadText(output),
      outputDetails: NOT_TRUNCATED,
    }
    if (assigned !== undefined && Object.keys(assigned).length > 0) {
      this.frame.variables = { ...this.frame.variables, ...assigned }
      this.visible = undefined
      details['assignedVariables'] = assigned
      details['assignedVariablesDetails'] = NOT_TRUNCATED
    }
    this.emit(`${state.type}StateExited`, 'stateExitedEventDetails', details)
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
        this.command({
          kind: 'ArmTimer',
          timerId,
          at: this.env.now + decision.delayMs,
          reason: 'Retry',
        })
        return this.wait({ kind: 'timer', timerId, reason: 'Retry' })
      }
    }
    if (!runtime && 'catch' in state) {
      const catcher = state.catch.find((c) => errorMatches(c.errorEquals, error))
      if (catcher) {
        const errorOutput: JsonObject = {}
        if (failure.error !== undefined) errorOutput['Error'] = failure.error
        if (failure.cause !== undefined) errorOutput['Cause'] = failure.cause
        try {
          return this.caught(state, catcher, errorOutput)
        } catch (err) {
          if (!(err instanceof AslError)) throw err
          return this.failFrame(this.evaluationFailure(err))
        }
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

  /**
   * A Catch handles the error. JSONPath: Assign reads the error output (`$`); the output is the
   * error output put at ResultPath. JSONata: Assign and Output read `$states.errorOutput` and
   * `$states.input`; the output defaults to the error output.
   */
  private caught(state: CompiledState, catcher: Catcher, errorOutput: JsonObject): Transition {
    const input = this.frame.stateInput ?? null
    const bindings = () => this.jsonataBindings(input, { errorOutput })
    if (state.queryLanguage === 'JSONata') {
      return this.finish(state, errorOutput, bindings, catcher.next, catcher)
    }
    const assigned = this.assign(catcher.assign, errorOutput, bindings)
    const output = applyResultPath(catcher.resultPath, input, errorOutput)
    return this.exit(state, output, catcher.next, assigned)
  }

  /**
   * An error raised while evaluating the current state's fields, as its failure. A JSONata
   * failure is also recorded as an EvaluationFailed event (error, cause, field, state), as AWS
   * records it, before Retry and Catch see it.
   */
  evaluationFailure(err: AslError): AslFailure {
    const failure = this.runtimeFailure(err)
    if (err instanceof QueryEvaluationError) {
      const details: JsonObject = { error: err.error, cause: failure.cause ?? '' }
      if (err.location !== undefined) details['location'] = err.location
      details['state'] = this.frame.state ?? ''
      this.emit('EvaluationFailed', 'evaluationFailedEventDetails', details)
      // AWS records the event outside the state's event chain.
      const event = this.history[this.history.length - 1] as { previousEventId: number }
      event.previousEventId = 0
    }
    return failure
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
      return this.failState(state, this.evaluationFailure(err))
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

  /**
   * The execution reached the history quota. The top-level frame fails with ExecutionFailed as
   * event 25,000; a child frame fails without more events, and its parent's next event ends the
   * execution the same way.
   */
  failForHistoryLimit(): void {
    this.historyFull = true
    const failure = {
      error: 'States.Runtime',
      cause: `The execution reached the maximum number of history events (${MAX_HISTORY_EVENTS}).`,
    }
    if (this.isRoot) {
      this.failFrame(failure)
      return
    }
    this.frame.status = 'FAILED'
    this.frame.waiting = undefined
    this.frame.error = failure.error
    this.frame.cause = failure.cause
    this.command({ kind: 'Finish', status: 'FAILED', ...failure })
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

const EMPTY: Variables = Object.freeze({})

export function failureDetails(failure: AslFailure): JsonObject {
  const details: JsonObject = {}
  if (failure.error !== undefined) details['error'] = failure.error
  if (failure.cause !== undefined) details['cause'] = failure.cause
  return details
}
