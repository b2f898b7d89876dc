import {
  compileMachine,
  detailsKey,
  interpret,
  type Command,
  type CompiledMachine,
  type ExecutionContext,
  type Frame,
  type HistoryEvent,
  type InterpreterEnv,
  type InterpreterEvent,
  type JsonObject,
  type JsonValue,
  type Step,
  toAwsHistoryEvent,
} from '../../engine/asl/index.js'

/**
 * Drives the pure interpreter one event at a time with a clock, ids, uuids, randomness and task
 * tokens that the test controls, so every Step is exactly predictable. It keeps the frame and
 * numbers history events the way a runtime does (nextEventId follows the last event written).
 */

export const T0 = Date.UTC(2024, 0, 1, 0, 0, 0)

export const EXECUTION: ExecutionContext = {
  id: 'arn:aws:states:us-east-1:123456789012:execution:machine:exec-1',
  name: 'exec-1',
  input: { from: 'execution' },
  roleArn: 'arn:aws:iam::123456789012:role/test',
  startTime: new Date(T0).toISOString(),
  redriveCount: 0,
  stateMachineId: 'arn:aws:states:us-east-1:123456789012:stateMachine:machine',
  stateMachineName: 'machine',
  region: 'us-east-1',
}

export interface HarnessOptions {
  readonly now?: number
  readonly random?: () => number
  readonly execution?: Partial<ExecutionContext>
}

export class Harness {
  frame: Frame | null = null
  readonly history: HistoryEvent[] = []
  now: number
  private uuids = 0
  private tokens = 0
  private readonly random: () => number
  readonly execution: ExecutionContext

  constructor(
    readonly machine: CompiledMachine,
    options: HarnessOptions = {},
  ) {
    this.now = options.now ?? T0
    this.random = options.random ?? (() => 0.5)
    this.execution = { ...EXECUTION, ...options.execution }
  }

  env(): InterpreterEnv {
    return {
      now: this.now,
      nextEventId: this.history.length + 1,
      uuid: () => `uuid-${++this.uuids}`,
      random: this.random,
      newTaskToken: () => `token-${++this.tokens}`,
      execution: this.execution,
    }
  }

  start(input: JsonValue): Step {
    return this.apply({ kind: 'Start', scope: '', input })
  }

  send(event: InterpreterEvent): Step {
    return this.apply(event)
  }

  /** Move the clock forward (a timer firing, a task taking time). */
  advance(ms: number): this {
    this.now += ms
    return this
  }

  private apply(event: InterpreterEvent): Step {
    const step = interpret(
      this.machine,
      event.kind === 'Start' ? null : this.frame,
      event,
      this.env(),
    )
    this.frame = step.frame
    this.history.push(...step.history)
    return step
  }
}

/** A one-state-list machine from its States. */
export function machineOf(
  states: Record<string, JsonObject>,
  extra: JsonObject = {},
): CompiledMachine {
  const startAt = Object.keys(states)[0] as string
  return compileMachine({ StartAt: startAt, States: states, ...extra })
}

export function single(state: JsonObject): CompiledMachine {
  return machineOf({ S: state })
}

/** `[id, previousEventId, type]` of each event: the shape of the history graph. */
export function chain(history: readonly HistoryEvent[]): [number, number, string][] {
  return history.map((e) => [e.id, e.previousEventId, e.type])
}

export function types(history: readonly HistoryEvent[]): string[] {
  return history.map((e) => e.type)
}

/**
 * The details object of an event, as AWS's GetExecutionHistory shows it (payloads as JSON text),
 * under AWS's key for its type (undefined when the type has none).
 */
export function details(event: HistoryEvent | undefined): JsonValue | undefined {
  if (!event) return undefined
  const key = detailsKey(event.type)
  return key === undefined ? undefined : toAwsHistoryEvent(event)[key]
}

/** An expected history event without its timestamp. */
export function ev(
  id: number,
  previousEventId: number,
  type: string,
  body?: JsonObject,
): JsonObject {
  const key = detailsKey(type)
  return key === undefined || body === undefined
    ? { id, previousEventId, type }
    : { id, previousEventId, type, [key]: body }
}

/** The events in AWS's wire shape (payloads as JSON text), without their timestamps. */
export function withoutTimestamps(history: readonly HistoryEvent[]): JsonObject[] {
  return history.map((event) => {
    const { timestamp: _timestamp, ...rest } = toAwsHistoryEvent(event)
    return rest
  })
}

export function scheduleOf(step: Step): Extract<Command, { kind: 'ScheduleTask' }> {
  const command = step.commands.find((c) => c.kind === 'ScheduleTask')
  if (!command) throw new Error(`no ScheduleTask in ${JSON.stringify(step.commands)}`)
  return command
}

export function timerOf(step: Step): Extract<Command, { kind: 'ArmTimer' }> {
  const command = step.commands.find((c) => c.kind === 'ArmTimer')
  if (!command) throw new Error(`no ArmTimer in ${JSON.stringify(step.commands)}`)
  return command
}

export const NOT_TRUNCATED = { truncated: false }

export function text(value: JsonValue): string {
  return JSON.stringify(value)
}

export const LAMBDA_ARN = 'arn:aws:lambda:us-east-1:123456789012:function:work'
export const ACTIVITY_ARN = 'arn:aws:states:us-east-1:123456789012:activity:work'
export const INVOKE_ARN = 'arn:aws:states:::lambda:invoke'
export const CALLBACK_ARN = 'arn:aws:states:::sqs:sendMessage.waitForTaskToken'
