import { randomBytes, randomUUID } from 'node:crypto'
import {
  interpret,
  judgeChildren,
  type AslFailure,
  type Command,
  type CompiledMachine,
  type ExecutionContext,
  type Frame,
  type HistoryEvent,
  type InterpreterEnv,
  type InterpreterEvent,
  type JsonValue,
} from '../asl/index.js'
import type { Executor } from '../store/index.js'
import * as store from '../store/decisions.js'
import { hashToken } from './tokens.js'

/** An event for one frame of an execution. */
export interface FrameEvent {
  readonly frameId: number
  readonly event: InterpreterEvent
}

/** What a decision leaves for the engine to do after it commits. */
export interface DecisionEffects {
  /** Push tasks to dispatch now (function endpoints). */
  readonly pushTasks: store.PushTask[]
  readonly newTimers: boolean
  readonly newActivityTasks: readonly string[]
  readonly finished: boolean
}

export interface DecisionContext {
  readonly trx: Executor
  readonly machine: CompiledMachine
  readonly execution: ExecutionContext
  readonly executionId: string
  /** Database time (ms) read when the decision started. */
  readonly now: number
  /** Speeds up every timer for tests: fire_at = now + delay × timeScale. */
  readonly timeScale: number
  readonly engineId: string
}

/**
 * How long the engine that scheduled a push task owns its dispatch. Past that, any engine takes
 * it over (the owner died). The call itself is bounded by the task's timeout.
 */
export function pushLeaseMs(timeoutSeconds: number | undefined): number {
  return ((timeoutSeconds ?? 60) + 30) * 1000
}

/**
 * Apply events to the frames of one execution inside the caller's transaction, which holds the
 * execution row lock. Every consequence is written in the same transaction: the new snapshots
 * (version-checked), the history, the tasks, timers and child frames the interpreter asked for,
 * children's results passed up to their parents, and the execution's end. Nothing here sleeps or
 * calls out.
 *
 * @example
 * await db.transaction().execute(async (trx) => {
 *   const exec = await lockExecution(trx, id)
 *   await decide(ctx, exec.nextEventId, [{ frameId, event: { kind: 'TimerFired', timerId } }])
 * })
 */
export async function decide(
  ctx: DecisionContext,
  nextEventId: number,
  events: readonly FrameEvent[],
): Promise<DecisionEffects> {
  const d = new Decision(ctx, nextEventId)
  for (const { frameId, event } of events) await d.applyToFrame(frameId, event)
  await d.flush()
  return d.effects
}

/** A new execution: insert its top-level frame and run it to its first suspension. */
export async function startExecution(ctx: DecisionContext, input: JsonValue): Promise<DecisionEffects> {
  const d = new Decision(ctx, 1)
  const frameId = await store.insertRootFrame(ctx.trx, ctx.executionId)
  await d.applyToFrame(frameId, { kind: 'Start', scope: '', input }, store.newFrameRow(frameId, null, null))
  await d.flush()
  return d.effects
}

class Decision {
  readonly history: HistoryEvent[] = []
  readonly effects = {
    pushTasks: [] as store.PushTask[],
    newTimers: false,
    newActivityTasks: [] as string[],
    finished: false,
  }
  private nextEventId: number
  private readonly frames = new Map<number, store.FrameRow>()

  constructor(
    private readonly ctx: DecisionContext,
    nextEventId: number,
  ) {
    this.nextEventId = nextEventId
  }

  private env(): InterpreterEnv {
    return {
      now: this.ctx.now,
      nextEventId: this.nextEventId,
      uuid: randomUUID,
      random: Math.random,
      newTaskToken: () => randomBytes(32).toString('base64url'),
      execution: this.ctx.execution,
    }
  }

  private async frame(frameId: number): Promise<store.FrameRow> {
    let row = this.frames.get(frameId)
    if (!row) {
      row = await store.loadFrame(this.ctx.trx, frameId)
      this.frames.set(frameId, row)
    }
    return row
  }

