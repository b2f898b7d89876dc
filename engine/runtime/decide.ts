import { randomBytes, randomUUID } from 'node:crypto'
import {
  interpret,
  judgeChildren,
  type AslFailure,
  type ChildSpec,
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
import { countStateTransitions } from './metrics.js'
import { hashToken } from './tokens.js'

/** An event for one frame of an execution. */
export interface FrameEvent {
  readonly frameId: string
  readonly event: InterpreterEvent
}

/** What a decision leaves for the engine to do after it commits. */
export interface DecisionEffects {
  /** Push tasks to dispatch now (function endpoints). */
  readonly pushTasks: store.PushTask[]
  /** A timer due soon was armed: sleeping timer loops must wake (see timerWakeMs). */
  readonly newTimers: boolean
  readonly newActivityTasks: readonly string[]
  readonly finished: boolean
  /** The execution's final status when this decision ended it. */
  readonly finalStatus?: string
  /** States entered by this decision (AWS's state transitions), for metrics. */
  readonly stateTransitions: number
}

export interface DecisionContext {
  readonly trx: Executor
  readonly machine: CompiledMachine
  readonly execution: ExecutionContext
  readonly executionId: string
  /** Database time (ms) when the decision started. */
  readonly now: number
  /** Speeds up every timer for tests: fire_at = now + delay × timeScale. */
  readonly timeScale: number
  readonly engineId: string
  /** Whether an activity ARN names an existing activity (absent: all do). */
  readonly activityExists?: (arn: string) => boolean
  /**
   * Timer loops poll at least this often (ms), so only a timer due sooner needs a NOTIFY to
   * wake them; one due later is found by a poll in time. Default 0: every timer notifies.
   */
  readonly timerWakeMs?: number
}

/** A Parallel or Map with at most this many children keeps the ones not started in memory. */
const QUEUED_IN_MEMORY = 5000

/** NOTIFY channel: a decision armed a timer (timer loops wake up). */
export const TIMERS_CHANNEL = 'millrace_timers'

/** NOTIFY channel of an activity: a decision queued one of its tasks (its pollers wake up). */
export function activityChannel(name: string): string {
  // Channel names are identifiers; activity names may hold '-', so they are hashed into one.
  let h = 0
  for (let i = 0; i < name.length; i++) h = (Math.imul(h, 31) + name.charCodeAt(i)) | 0
  return `millrace_activity_${(h >>> 0).toString(16)}`
}

/** The channels to NOTIFY when a decision with these effects commits. */
export function notifyChannels(effects: DecisionEffects): string[] {
  return [
    ...(effects.newTimers ? [TIMERS_CHANNEL] : []),
    ...new Set(effects.newActivityTasks.map(activityChannel)),
  ]
}

/** A decision made and not yet written. */
export interface DecisionPlan {
  readonly effects: DecisionEffects
  /**
   * Whether voiding what ended frames left behind must follow the write as statements of their
   * own (in the same transaction), because it covers work this decision created or needs a
   * recursive walk. Otherwise the write is one statement.
   */
  readonly lateCleanup: boolean
  /** What the decision left running, to decide the next event without reading it again. */
  readonly live: { readonly frames: store.FrameRow[]; readonly groups: store.GroupRow[] }
  readonly nextEventId: number
  /** Write it: the execution must still be at `version` and each transition still possible. */
  write(db: Executor, version: number, transitions: readonly store.TaskTransition[]): Promise<void>
  /**
   * The write as one element of a shared statement (store.writeDecisions), for a plan without
   * lateCleanup; call `written` once it committed.
   */
  decision(version: number, transitions: readonly store.TaskTransition[]): store.DecisionWrite
  written(): void
}

/**
 * Apply events to the frames of one execution. Reads (frames, groups, queued children) go
 * through ctx.trx; `known` frames and groups (what the last decision in this process left) are
 * used instead of reading them. The plan's write checks that nothing changed in between: either
 * the caller holds the execution row lock, or the version guard refuses a stale decision.
 * Nothing here sleeps or calls out.
 */
export async function decide(
  ctx: DecisionContext,
  nextEventId: number,
  events: readonly FrameEvent[],
  known?: DecisionPlan['live'],
): Promise<DecisionPlan> {
  const d = new Decision(ctx, nextEventId, false)
  if (known) d.seed(known.frames, known.groups)
  await d.preload(events.map((e) => e.frameId))
  for (const { frameId, event } of events) await d.apply(frameId, event)
  return d.decided()
}

/** What a new execution's first decision made, before anything is written. */
export interface StartPlan {
  readonly writeSet: store.WriteSet
  readonly effects: DecisionEffects
  /** Work that must be voided after the writes (a Parallel that failed at once). */
  readonly needsCleanup: boolean
  /** Channels to NOTIFY when it commits. */
  readonly notify: readonly string[]
  /** What it left running (see DecisionPlan). */
  readonly live: DecisionPlan['live']
  /**
   * Write the plan in the caller's transaction, after inserting the execution as RUNNING at
   * version 0 with nothing else (the path for plans that need cleanup).
   */
  write(trx: Executor): Promise<void>
}

/**
 * Run a new execution's first decision: create its top-level frame and run it to its first
 * suspension or its end. Nothing is read: every row it touches is new, so the caller can write
 * the result in one statement (store.insertStartedExecutions).
 */
export async function planStart(ctx: DecisionContext, input: JsonValue): Promise<StartPlan> {
  const d = new Decision(ctx, 1, true)
  const root = d.newFrame(null, null, null)
  await d.apply(root.id, { kind: 'Start', scope: '', input })
  return d.plan()
}

class Decision {
  private readonly history: HistoryEvent[] = []
  private readonly tasks: store.NewTask[] = []
  /** Push tasks scheduled by this decision, by frame (each frame waits for one at most). */
  private readonly scheduledPush = new Map<string, store.FramePushTask>()
  private readonly timers: store.NewTimer[] = []
  private readonly frames = new Map<string, store.FrameRow>()
  private readonly groups = new Map<string, store.GroupRow>()
  /** Work to void after the writes: finished frames' leftovers and aborted siblings. */
  private readonly finishedFrames: string[] = []
  private readonly abortedGroups: string[] = []
  private finish: store.WriteSet['finish']
  private readonly effects = {
    pushTasks: [] as store.PushTask[],
    newTimers: false,
    newActivityTasks: [] as string[],
    finished: false,
    finalStatus: undefined as string | undefined,
    stateTransitions: 0,
  }

  constructor(
    private readonly ctx: DecisionContext,
    private nextEventId: number,
    /** True when this decision starts the execution: nothing of it exists to void yet. */
    private readonly fresh: boolean,
  ) {}

  private env(): InterpreterEnv {
    return {
      now: this.ctx.now,
      nextEventId: this.nextEventId,
      uuid: randomUUID,
      random: Math.random,
      newTaskToken: () => randomBytes(32).toString('base64url'),
      execution: this.ctx.execution,
      ...(this.ctx.activityExists ? { activityExists: this.ctx.activityExists } : {}),
    }
  }

  async preload(frameIds: readonly string[]): Promise<void> {
    const missing = [...new Set(frameIds)].filter((id) => !this.frames.has(id))
    for (const row of await store.loadFrames(this.ctx.trx, missing)) this.frames.set(row.id, row)
  }

  newFrame(
    groupId: string | null,
    childIndex: number | null,
    input: JsonValue | null,
  ): store.FrameRow {
    const row: store.FrameRow = {
      id: randomUUID(),
      groupId,
      childIndex,
      input,
      snapshot: null,
      version: 0,
      isNew: true,
      dirty: true,
      status: input === null ? 'RUNNING' : 'QUEUED',
      pushTaskId: null,
    }
    this.frames.set(row.id, row)
    return row
  }

  private async frame(frameId: string): Promise<store.FrameRow> {
    if (!this.frames.has(frameId)) await this.preload([frameId])
    const row = this.frames.get(frameId)
    if (!row) throw new Error(`frame ${frameId} does not exist`)
    return row
  }

  private async group(groupId: string): Promise<store.GroupRow> {
    let g = this.groups.get(groupId)
    if (!g) {
      const [row] = await store.lockGroups(this.ctx.trx, [groupId])
      if (!row) throw new Error(`child group ${groupId} does not exist`)
      g = row
      this.groups.set(groupId, g)
    }
    return g
  }

  async apply(frameId: string, event: InterpreterEvent): Promise<void> {
    const row = await this.frame(frameId)
    if (event.kind === 'Start') {
      if (row.snapshot !== null) return
    } else if (
      row.snapshot === null ||
      row.snapshot.status !== 'RUNNING' ||
      row.status !== 'RUNNING'
    ) {
      return
    }
    const snapshot = event.kind === 'Start' ? null : (row.snapshot as unknown as Frame)
    const step = interpret(this.ctx.machine, snapshot, event, this.env())
    this.nextEventId += step.history.length
    this.history.push(...step.history)
    this.effects.stateTransitions += countStateTransitions(step.history)
    row.snapshot = step.frame as unknown as store.Snapshot
    row.status = step.frame.status
    row.dirty = true
    for (const command of step.commands) await this.carryOut(row, command)
  }

  private async carryOut(row: store.FrameRow, command: Command): Promise<void> {
    switch (command.kind) {
      case 'ScheduleTask':
        this.scheduleTask(row, command)
        return
      case 'ArmTimer':
        this.timer(row.id, command.timerId, command.at, command.reason, null)
        return
      case 'StartChildren':
        await this.startChildren(row, command)
        return
      case 'Finish':
        await this.finishFrame(row, command)
        return
    }
  }

  private scheduleTask(
    row: store.FrameRow,
    command: Extract<Command, { kind: 'ScheduleTask' }>,
  ): void {
    const { now } = this.ctx
    const kind =
      command.resource.kind === 'activity' ? 'activity' : command.taskToken ? 'callback' : 'push'
    if (command.timeoutSeconds !== undefined) {
      this.timer(
        row.id,
        randomUUID(),
        now + command.timeoutSeconds * 1000,
        'TaskTimeout',
        command.taskId,
      )
    }
    // The dispatch lease of a push or callback task.
    const leaseUntil = new Date(now + store.pushLeaseSeconds(command.timeoutSeconds) * 1000)
    if (kind === 'push') {
      // Kept on the frame's row (store.FramePushTask): no row of its own.
      const dispatched = this.dispatched(row, command, kind)
      this.scheduledPush.set(row.id, { ...dispatched, leaseOwner: this.ctx.engineId, leaseUntil })
      this.effects.pushTasks.push(dispatched)
      return
    }
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
      leaseOwner: kind === 'activity' ? null : this.ctx.engineId,
      leaseUntil: kind === 'activity' ? null : leaseUntil,
    }
    this.tasks.push(task)
    if (command.heartbeatSeconds !== undefined) {
      this.timer(
        row.id,
        randomUUID(),
        now + command.heartbeatSeconds * 1000,
        'HeartbeatTimeout',
        task.id,
      )
    }
    if (kind === 'activity') this.effects.newActivityTasks.push(task.activityName as string)
    else this.effects.pushTasks.push(this.dispatched(row, command, kind))
  }

  /** A task the engine calls out for once the decision commits (a push or callback task). */
  private dispatched(
    row: store.FrameRow,
    command: Extract<Command, { kind: 'ScheduleTask' }>,
    kind: store.PushTask['kind'],
  ): store.PushTask {
    return {
      id: command.taskId,
      kind,
      executionArn: this.ctx.execution.id,
      executionId: this.ctx.executionId,
      frameId: row.id,
      stateName: command.stateName,
      attempt: command.attempt,
      resource: command.resource.arn,
      input: command.input,
      timeoutSeconds: command.timeoutSeconds ?? null,
      dispatchCount: 1,
    }
  }

  /**
   * Wait, Retry and execution-timeout delays are scaled by timeScale (tests shorten them); task
   * and heartbeat timeouts keep their real length, since the work they bound runs in real time.
   */
  private timer(
    frameId: string,
    id: string,
    at: number,
    reason: store.TimerReason,
    taskId: string | null,
  ): void {
    const { now } = this.ctx
    const scale = reason === 'TaskTimeout' || reason === 'HeartbeatTimeout' ? 1 : this.ctx.timeScale
    const fireAt = now + Math.max(0, at - now) * scale
    this.timers.push({
      id,
      executionId: this.ctx.executionId,
      frameId,
      taskId,
      reason,
      fireAt: new Date(fireAt),
    })
    if (fireAt - now <= (this.ctx.timerWakeMs ?? 0)) this.effects.newTimers = true
  }

  private async startChildren(
    row: store.FrameRow,
    command: Extract<Command, { kind: 'StartChildren' }>,
  ): Promise<void> {
    const group: store.GroupRow = {
      id: randomUUID(),
      parentFrameId: row.id,
      childrenId: command.childrenId,
      stateType: command.stateType,
      total: command.children.length,
      maxConcurrency: command.maxConcurrency,
      toleratedFailureCount: command.toleratedFailureCount ?? null,
      toleratedFailurePercentage: command.toleratedFailurePercentage ?? null,
      previousEventId: command.previousEventId,
      nextIndex: 0,
      running: 0,
      succeeded: 0,
      failed: 0,
      done: false,
      isNew: true,
      dirty: true,
    }
    this.groups.set(group.id, group)
    const queued = command.children.map((spec, i) =>
      this.newFrame(group.id, i, spec as unknown as JsonValue),
    )
    await this.startQueued(group, queued)
  }

  /** Start queued children while MaxConcurrency allows. */
  private async startQueued(
    group: store.GroupRow,
    known?: readonly store.FrameRow[],
  ): Promise<void> {
    const limit = group.maxConcurrency > 0 ? group.maxConcurrency : Infinity
    const free = Math.min(limit - group.running, group.total - group.nextIndex)
    if (free <= 0) return
    let children: store.FrameRow[]
    if (known) {
      // Every child not started yet is among them (children start in index order).
      children = known.filter((f) => (f.childIndex ?? 0) >= group.nextIndex).slice(0, free)
    } else {
      children = await store.nextQueuedChildren(this.ctx.trx, group.id, group.nextIndex, free)
      for (const c of children) if (!this.frames.has(c.id)) this.frames.set(c.id, c)
      children = children.map((c) => this.frames.get(c.id) as store.FrameRow)
    }
    group.nextIndex += children.length
    group.running += children.length
    group.dirty = true
    for (const child of children) {
      const spec = child.input as unknown as ChildSpec
      child.status = 'RUNNING'
      child.input = null
      await this.apply(child.id, {
        kind: 'Start',
        scope: spec.scope,
        input: spec.input,
        origin: spec.origin,
        previousEventId: group.previousEventId,
        ...(spec.variables !== undefined ? { variables: spec.variables } : {}),
      })
    }
  }

  private async finishFrame(
    row: store.FrameRow,
    command: Extract<Command, { kind: 'Finish' }>,
  ): Promise<void> {
    row.result = {
      output: command.output ?? null,
      error: command.error ?? null,
      cause: command.cause ?? null,
    }
    if (!this.fresh) this.finishedFrames.push(row.id)
    if (row.groupId === null) {
      // The top-level frame: the execution ends.
      this.finish = {
        status: command.status,
        output: command.output,
        error: command.error,
        cause: command.cause,
        stoppedAt: new Date(this.ctx.now),
      }
      this.effects.finished = true
      this.effects.finalStatus = command.status
      return
    }
    const group = await this.group(row.groupId)
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
    group.dirty = true
    const verdict = judgeChildren(
      {
        stateType: group.stateType,
        total: group.total,
        ...(group.toleratedFailureCount !== null
          ? { toleratedFailureCount: group.toleratedFailureCount }
          : {}),
        ...(group.toleratedFailurePercentage !== null
          ? { toleratedFailurePercentage: group.toleratedFailurePercentage }
          : {}),
      },
      group.succeeded,
      group.failed,
      lastFailure,
    )
    if (verdict.kind === 'running') {
      await this.startQueued(
        group,
        group.isNew || group.queuedInMemory ? this.groupFrames(group.id) : undefined,
      )
      return
    }
    group.done = true
    // Siblings still running are no longer needed: they are stopped after the writes.
    this.abortedGroups.push(group.id)
    if (verdict.kind === 'succeeded') {
      const outputs = await this.outputs(group)
      await this.apply(group.parentFrameId, {
        kind: 'ChildrenSucceeded',
        childrenId: group.childrenId,
        outputs,
      })
    } else {
      await this.apply(group.parentFrameId, {
        kind: 'ChildrenFailed',
        childrenId: group.childrenId,
        ...verdict.failure,
      })
    }
  }

  /** A group's children known to this decision, in index order (all of them for a new group). */
  private groupFrames(groupId: string): store.FrameRow[] {
    return [...this.frames.values()]
      .filter((f) => f.groupId === groupId)
      .sort((a, b) => (a.childIndex ?? 0) - (b.childIndex ?? 0))
  }

  private async outputs(group: store.GroupRow): Promise<JsonValue[]> {
    const known = new Map<number, JsonValue>()
    for (const f of this.groupFrames(group.id)) {
      if (!f.result) continue
      known.set(
        f.childIndex ?? 0,
        f.status === 'SUCCEEDED'
          ? f.result.output
          : { Error: f.result.error, Cause: f.result.cause },
      )
    }
    if (group.isNew)
      return this.groupFrames(group.id).map((f) => known.get(f.childIndex ?? 0) ?? null)
    return store.groupOutputs(this.ctx.trx, group.id, known)
  }

  private writeSet(): store.WriteSet {
    for (const row of this.frames.values()) if (row.dirty) this.pushChange(row)
    return {
      executionId: this.ctx.executionId,
      frames: [...this.frames.values()],
      groups: [...this.groups.values()],
      history: this.history,
      tasks: this.tasks,
      timers: this.timers,
      nextEventId: this.nextEventId,
      ...(this.finish ? { finish: this.finish } : {}),
    }
  }

  /**
   * What the write does to a frame's push task (store.FrameRow.push): the row holds the push
   * task its frame waits for when the decision ends, and no other.
   */
  private pushChange(row: store.FrameRow): void {
    const waiting = row.status === 'RUNNING' ? (row.snapshot as Frame | null)?.waiting : undefined
    const waitsFor = waiting?.kind === 'task' ? waiting.taskId : undefined
    const scheduled = this.scheduledPush.get(row.id)
    if (scheduled !== undefined && scheduled.id === waitsFor) row.push = scheduled
    else if (row.pushTaskId !== null && row.pushTaskId !== waitsFor) row.push = null
    else row.push = undefined
  }

  plan(): StartPlan {
    const decided = this.decided()
    const writeSet = this.writeSet()
    return {
      // An execution that ended in its first decision without children (a chain of Pass
      // states) leaves its frame to nobody: it is not written at all.
      writeSet: this.finish && this.groups.size === 0 ? { ...writeSet, frames: [] } : writeSet,
      effects: this.effects,
      needsCleanup: this.abortedGroups.length > 0,
      notify: notifyChannels(this.effects),
      live: decided.live,
      write: (trx) => decided.write(trx, 0, []),
    }
  }

  /** Use rows another decision left (copies: this decision changes its own). */
  seed(frames: readonly store.FrameRow[], groups: readonly store.GroupRow[]): void {
    for (const f of frames) this.frames.set(f.id, { ...f })
    for (const g of groups) this.groups.set(g.id, { ...g })
  }

  decided(): DecisionPlan {
    const writeSet = this.writeSet()
    const lateCleanup = this.needsLateCleanup()
    const notify = notifyChannels(this.effects)
    const cleanup = {
      all: !lateCleanup && this.finish !== undefined,
      frames: lateCleanup ? [] : this.finishedFrames,
    }
    // What the write made is in the database now: the next decision updates it.
    const written = () => {
      for (const f of this.frames.values()) store.settleFrame(f)
      for (const g of this.groups.values()) {
        g.isNew = false
        g.dirty = false
      }
    }
    return {
      effects: this.effects,
      lateCleanup,
      nextEventId: this.nextEventId,
      live: this.live(),
      write: async (db, version, transitions) => {
        await store.writeDecision(db, writeSet, { version, transitions, cleanup, notify })
        written()
        if (lateCleanup) await this.cleanUp(db)
      },
      decision: (version, transitions) => ({
        writeSet,
        checks: { version, transitions, cleanup, notify },
      }),
      written,
    }
  }

  /**
   * What the decision leaves running, for the next decision in this process: running frames,
   * unfinished groups, and the children not started yet of groups small enough to keep (so
   * starting the next ones needs no read).
   */
  private live(): DecisionPlan['live'] {
    const groups = [...this.groups.values()].filter((g) => !g.done)
    const kept = new Set<string>()
    for (const g of groups) {
      g.queuedInMemory = (g.isNew || g.queuedInMemory === true) && g.total <= QUEUED_IN_MEMORY
      if (g.queuedInMemory) kept.add(g.id)
    }
    const frames = [...this.frames.values()].filter(
      (f) =>
        f.status === 'RUNNING' ||
        (f.status === 'QUEUED' && f.groupId !== null && kept.has(f.groupId)),
    )
    return { frames, groups }
  }

  /**
   * Voiding what ended frames left behind fits in the write unless it needs a recursive walk
   * (children of a finished Parallel or Map) or must reach rows the decision creates (the
   * write voids before it inserts): an execution that ends while this decision started work
   * or left a child running.
   */
  private needsLateCleanup(): boolean {
    if (this.abortedGroups.length > 0) return true
    const created = this.tasks.length > 0 || this.timers.length > 0 || this.scheduledPush.size > 0
    if (this.finish) {
      return (
        created ||
        [...this.frames.values()].some(
          (f) =>
            f.groupId !== null &&
            (f.isNew || (f.dirty && (f.status === 'RUNNING' || f.status === 'QUEUED'))),
        )
      )
    }
    if (this.finishedFrames.length === 0 || !created) return false
    const ended = new Set(this.finishedFrames)
    return (
      this.tasks.some((t) => ended.has(t.frameId)) || this.timers.some((t) => ended.has(t.frameId))
    )
  }

  private async cleanUp(trx: Executor): Promise<void> {
    const { executionId } = this.ctx
    for (const groupId of this.abortedGroups) {
      await store.abortGroupChildren(trx, executionId, groupId)
    }
    if (this.finish) await store.cancelOutstanding(trx, executionId, this.fresh ? [] : null)
    else await store.cancelOutstanding(trx, executionId, this.finishedFrames)
  }
}
