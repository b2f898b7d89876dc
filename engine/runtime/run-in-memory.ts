import { randomBytes, randomUUID } from 'node:crypto'
import { outcomeEvent, type TaskOutcome } from './task-outcome.js'
import {
  interpret,
  judgeChildren,
  type AslFailure,
  type ChildSpec,
  type Command,
  type CompiledMachine,
  type ExecutionContext,
  type Frame,
  type FrameStatus,
  type HistoryEvent,
  type InterpreterEnv,
  type InterpreterEvent,
  type JsonValue,
} from '../asl/index.js'

export type { TaskOutcome } from './task-outcome.js'

export type TaskHandler = (
  task: Extract<Command, { kind: 'ScheduleTask' }>,
) => TaskOutcome | Promise<TaskOutcome>

export interface InMemoryOptions {
  readonly handler?: TaskHandler
  /** Start of the virtual clock (ms since the epoch). Timers fire at once, in order. */
  readonly startTime?: number
  readonly execution?: Partial<ExecutionContext>
  /** Deterministic randomness for tests; defaults to crypto-grade sources. */
  readonly uuid?: () => string
  readonly random?: () => number
}

export interface InMemoryResult {
  readonly status: Exclude<FrameStatus, 'RUNNING'>
  readonly output?: JsonValue
  readonly error?: string
  readonly cause?: string
  readonly history: readonly HistoryEvent[]
}

interface Group {
  readonly parent: number
  readonly childrenId: string
  readonly stateType: 'Parallel' | 'Map'
  readonly specs: readonly ChildSpec[]
  readonly maxConcurrency: number
  readonly toleratedFailureCount?: number
  readonly toleratedFailurePercentage?: number
  readonly previousEventId: number
  readonly outputs: JsonValue[]
  readonly running: Set<number>
  nextIndex: number
  succeeded: number
  failed: number
  done: boolean
}

interface Slot {
  frame: Frame
  readonly group?: Group
  readonly index?: number
}

type Delivery = { readonly frame: number; readonly event: InterpreterEvent }

/**
 * Run one execution entirely in memory with a virtual clock: the interpreter plus a small
 * driver that carries out its commands. Used by the conformance suite and the interpreter
 * benchmark; the durable engine (engine/runtime on Postgres) carries out the same commands.
 */