  /** Apply one event. `fresh` is the row of a frame inserted by this decision, about to start. */
  async applyToFrame(frameId: number, event: InterpreterEvent, fresh?: store.FrameRow): Promise<void> {
    const row = fresh ?? (await this.frame(frameId))
    if (fresh) this.frames.set(frameId, row)
    if (event.kind !== 'Start' && (row.snapshot === null || row.snapshot.status !== 'RUNNING')) return
    const snapshot = row.snapshot as unknown as Frame | null
    const step = interpret(this.ctx.machine, event.kind === 'Start' ? null : snapshot, event, this.env())
    this.nextEventId += step.history.length
    this.history.push(...step.history)
    row.snapshot = step.frame as unknown as store.Snapshot
    row.dirty = true
    for (const command of step.commands) await this.carryOut(row, step.frame, command)
  }

  private async carryOut(row: store.FrameRow, frame: Frame, command: Command): Promise<void> {
    const { trx, now } = this.ctx
    switch (command.kind) {
      case 'ScheduleTask': {
        const kind = command.resource.kind === 'activity' ? 'activity' : command.taskToken ? 'callback' : 'push'
        const task: store.NewTask = {
          id: command.taskId,
          executionId: this.ctx.executionId,
          frameId: row.id,
          stateName: command.stateName,
          attempt: command.attempt,
          kind,
          resource: command.resource.arn,
          activityName: command.resource.kind === 'activity' ? command.resource.name : null,
          input: command.input,
          tokenHash: command.taskToken ? hashToken(command.taskToken) : null,
          timeoutSeconds: command.timeoutSeconds ?? null,
          heartbeatSeconds: command.heartbeatSeconds ?? null,
          leaseOwner: kind === 'push' ? this.ctx.engineId : null,
          leaseUntil: kind === 'push' ? new Date(now + pushLeaseMs(command.timeoutSeconds)) : null,
        }
        await store.insertTask(trx, task)
        if (command.timeoutSeconds !== undefined) {
          await this.timer(row.id, randomUUID(), now + command.timeoutSeconds * 1000, 'TaskTimeout', command.taskId)
        }
        if (command.heartbeatSeconds !== undefined && kind !== 'push') {
          await this.timer(row.id, randomUUID(), now + command.heartbeatSeconds * 1000, 'HeartbeatTimeout', command.taskId)
        }
        if (kind === 'push' || kind === 'callback') {
          this.effects.pushTasks.push({
            id: task.id,
            executionId: task.executionId,
            frameId: task.frameId,
            stateName: task.stateName,
            attempt: task.attempt,
            resource: command.resource,
            input: command.input,
            timeoutSeconds: task.timeoutSeconds,
            dispatchCount: 1,
          })
        }
        if (kind === 'activity') this.effects.newActivityTasks.push(task.activityName as string)
        return
      }
      case 'ArmTimer':
        await this.timer(row.id, command.timerId, command.at, command.reason, null)
        return
      case 'StartChildren':
        await this.startChildren(row, command)
        return
      case 'Finish':
        await this.finishFrame(row, frame, command)
        return
    }
  }

  private async timer(
    frameId: number,
    id: string,
    at: number,
    reason: store.TimerReason,
    taskId: string | null,
  ): Promise<void> {
    const { now, timeScale } = this.ctx
    const fireAt = now + Math.max(0, at - now) * timeScale
    await store.insertTimer(this.ctx.trx, {
      id,
      executionId: this.ctx.executionId,
      frameId,
      taskId,
      reason,
      fireAt: new Date(fireAt),
    })
    this.effects.newTimers = true
  }

  private async startChildren(row: store.FrameRow, command: Extract<Command, { kind: 'StartChildren' }>): Promise<void> {
    const group = await store.insertChildGroup(this.ctx.trx, {
      executionId: this.ctx.executionId,
      parentFrameId: row.id,
      childrenId: command.childrenId,
      stateType: command.stateType,
      total: command.children.length,
      maxConcurrency: command.maxConcurrency,
      toleratedFailureCount: command.toleratedFailureCount ?? null,
      toleratedFailurePercentage: command.toleratedFailurePercentage ?? null,
      previousEventId: command.previousEventId,
    })
    const ids = await store.insertChildFrames(
      this.ctx.trx,
      this.ctx.executionId,
      group.id,
      command.children.map((c) => ({ input: c.input, spec: c })),
    )
    await this.startQueued(group, ids)
  }