export async function runInMemory(
  machine: CompiledMachine,
  input: JsonValue,
  options: InMemoryOptions = {},
): Promise<InMemoryResult> {
  let now = options.startTime ?? Date.UTC(2024, 0, 1)
  const history: HistoryEvent[] = []
  const slots: Slot[] = []
  const queue: Delivery[] = []
  const timers: { at: number; seq: number; frame: number; timerId: string }[] = []
  let timerSeq = 0
  const uuid = options.uuid ?? randomUUID
  const random = options.random ?? Math.random
  const name = options.execution?.name ?? 'local-execution'
  const execution: ExecutionContext = {
    id: `arn:aws:states:us-east-1:000000000000:execution:local:${name}`,
    name,
    input,
    roleArn: 'arn:aws:iam::000000000000:role/millrace',
    startTime: new Date(now).toISOString(),
    redriveCount: 0,
    stateMachineId: 'arn:aws:states:us-east-1:000000000000:stateMachine:local',
    stateMachineName: 'local',
    region: 'us-east-1',
    ...options.execution,
  }
  const env = (): InterpreterEnv => ({
    now,
    nextEventId: history.length + 1,
    uuid,
    random,
    newTaskToken: () => randomBytes(32).toString('base64url'),
    execution,
  })

  const apply = async (slotId: number, event: InterpreterEvent): Promise<void> => {
    const slot = slots[slotId] as Slot
    const step = interpret(machine, event.kind === 'Start' ? null : slot.frame, event, env())
    slot.frame = step.frame
    history.push(...step.history)
    for (const command of step.commands) await carryOut(slotId, command)
  }

  const carryOut = async (slotId: number, command: Command): Promise<void> => {
    switch (command.kind) {
      case 'ScheduleTask': {
        const outcome = options.handler
          ? await options.handler(command)
          : ({ kind: 'failed', error: 'States.TaskFailed', cause: 'No task handler' } as const)
        const taskId = command.taskId
        queue.push({
          frame: slotId,
          event: {
            kind: 'TaskStarted',
            taskId,
            ...(outcome.kind === 'succeeded' && outcome.workerName !== undefined
              ? { workerName: outcome.workerName }
              : {}),
          },
        })
        queue.push({ frame: slotId, event: outcomeEvent(taskId, outcome) })
        return
      }
      case 'ArmTimer':
        timers.push({ at: command.at, seq: timerSeq++, frame: slotId, timerId: command.timerId })
        return
      case 'StartChildren': {
        const group: Group = {
          parent: slotId,
          childrenId: command.childrenId,
          stateType: command.stateType,
          specs: command.children,
          maxConcurrency: command.maxConcurrency,
          ...(command.toleratedFailureCount !== undefined
            ? { toleratedFailureCount: command.toleratedFailureCount }
            : {}),
          ...(command.toleratedFailurePercentage !== undefined
            ? { toleratedFailurePercentage: command.toleratedFailurePercentage }
            : {}),
          previousEventId: command.previousEventId,
          outputs: new Array<JsonValue>(command.children.length).fill(null),
          running: new Set(),
          nextIndex: 0,
          succeeded: 0,
          failed: 0,
          done: false,
        }
        startMore(group)
        return
      }
      case 'Finish': {
        const slot = slots[slotId] as Slot
        if (slot.group && slot.index !== undefined)
          childFinished(slot.group, slotId, slot.index, command)
        return
      }
    }
  }

  const startMore = (group: Group): void => {
    const limit = group.maxConcurrency > 0 ? group.maxConcurrency : Infinity
    while (!group.done && group.nextIndex < group.specs.length && group.running.size < limit) {
      const index = group.nextIndex++
      const spec = group.specs[index] as ChildSpec
      const id = slots.length
      slots.push({ frame: placeholderFrame, group, index })
      group.running.add(id)
      queue.push({
        frame: id,
        event: {
          kind: 'Start',
          scope: spec.scope,
          input: spec.input,
          origin: spec.origin,
          previousEventId: group.previousEventId,
          ...(spec.variables !== undefined ? { variables: spec.variables } : {}),
        },
      })
    }
  }

  const childFinished = (
    group: Group,
    slotId: number,
    index: number,
    finish: Extract<Command, { kind: 'Finish' }>,
  ): void => {
    if (group.done) return
    group.running.delete(slotId)
    let lastFailure: AslFailure | undefined
    if (finish.status === 'SUCCEEDED') {
      group.succeeded++
      group.outputs[index] = finish.output ?? null
    } else {
      group.failed++
      lastFailure = {
        ...(finish.error !== undefined ? { error: finish.error } : {}),
        ...(finish.cause !== undefined ? { cause: finish.cause } : {}),
      }
      group.outputs[index] = { Error: finish.error ?? null, Cause: finish.cause ?? null }
    }
    const verdict = judgeChildren(
      {
        stateType: group.stateType,
        total: group.specs.length,
        ...(group.toleratedFailureCount !== undefined
          ? { toleratedFailureCount: group.toleratedFailureCount }
          : {}),
        ...(group.toleratedFailurePercentage !== undefined
          ? { toleratedFailurePercentage: group.toleratedFailurePercentage }
          : {}),
      },
      group.succeeded,
      group.failed,
      lastFailure,
    )
    if (verdict.kind === 'running') {
      startMore(group)
      return
    }
    group.done = true
    for (const id of group.running) abandon(id)
    queue.push({
      frame: group.parent,
      event:
        verdict.kind === 'succeeded'
          ? { kind: 'ChildrenSucceeded', childrenId: group.childrenId, outputs: group.outputs }
          : { kind: 'ChildrenFailed', childrenId: group.childrenId, ...verdict.failure },
    })
  }

  /** A sibling that is no longer needed: it stops, and nothing it does later counts. */
  const abandon = (id: number): void => {
    const slot = slots[id] as Slot
    slot.frame = { ...slot.frame, status: 'ABORTED' }
  }

  slots.push({ frame: placeholderFrame })
  queue.push({ frame: 0, event: { kind: 'Start', scope: '', input } })
  for (;;) {
    while (queue.length > 0) {
      const delivery = queue.shift() as Delivery
      const slot = slots[delivery.frame] as Slot
      if (delivery.event.kind !== 'Start' && slot.frame.status !== 'RUNNING') continue
      if (slot.group?.done && delivery.event.kind === 'Start') continue
      await apply(delivery.frame, delivery.event)
    }
    const root = (slots[0] as Slot).frame
    if (root.status !== 'RUNNING' || timers.length === 0) break
    timers.sort((a, b) => a.at - b.at || a.seq - b.seq)
    const timer = timers.shift() as (typeof timers)[number]
    now = Math.max(now, timer.at)
    queue.push({ frame: timer.frame, event: { kind: 'TimerFired', timerId: timer.timerId } })
  }
  const root = (slots[0] as Slot).frame
  if (root.status === 'RUNNING') throw new Error('execution is stuck: nothing left to run')
  return {
    status: root.status,
    ...(root.output !== undefined ? { output: root.output } : {}),
    ...(root.error !== undefined ? { error: root.error } : {}),
    ...(root.cause !== undefined ? { cause: root.cause } : {}),
    history,
  }
}

const placeholderFrame: Frame = {
  scope: '',
  status: 'RUNNING',
  enteredEventId: 0,
  enteredTime: 0,
  lastEventId: 0,
  retries: [],
  retryCount: 0,
}