  /** Start queued children while MaxConcurrency allows. */
  private async startQueued(group: store.GroupRow, queuedIds?: readonly number[]): Promise<void> {
    const limit = group.maxConcurrency > 0 ? group.maxConcurrency : Infinity
    const free = Math.min(limit - group.running, group.total - group.nextIndex)
    if (free <= 0) return
    const children = queuedIds
      ? await store.queuedChildrenByIds(this.ctx.trx, queuedIds.slice(0, free))
      : await store.nextQueuedChildren(this.ctx.trx, group.id, free)
    group.nextIndex += children.length
    group.running += children.length
    group.dirty = true
    for (const child of children) {
      const spec = child.spec
      const childRow = store.newFrameRow(child.id, group.id, child.childIndex)
      childRow.group = group
      await this.applyToFrame(
        child.id,
        {
          kind: 'Start',
          scope: spec.scope,
          input: spec.input,
          origin: spec.origin,
          previousEventId: group.previousEventId,
        },
        childRow,
      )
    }
    await store.saveGroup(this.ctx.trx, group)
  }

  private async finishFrame(row: store.FrameRow, frame: Frame, command: Extract<Command, { kind: 'Finish' }>): Promise<void> {
    if (row.groupId === null) {
      // The top-level frame: the execution ends.
      await store.finishExecution(this.ctx.trx, this.ctx.executionId, {
        status: command.status,
        output: command.output,
        error: command.error,
        cause: command.cause,
        stoppedAt: new Date(this.ctx.now),
      })
      await store.cancelOutstanding(this.ctx.trx, this.ctx.executionId, null)
      this.effects.finished = true
      return
    }
    const group = row.group ?? (await store.lockGroup(this.ctx.trx, row.groupId as number))
    row.group = group
    // Anything this child left running (a retry timer, a task) is void now.
    await store.cancelOutstanding(this.ctx.trx, this.ctx.executionId, row.id)
    if (group.done) return
    group.running -= 1
    let lastFailure: AslFailure | undefined
    if (command.status === 'SUCCEEDED') group.succeeded += 1
    else {
      group.failed += 1
      lastFailure = {
        ...(command.error !== undefined ? { error: command.error } : {}),
        ...(command.cause !== undefined ? { cause: command.cause } : {}),
      }
    }
    row.result = {
      status: command.status,
      output: command.output ?? null,
      error: command.error ?? null,
      cause: command.cause ?? null,
    }
    void frame
    group.dirty = true
    const verdict = judgeChildren(
      {
        stateType: group.stateType,
        total: group.total,
        ...(group.toleratedFailureCount !== null ? { toleratedFailureCount: group.toleratedFailureCount } : {}),
        ...(group.toleratedFailurePercentage !== null
          ? { toleratedFailurePercentage: group.toleratedFailurePercentage }
          : {}),
      },
      group.succeeded,
      group.failed,
      lastFailure,
    )
    if (verdict.kind === 'running') {
      await this.startQueued(group)
      await store.saveGroup(this.ctx.trx, group)
      return
    }
    group.done = true
    await store.saveGroup(this.ctx.trx, group)
    // Siblings still running are no longer needed: stop them and everything they wait for.
    await this.flushFrames()
    await store.abortGroupChildren(this.ctx.trx, this.ctx.executionId, group.id)
    if (verdict.kind === 'succeeded') {
      const outputs = await store.groupOutputs(this.ctx.trx, group.id)
      await this.applyToFrame(group.parentFrameId, {
        kind: 'ChildrenSucceeded',
        childrenId: group.childrenId,
        outputs,
      })
    } else {
      await this.applyToFrame(group.parentFrameId, {
        kind: 'ChildrenFailed',
        childrenId: group.childrenId,
        ...verdict.failure,
      })
    }
  }

  private async flushFrames(): Promise<void> {
    for (const row of this.frames.values()) {
      if (!row.dirty) continue
      await store.saveFrame(this.ctx.trx, row)
      row.dirty = false
    }
  }

  async flush(): Promise<void> {
    await this.flushFrames()
    if (this.history.length > 0) {
      await store.appendHistory(this.ctx.trx, this.ctx.executionId, this.history)
    }
    await store.advanceExecution(this.ctx.trx, this.ctx.executionId, this.nextEventId)
  }
}
