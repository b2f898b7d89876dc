import { randomBytes, randomUUID } from 'node:crypto'
import type { Logger } from 'pino'
import type { ExecutionContext, InterpreterEvent, JsonValue } from '../asl/index.js'
import type { Database, Executor } from '../store/index.js'
import * as activities from '../store/activities.js'
import * as decisions from '../store/decisions.js'
import * as executions from '../store/executions.js'
import * as work from '../store/work.js'
import {
  activityChannel,
  decide,
  planStart,
  TIMERS_CHANNEL,
  type DecisionEffects,
  type DecisionPlan,
  type FrameEvent,
} from './decide.js'
import { ActivityNames } from './activity-names.js'
import { KnownExecutions } from './known-executions.js'
import { MachineCache } from './machine-cache.js'
import { NO_METRICS, type EngineMetrics } from './metrics.js'
import { StatementBatcher } from './statement-batcher.js'
import { outcomeEvent, type TaskOutcome } from './task-outcome.js'
import { hashToken } from './tokens.js'

type Prepare = (
  trx: Executor,
  exec: executions.LockedExecution,
  /** Task attempts this batch closed, by task id; take an entry once (delete it). */
  closed: Map<string, work.ClosedTask | undefined>,
) => Promise<readonly FrameEvent[] | null>

/**
 * What a call wants decided, in a form the optimistic path can carry out without reading under
 * a lock: an answer to a task attempt whose frame and status the caller knows, events for known
 * frames, or a stop.
 */
type Intent =
  | {
      readonly kind: 'answer'
      readonly frameId: string
      readonly transition: decisions.TaskTransition
      readonly events: readonly InterpreterEvent[]
    }
  | { readonly kind: 'events'; readonly events: readonly FrameEvent[] }
  | { readonly kind: 'stop'; readonly event: InterpreterEvent }

interface LaneItem {
  /** The locked path: runs under the execution lock, may refuse (null) or name the events. */
  prepare: Prepare
  /** A task attempt to close first; all of a batch's closes are one statement. */
  close?: work.TaskClose
  /** Set when the optimistic path can decide it. */
  intent?: Intent
  resolve: (effects: DecisionEffects | null) => void
  reject: (err: unknown) => void
}

interface Lane {
  running: boolean
  pending: LaneItem[]
}

/** A waiting GetActivityTask poll set aside for a task about to be written (ActivityPolls). */
export interface ReservedPoll {
  readonly workerName: string | undefined
  /** The task's write committed: the poll answers with it. */
  deliver(task: ClaimedActivityTask): void
  /** The write did not happen: the poll waits on. */
  release(): void
}

/** The GetActivityTask polls waiting in this process, which new activity tasks go to at once. */
export interface ActivityHandOff {
  reserve(activityName: string): ReservedPoll | undefined
}

/** A new activity task handed to a reserved poll as its decision is written. */
interface HandOff {
  readonly task: decisions.NewTask
  readonly token: string
  readonly poll: ReservedPoll
}

/** Carries out one push task (a function endpoint call). Issue-4's HTTP dispatcher is one. */
export type PushHandler = (task: decisions.PushTask) => Promise<TaskOutcome>

export interface EngineOptions {
  readonly database: Database
  readonly logger: Logger
  /** Shown in task leases; defaults to a random id. */
  readonly engineId?: string
  readonly region?: string
  readonly accountId?: string
  /** Multiplies every timer's delay (tests shorten Waits with 0). Default 1. */
  readonly timeScale?: number
  readonly pushHandler?: PushHandler
  /** How often every loop polls even without a notification. Default 1000 ms. */
  readonly pollIntervalMs?: number
  /** At most this many push tasks in flight in this process. Default 64. */
  readonly maxConcurrentDispatches?: number
  /** Where the engine reports its counters and latencies (default: nowhere). */
  readonly metrics?: EngineMetrics
}

/**
 * How long a claimed activity task waits before its ActivityStarted is recorded by a decision of
 * its own: an answer within this time records it together with the result.
 */
const ACTIVITY_STARTED_DELAY_MS = 100
/** Shared statements (starts, decisions) in flight at once; see StatementBatcher. */
const MAX_SHARED_WRITES = 2
/** At most this many starts or decisions share one statement. */
const MAX_SHARED_BATCH = 200

/** Decisions a transaction retries when PostgreSQL reports a deadlock or serialization failure. */
const RETRYABLE = new Set(['40001', '40P01'])

/**
 * The durable engine of one process: it applies events to executions in transactions, fires
 * timers by the database clock, dispatches push tasks and takes over the push tasks of engines
 * that died. Several engines share one database; none holds state another needs.
 */
export class Engine {
  readonly engineId: string
  readonly region: string
  readonly accountId: string
  private readonly db: Database
  private readonly log: Logger
  private readonly machines = new MachineCache()
  private readonly contexts = new Map<string, ExecutionContext>()
  private readonly timeScale: number
  private readonly pollMs: number
  private readonly maxDispatches: number
  private readonly metrics: EngineMetrics
  private readonly inFlight = new Set<Promise<void>>()
  private readonly dispatchQueue: decisions.PushTask[] = []
  private running = false
  private stopping = false
  private loops: Promise<void>[] = []
  private wakeTimers: (() => void) | undefined
  private unlisten: (() => Promise<void>) | undefined
  private readonly finishedWaiters = new Map<string, (() => void)[]>()
  /** Executions this process started or ended lately: ARN → id, id → final status (bounded). */
  private readonly idsByArn = new Map<string, string>()
  private readonly endedHere = new Map<string, string>()
  /** Per execution: the decision in progress in this process and the calls waiting for it. */
  private readonly lanes = new Map<string, Lane>()
  /**
   * Activity tasks this process handed to pollers, by token hash: SendTask* need not read them
   * (the write still checks the attempt is open). Bounded; answered ones are dropped.
   */
  private readonly claimedTokens = new Map<string, activities.TokenTask>()
  /** New executions, inserted many to a statement (see startExecution). */
  private readonly starts: StatementBatcher<decisions.StartedExecution, boolean>
  /** Optimistic decisions of different executions, written many to a statement. */
  private readonly decisionWrites: StatementBatcher<decisions.DecisionWrite, boolean>
  /** Running executions as this process last wrote them (bounded, oldest out first). */
  private readonly known = new KnownExecutions()
  private clockOffset: number | undefined
  private clockMeasuredAt = 0
  private readonly activityNames: ActivityNames
  /** Claimed activity tasks whose ActivityStarted is still to be recorded (see claimActivityTasks). */
  private readonly pendingStarts = new Map<string, () => void>()
  private activityHandOff: ActivityHandOff | undefined
  private unlistenActivities: (() => Promise<void>) | undefined

  constructor(private readonly options: EngineOptions) {
    this.db = options.database
    this.log = options.logger
    this.engineId = options.engineId ?? randomUUID()
    this.region = options.region ?? 'us-east-1'
    this.accountId = options.accountId ?? '000000000000'
    this.timeScale = options.timeScale ?? 1
    this.pollMs = options.pollIntervalMs ?? 1000
    this.maxDispatches = options.maxConcurrentDispatches ?? 64
    this.metrics = options.metrics ?? NO_METRICS
    this.activityNames = new ActivityNames(this.db, (name) => this.activityArn(name))
    const limits = { maxInFlight: MAX_SHARED_WRITES, maxBatch: MAX_SHARED_BATCH }
    this.starts = new StatementBatcher(async (starts) => {
      const inserted = await decisions.insertStartedExecutions(this.db.db, starts)
      return starts.map((s) => inserted.has(s.execution.id))
    }, limits)
    this.decisionWrites = new StatementBatcher(async (writes) => {
      const refused = await decisions.writeDecisions(this.db.db, writes)
      return writes.map((w) => !refused.has(w.writeSet.executionId))
    }, limits)
  }

  // ---- lifecycle ---------------------------------------------------------------------------------

  /** Start the background loops: timers and the take-over of abandoned push tasks. */
  async start(): Promise<void> {
    if (this.running) return
    this.running = true
    this.stopping = false
    this.unlisten = await this.db.listen(TIMERS_CHANNEL, () => this.wakeTimers?.(), {
      onListening: () => this.wakeTimers?.(),
    })
    this.unlistenActivities = await this.activityNames.listen()
    this.loops = [this.timerLoop(), this.leaseLoop()]
    this.log.info({ engineId: this.engineId }, 'engine started')
  }

  /**
   * Stop claiming work, let the decisions in hand finish, wait up to graceMs for push tasks in
   * flight, and hand the rest back (their leases end now, so another engine takes them at once).
   */
  async stop(options: { graceMs?: number } = {}): Promise<void> {
    if (!this.running) return
    this.stopping = true
    this.wakeTimers?.()
    await Promise.all(this.loops)
    const grace = options.graceMs ?? 10_000
    await Promise.race([Promise.all([...this.inFlight]), sleep(grace)])
    for (const record of [...this.pendingStarts.values()]) record()
    await work.releaseLeases(this.db.db, this.engineId)
    await this.unlisten?.()
    await this.unlistenActivities?.()
    this.running = false
    this.log.info({ engineId: this.engineId }, 'engine stopped')
  }

  /** The engine's logger (what runs alongside it, such as activity polls, logs there too). */
  get logger(): Logger {
    return this.log
  }

  // ---- ARNs ----------------------------------------------------------------------------------

  stateMachineArn(name: string): string {
    return `arn:aws:states:${this.region}:${this.accountId}:stateMachine:${name}`
  }

  executionArn(machineName: string, executionName: string): string {
    return `arn:aws:states:${this.region}:${this.accountId}:execution:${machineName}:${executionName}`
  }

  activityArn(name: string): string {
    return `arn:aws:states:${this.region}:${this.accountId}:activity:${name}`
  }

  // ---- decisions -------------------------------------------------------------------------------

  /**
   * Insert an execution and run it to its first suspension in the same transaction. Answers
   * undefined when an execution of that name exists (the caller decides what that means).
   */
  async startExecution(args: {
    stateMachineId: number
    stateMachineName: string
    roleArn: string
    revisionId: number
    definition: string
    name: string
    input: JsonValue
  }): Promise<{ id: string; startedAt: Date; status: string } | undefined> {
    const machine = await this.machines.get(args.revisionId, () => Promise.resolve(args.definition))
    const id = randomUUID()
    const now = await this.databaseNow()
    const startedAt = new Date(now)
    const execution: ExecutionContext = {
      id: this.executionArn(args.stateMachineName, args.name),
      name: args.name,
      input: args.input,
      roleArn: args.roleArn,
      startTime: startedAt.toISOString(),
      redriveCount: 0,
      stateMachineId: this.stateMachineArn(args.stateMachineName),
      stateMachineName: args.stateMachineName,
      region: this.region,
    }
    await this.activityNames.ready()
    const plan = await planStart(
      {
        trx: this.db.db,
        machine,
        execution,
        executionId: id,
        now,
        timeScale: this.timeScale,
        engineId: this.engineId,
        activityExists: this.activityNames.exists,
        timerWakeMs: this.pollMs,
      },
      args.input,
    )
    const row = {
      id,
      stateMachineId: args.stateMachineId,
      revisionId: args.revisionId,
      name: args.name,
      input: args.input,
      startedAt,
    }
    let inserted: boolean
    let handed: HandedOff | undefined
    if (!plan.needsCleanup) {
      // The common case: one statement, shared with the starts that arrive meanwhile.
      handed = this.handOff(plan.writeSet, plan.notify)
      try {
        inserted = await this.starts.add({
          execution: row,
          writeSet: handed?.writeSet ?? plan.writeSet,
          notify: handed?.notify ?? plan.notify,
        })
      } catch (err) {
        this.settleHandOffs(handed, false)
        throw err
      }
      if (!inserted) this.settleHandOffs(handed, false)
    } else {
      inserted = await this.db.db.transaction().execute(async (trx) => {
        // The row alone first (RUNNING, version 0), then the decision as any other.
        const bare: decisions.WriteSet = {
          executionId: id,
          frames: [],
          groups: [],
          history: [],
          tasks: [],
          timers: [],
          nextEventId: 1,
        }
        const done = await decisions.insertStartedExecutions(trx, [
          { execution: row, writeSet: bare, notify: [] },
        ])
        if (!done.has(id)) return false
        await plan.write(trx)
        return true
      })
    }
    if (!inserted) return undefined
    this.metrics.executionStarted()
    if (!plan.effects.finished) {
      this.rememberContext(id, execution)
      if (!plan.needsCleanup) {
        this.known.remember(id, {
          version: 0,
          nextEventId: plan.writeSet.nextEventId,
          revisionId: args.revisionId,
          live: plan.live,
        })
      }
    }
    remember(this.idsByArn, execution.id, id)
    this.afterCommit(id, plan.effects)
    this.settleHandOffs(handed, true)
    return { id, startedAt, status: plan.writeSet.finish?.status ?? 'RUNNING' }
  }

  /**
   * The database clock (ms), estimated from this process's clock and an offset measured against
   * clock_timestamp() (the midpoint of a round trip), refreshed every 30 s. Engines with skewed
   * clocks thus agree on deadlines within a round trip.
   */
  private async databaseNow(): Promise<number> {
    if (this.clockOffset === undefined || Date.now() - this.clockMeasuredAt > 30_000) {
      const before = Date.now()
      const db = await executions.databaseNow(this.db.db)
      const after = Date.now()
      this.clockOffset = db - (before + after) / 2
      this.clockMeasuredAt = after
    }
    return Math.round(Date.now() + this.clockOffset)
  }

  /**
   * Apply events to one execution. Calls for the same execution that arrive while a decision
   * about it is in progress are batched into the next decision: one commit then carries many
   * task results (a Map's iterations finishing).
   *
   * Two paths. The optimistic one (every call of the batch has an `intent`): decide from what
   * this process's last decision left (or one read), then write in one statement guarded by
   * the execution's version, so a decision is one round trip. When the guard refuses (another
   * engine decided meanwhile) or a call has no intent, the locked path: lock the execution row,
   * run each call's `prepare` under the lock, decide, write, commit.
   */
  apply(
    executionId: string,
    prepare: Prepare,
    close?: work.TaskClose,
    intent?: Intent,
  ): Promise<DecisionEffects | null> {
    return new Promise((resolve, reject) => {
      let lane = this.lanes.get(executionId)
      if (!lane) {
        lane = { running: false, pending: [] }
        this.lanes.set(executionId, lane)
      }
      lane.pending.push({
        prepare,
        resolve,
        reject,
        ...(close ? { close } : {}),
        ...(intent ? { intent } : {}),
      })
      if (!lane.running) void this.drainLane(executionId, lane)
    })
  }

  private async drainLane(executionId: string, lane: Lane): Promise<void> {
    lane.running = true
    while (lane.pending.length > 0) {
      const batch = lane.pending.splice(0, 200)
      try {
        const results =
          (await this.decideOptimistically(executionId, batch)) ??
          (await this.decideUnderLock(executionId, batch))
        const effects = results.find((r) => r !== null)
        if (effects) this.afterCommit(executionId, effects)
        batch.forEach((item, i) => item.resolve(results[i] ?? null))
      } catch (err) {
        for (const item of batch) item.reject(err)
      }
    }
    lane.running = false
    this.lanes.delete(executionId)
  }

  /**
   * The optimistic path (see apply). Answers undefined when it cannot decide the batch, so the
   * locked path does: a call without an intent, an execution that is not running, or a write
   * the version guard refused.
   */
  private async decideOptimistically(
    executionId: string,
    batch: readonly LaneItem[],
  ): Promise<(DecisionEffects | null)[] | undefined> {
    if (!batch.every((item) => item.intent !== undefined)) return undefined
    let known = this.known.take(executionId)
    let execution = this.contexts.get(executionId)
    if (!known || !execution) {
      const row = await executions.readExecution(this.db.db, executionId)
      if (!row || row.status !== 'RUNNING') return undefined
      known = {
        version: row.version,
        nextEventId: row.nextEventId,
        revisionId: row.revisionId,
        live: { frames: [], groups: [] },
      }
      execution = await this.context(this.db.db, row)
    }
    const events: FrameEvent[] = []
    const transitions: decisions.TaskTransition[] = []
    const taken: boolean[] = []
    for (const item of batch) {
      const intent = item.intent as Intent
      if (intent.kind === 'answer') {
        // The same attempt answered twice in one batch wins once.
        const first = !transitions.some((t) => t.taskId === intent.transition.taskId)
        if (first) {
          transitions.push(intent.transition)
          for (const event of intent.events) events.push({ frameId: intent.frameId, event })
        }
        taken.push(first)
      } else if (intent.kind === 'events') {
        events.push(...intent.events)
        taken.push(true)
      } else {
        const root = known.live.frames.find((f) => f.groupId === null)
        if (!root) return undefined
        events.push({ frameId: root.id, event: intent.event })
        taken.push(true)
      }
    }
    const revisionId = known.revisionId
    const machine = await this.machines.get(revisionId, () =>
      executions.revisionDefinition(this.db.db, revisionId),
    )
    await this.activityNames.ready()
    const plan = await decide(
      {
        trx: this.db.db,
        machine,
        execution,
        executionId,
        now: await this.databaseNow(),
        timeScale: this.timeScale,
        engineId: this.engineId,
        activityExists: this.activityNames.exists,
        timerWakeMs: this.pollMs,
      },
      known.nextEventId,
      events,
      known.live,
    )
    const version = known.version
    let handed: HandedOff | undefined
    try {
      if (plan.lateCleanup) {
        await this.db.db.transaction().execute((trx) => plan.write(trx, version, transitions))
      } else {
        // Shares a statement with the decisions about other executions ready meanwhile.
        const write = plan.decision(version, transitions)
        handed = this.handOff(write.writeSet, write.checks.notify)
        const shared = handed
          ? { writeSet: handed.writeSet, checks: { ...write.checks, notify: handed.notify } }
          : write
        if (!(await this.decisionWrites.add(shared))) {
          this.settleHandOffs(handed, false)
          return undefined
        }
        plan.written()
      }
    } catch (err) {
      this.settleHandOffs(handed, false)
      if (err instanceof decisions.FencingError) return undefined
      throw err
    }
    this.logDecision(executionId, 'events', events.length)
    this.settle(executionId, plan, version + 1, revisionId)
    this.settleHandOffs(handed, true)
    return taken.map((t) => (t ? plan.effects : null))
  }

  /** The locked path (see apply). */
  private async decideUnderLock(
    executionId: string,
    batch: readonly LaneItem[],
  ): Promise<(DecisionEffects | null)[]> {
    let decided:
      { plan: DecisionPlan; version: number; revisionId: number; events: number } | undefined
    const results = await this.transaction(async (trx) => {
      decided = undefined
      const exec = await executions.lockExecution(trx, executionId)
      if (!exec) return batch.map(() => null)
      const closes = batch.flatMap((item) => (item.close ? [item.close] : []))
      const closed = await work.closeTasks(trx, closes)
      const answers: (readonly FrameEvent[] | null)[] = []
      for (const item of batch) answers.push(await item.prepare(trx, exec, closed))
      const events = answers.flatMap((a) => a ?? [])
      if (exec.status !== 'RUNNING' || events.length === 0) {
        return answers.map((a) => (a === null ? null : emptyEffects()))
      }
      const plan = await this.decideLocked(trx, exec, events)
      await plan.write(trx, exec.version, [])
      decided = {
        plan,
        version: exec.version + 1,
        revisionId: exec.revisionId,
        events: events.length,
      }
      return answers.map((a) => (a === null ? null : plan.effects))
    })
    this.known.forget(executionId)
    if (decided) {
      this.logDecision(executionId, 'events', decided.events)
      this.settle(executionId, decided.plan, decided.version, decided.revisionId)
    }
    return results
  }

  /** Remember what a committed decision left, unless the execution ended or rows changed behind it. */
  private settle(
    executionId: string,
    plan: DecisionPlan,
    version: number,
    revisionId: number,
  ): void {
    if (plan.effects.finished || plan.lateCleanup) return
    this.known.remember(executionId, {
      version,
      nextEventId: plan.nextEventId,
      revisionId,
      live: plan.live,
    })
  }

  private async decideLocked(
    trx: Executor,
    exec: executions.LockedExecution,
    events: readonly FrameEvent[],
  ): Promise<DecisionPlan> {
    const machine = await this.machines.get(exec.revisionId, () =>
      executions.revisionDefinition(trx, exec.revisionId),
    )
    const execution = await this.context(trx, exec)
    await this.activityNames.ready()
    return decide(
      {
        trx,
        machine,
        execution,
        executionId: exec.id,
        now: exec.now,
        timeScale: this.timeScale,
        engineId: this.engineId,
        activityExists: this.activityNames.exists,
        timerWakeMs: this.pollMs,
      },
      exec.nextEventId,
      events,
    )
  }

  private async context(trx: Executor, exec: executions.ExecutionHead): Promise<ExecutionContext> {
    const hit = this.contexts.get(exec.id)
    if (hit) return hit
    const input = await executions.executionInput(trx, exec.id)
    const ctx: ExecutionContext = {
      id: this.executionArn(exec.stateMachineName, exec.name),
      name: exec.name,
      input,
      roleArn: exec.roleArn,
      startTime: exec.startedAt.toISOString(),
      redriveCount: 0,
      stateMachineId: this.stateMachineArn(exec.stateMachineName),
      stateMachineName: exec.stateMachineName,
      region: this.region,
    }
    this.rememberContext(exec.id, ctx)
    return ctx
  }

  private rememberContext(id: string, ctx: ExecutionContext): void {
    this.contexts.set(id, ctx)
    if (this.contexts.size > 5000) this.contexts.delete(this.contexts.keys().next().value as string)
  }

  /** Stop an execution: ABORTED with error and cause; its tasks and timers are voided. */
  async stopExecution(executionId: string, error?: string, cause?: string): Promise<boolean> {
    const event: InterpreterEvent = {
      kind: 'Stop',
      ...(error !== undefined ? { error } : {}),
      ...(cause !== undefined ? { cause } : {}),
    }
    const effects = await this.apply(
      executionId,
      async (trx, exec) => {
        if (exec.status !== 'RUNNING') return null
        return [{ frameId: await work.rootFrameId(trx, executionId), event }]
      },
      undefined,
      { kind: 'stop', event },
    )
    return effects !== null
  }

  /**
   * Finish a task attempt with its outcome, if the attempt is still open. `guard` narrows which
   * attempts may answer (a push dispatcher's lease, a token). `seen` is what the caller knows of
   * the attempt (its frame, its status), which lets the decision skip reading it; the write
   * checks it still holds. Answers whether it was applied.
   */
  async completeTask(
    executionId: string,
    taskId: string,
    outcome: TaskOutcome,
    guard: work.TaskGuard = {},
    /**
     * The worker that holds the task (an activity task claimed by GetActivityTask): its
     * ActivityStarted event, if not recorded yet, is recorded with the name before the outcome.
     */
    startedBy?: { readonly workerName?: string | undefined },
    seen?: {
      readonly frameId: string
      readonly status: 'SCHEDULED' | 'STARTED'
      /** False when the attempt has no timeout or heartbeat timer. */
      readonly hasTimers?: boolean
      /** True for a push task: kept on its frame's row (migrations/0006). */
      readonly push?: boolean
    },
  ): Promise<'applied' | 'not-open'> {
    // The answer records the task's ActivityStarted itself (with the worker's name).
    if (startedBy !== undefined) this.pendingStarts.delete(taskId)
    if (guard.tokenHash !== undefined) this.claimedTokens.delete(guard.tokenHash)
    const answerEvents = (wasScheduled: boolean): InterpreterEvent[] => {
      const events: InterpreterEvent[] = []
      if (wasScheduled || startedBy !== undefined) {
        // Already recorded (the usual case for a claimed task): the interpreter ignores it.
        const workerName =
          startedBy?.workerName ?? (outcome.kind === 'succeeded' ? outcome.workerName : undefined)
        events.push({ kind: 'TaskStarted', taskId, ...(workerName ? { workerName } : {}) })
      }
      events.push(outcomeEvent(taskId, outcome))
      return events
    }
    const intent: Intent | undefined = seen && {
      kind: 'answer',
      frameId: seen.frameId,
      transition: {
        taskId,
        from: seen.status,
        to:
          outcome.kind === 'succeeded'
            ? 'SUCCEEDED'
            : outcome.kind === 'failed'
              ? 'FAILED'
              : 'TIMED_OUT',
        ...guard,
        ...(seen.hasTimers === false ? { hasTimers: false } : {}),
        ...(seen.push === true ? { pushFrameId: seen.frameId } : {}),
      },
      events: answerEvents(seen.status === 'SCHEDULED'),
    }
    const effects = await this.apply(
      executionId,
      (_trx, _exec, closed) => {
        const task = closed.get(taskId)
        closed.delete(taskId) // the same attempt answered twice in one batch wins once
        if (!task) return Promise.resolve(null)
        const events = answerEvents(task.wasScheduled)
        return Promise.resolve(events.map((event) => ({ frameId: task.frameId, event })))
      },
      { taskId, result: outcome, guard, ...(seen ? { frameId: seen.frameId } : {}) },
      intent,
    )
    return effects !== null ? 'applied' : 'not-open'
  }

  // ---- tasks answered by token (activities, .waitForTaskToken) -------------------------------

  /** The activity task this process handed out with that token hash, if it did. */
  claimedTask(tokenHash: string): activities.TokenTask | undefined {
    return this.claimedTokens.get(tokenHash)
  }

  /** Whether the activity exists, from the names decisions use (no query while they are fresh). */
  async activityExists(name: string): Promise<boolean> {
    await this.activityNames.ready()
    return this.activityNames.exists(this.activityArn(name))
  }

  /** An activity was created or deleted here: the next decision reads the activity names again. */
  activitiesChanged(): void {
    this.activityNames.invalidate()
  }

  /**
   * GetActivityTask's claim: hand up to `workerNames.length` queued tasks of an activity, oldest
   * first, to waiting pollers. One statement marks them STARTED with a fresh task token each
   * (only its hash is kept) and the poller's worker name, and restarts their heartbeat timers;
   * tasks another poller is claiming are skipped (SKIP LOCKED), so each task goes to exactly one
   * poller. The pollers get their tasks as soon as it commits; each execution's ActivityStarted
   * is recorded 100 ms later by a decision of its own, or together with the answer when that
   * comes first (SendTaskSuccess/Failure pass the worker name along). Answers the tasks claimed,
   * in the order of `workerNames`.
   */
  async claimActivityTasks(
    activityName: string,
    workerNames: readonly (string | undefined)[],
  ): Promise<ClaimedActivityTask[]> {
    if (workerNames.length === 0) return []
    const tokens = workerNames.map(() => randomBytes(32).toString('base64url'))
    const claimStarted = performance.now()
    const claimed = await activities.claimActivityTasks(
      this.db.db,
      activityName,
      workerNames.map((workerName, i) => ({
        tokenHash: hashToken(tokens[i] as string),
        workerName: workerName ?? null,
      })),
    )
    this.metrics.claimRound('activities', performance.now() - claimStarted)
    for (const c of claimed) {
      this.handedOut(c, activityName, tokens[c.index] as string, workerNames[c.index])
    }
    return claimed.map((c) => ({ taskId: c.id, token: tokens[c.index] as string, input: c.input }))
  }

  /**
   * An activity task went to a poller (claimed, or handed over as it was written): SendTask*
   * need not read it, and its ActivityStarted is recorded 100 ms later by a decision of its
   * own, or with the answer when that comes first.
   */
  private handedOut(
    task: Pick<
      activities.TokenTask,
      'id' | 'executionId' | 'frameId' | 'heartbeatSeconds' | 'hasTimers'
    >,
    activityName: string,
    token: string,
    workerName: string | undefined,
  ): void {
    remember(this.claimedTokens, hashToken(token), {
      id: task.id,
      executionId: task.executionId,
      frameId: task.frameId,
      kind: 'activity',
      activityName,
      status: 'STARTED',
      workerName: workerName ?? null,
      heartbeatSeconds: task.heartbeatSeconds,
      hasTimers: task.hasTimers,
    })
    const event: InterpreterEvent = {
      kind: 'TaskStarted',
      taskId: task.id,
      ...(workerName !== undefined ? { workerName } : {}),
    }
    const record = () => {
      clearTimeout(timer)
      if (!this.pendingStarts.delete(task.id)) return
      const events = [{ frameId: task.frameId, event }]
      this.apply(task.executionId, () => Promise.resolve(events), undefined, {
        kind: 'events',
        events,
      }).catch((err: unknown) => {
        // The answer or the timeout records it instead.
        this.log.warn({ err, executionId: task.executionId }, 'ActivityStarted not recorded')
      })
    }
    // A short wait lets a quick answer record ActivityStarted and the result in one decision
    // (one commit fewer per task); a slow one finds ActivityStarted recorded meanwhile.
    const timer = setTimeout(record, ACTIVITY_STARTED_DELAY_MS)
    this.pendingStarts.set(task.id, record)
  }

  /** Where new activity tasks go at once when a poll of this process waits (ActivityPolls). */
  setActivityHandOff(handOff: ActivityHandOff | undefined): void {
    this.activityHandOff = handOff
  }

  /**
   * Hand a decision's new activity tasks to polls waiting in this process: each is written
   * STARTED with the poll's token, so it needs no claim, and its activity no NOTIFY when all
   * its new tasks went this way. Undefined when none was handed over.
   */
  private handOff(writeSet: decisions.WriteSet, notify: readonly string[]): HandedOff | undefined {
    const polls = this.activityHandOff
    if (!polls || !writeSet.tasks.some((t) => t.kind === 'activity')) return undefined
    const handOffs: HandOff[] = []
    const tasks = writeSet.tasks.map((t) => {
      const poll = t.activityName !== null ? polls.reserve(t.activityName) : undefined
      if (!poll) return t
      const token = randomBytes(32).toString('base64url')
      const task = {
        ...t,
        handedTo: { tokenHash: hashToken(token), workerName: poll.workerName ?? null },
      }
      handOffs.push({ task, token, poll })
      return task
    })
    if (handOffs.length === 0) return undefined
    const queued = new Set(
      tasks.flatMap((t) =>
        t.kind === 'activity' && !t.handedTo ? [activityChannel(t.activityName as string)] : [],
      ),
    )
    const handed = new Set(handOffs.map((h) => activityChannel(h.task.activityName as string)))
    return {
      writeSet: { ...writeSet, tasks },
      notify: notify.filter((c) => !handed.has(c) || queued.has(c)),
      handOffs,
    }
  }

  /** After the write of handed-over tasks: answer their polls, or let them wait on. */
  private settleHandOffs(handed: HandedOff | undefined, written: boolean): void {
    for (const { task, token, poll } of handed?.handOffs ?? []) {
      if (!written) {
        poll.release()
        continue
      }
      const hasTimers = task.timeoutSeconds !== null || task.heartbeatSeconds !== null
      this.handedOut({ ...task, hasTimers }, task.activityName as string, token, poll.workerName)
      poll.deliver({ taskId: task.id, token, input: task.input })
    }
  }

  /** A callback task's call answered 2xx: the task is handed over and waits for its token. */
  private async submitTask(task: decisions.PushTask, output: JsonValue): Promise<boolean> {
    const event: InterpreterEvent = { kind: 'TaskSubmitted', taskId: task.id, output }
    const effects = await this.apply(
      task.executionId,
      async (trx) => {
        const submitted = await activities.markCallbackSubmitted(
          trx,
          task.id,
          this.engineId,
          task.dispatchCount,
        )
        return submitted ? [{ frameId: task.frameId, event }] : null
      },
      undefined,
      {
        kind: 'answer',
        frameId: task.frameId,
        transition: {
          taskId: task.id,
          from: 'SCHEDULED',
          to: 'STARTED',
          leaseOwner: this.engineId,
          dispatchCount: task.dispatchCount,
        },
        events: [event],
      },
    )
    return effects !== null
  }

  /** The ARN of an execution by row id (for a push task taken over from another engine). */
  private async executionArnOf(executionId: string): Promise<string | undefined> {
    const row = await this.db.db
      .selectFrom('executions as e')
      .innerJoin('state_machines as m', 'm.id', 'e.state_machine_id')
      .select(['m.name as machine', 'e.name as execution'])
      .where('e.id', '=', executionId)
      .executeTakeFirst()
    return row ? this.executionArn(row.machine, row.execution) : undefined
  }

  /**
   * Resolves with the final status once the execution has ended. Woken at once when this engine
   * ends it; polls the database otherwise (another engine may end it).
   */
  async waitForEnd(executionIdOrArn: string, timeoutMs = 60_000): Promise<string> {
    const executionId = executionIdOrArn.startsWith('arn:')
      ? (this.idsByArn.get(executionIdOrArn) ?? (await this.executionIdOf(executionIdOrArn)))
      : executionIdOrArn
    const ended = this.endedHere.get(executionId)
    if (ended !== undefined) return ended
    const deadline = Date.now() + timeoutMs
    // Running as this process last wrote it: its end here wakes us, so the first read can wait.
    let read = !this.known.has(executionId)
    for (;;) {
      const woken = new Promise<void>((resolve) => {
        const list = this.finishedWaiters.get(executionId) ?? []
        list.push(resolve)
        this.finishedWaiters.set(executionId, list)
      })
      if (!read) {
        read = true
        await wakeOrTimeout(woken, this.pollMs)
        const status = this.endedHere.get(executionId)
        if (status !== undefined) return status
        continue
      }
      const row = await this.db.db
        .selectFrom('executions')
        .select('status')
        .where('id', '=', executionId)
        .executeTakeFirst()
      if (!row) throw new Error(`execution ${executionId} does not exist`)
      if (row.status !== 'RUNNING') return row.status
      if (Date.now() > deadline) return row.status
      await wakeOrTimeout(woken, this.pollMs)
    }
  }

  /** The row id of the execution an ARN names (arn:…:execution:<machine>:<name>). */
  private async executionIdOf(executionArn: string): Promise<string> {
    const parts = executionArn.split(':')
    const row = await this.db.db
      .selectFrom('executions as e')
      .innerJoin('state_machines as m', 'm.id', 'e.state_machine_id')
      .select('e.id')
      .where('m.name', '=', parts[6] ?? '')
      .where('e.name', '=', parts[7] ?? '')
      .executeTakeFirst()
    if (!row) throw new Error(`execution ${executionArn} does not exist`)
    return row.id
  }

  /** One debug line per committed decision: which engine applied how many events, and why. */
  private logDecision(executionId: string, cause: 'timers' | 'events', events: number): void {
    this.log.debug({ engineId: this.engineId, executionId, cause, events }, 'decision committed')
  }

  private afterCommit(executionId: string, effects: DecisionEffects): void {
    this.metrics.decisionCommitted(effects.stateTransitions, effects.finalStatus)
    for (const task of effects.pushTasks) this.enqueueDispatch(task)
    if (effects.finished) {
      if (effects.finalStatus !== undefined)
        remember(this.endedHere, executionId, effects.finalStatus)
      this.contexts.delete(executionId)
      const waiters = this.finishedWaiters.get(executionId)
      this.finishedWaiters.delete(executionId)
      for (const w of waiters ?? []) w()
    }
  }

  // ---- transactions ----------------------------------------------------------------------------

  async transaction<T>(body: (trx: Executor) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.db.db.transaction().execute(body)
      } catch (err) {
        const code = (err as { code?: string }).code
        const retry =
          (code !== undefined && RETRYABLE.has(code)) || err instanceof decisions.FencingError
        if (!retry || attempt >= 5) throw err
        this.log.debug({ err, attempt }, 'decision retried')
      }
    }
  }

  // ---- push tasks ------------------------------------------------------------------------------

  private enqueueDispatch(task: decisions.PushTask): void {
    this.dispatchQueue.push(task)
    this.pumpDispatch()
  }

  private pumpDispatch(): void {
    while (this.inFlight.size < this.maxDispatches && this.dispatchQueue.length > 0) {
      const task = this.dispatchQueue.shift() as decisions.PushTask
      const p = this.dispatch(task).finally(() => {
        this.inFlight.delete(p)
        this.pumpDispatch()
      })
      this.inFlight.add(p)
    }
  }

  private async dispatch(task: decisions.PushTask): Promise<void> {
    // Made only when something is logged: a child logger serializes its bindings at once.
    const log = () =>
      this.log.child({ executionId: task.executionId, stateName: task.stateName, taskId: task.id })
    let outcome: TaskOutcome
    const dispatchStarted = performance.now()
    try {
      if (task.executionArn === undefined) {
        const executionArn = await this.executionArnOf(task.executionId)
        if (executionArn !== undefined) task = { ...task, executionArn }
      }
      outcome = this.options.pushHandler
        ? await this.options.pushHandler(task)
        : {
            kind: 'failed',
            error: 'States.TaskFailed',
            cause: `No dispatcher is configured for ${task.resource}`,
          }
    } catch (err) {
      log().warn({ err }, 'push task handler threw')
      outcome = { kind: 'failed', error: 'States.TaskFailed', cause: (err as Error).message }
    }
    this.metrics.taskDispatched(task.kind, outcome.kind, performance.now() - dispatchStarted)
    if (task.kind === 'callback' && outcome.kind === 'succeeded') {
      // .waitForTaskToken: the call handed the task over; its token answers it later.
      try {
        if (!(await this.submitTask(task, outcome.output)))
          log().debug('callback task already answered or closed')
      } catch (err) {
        log().error({ err }, 'callback task hand-over could not be recorded')
      }
      return
    }
    try {
      const result = await this.completeTask(
        task.executionId,
        task.id,
        outcome,
        { leaseOwner: this.engineId, dispatchCount: task.dispatchCount },
        undefined,
        {
          frameId: task.frameId,
          status: 'SCHEDULED',
          // A push task's only timer is its TaskTimeout (heartbeats are for tokens).
          hasTimers: task.kind === 'callback' || task.timeoutSeconds !== null,
          push: task.kind === 'push',
        },
      )
      if (result === 'not-open')
        log().debug('push task result dropped: the attempt is no longer open')
    } catch (err) {
      // The lease runs out and another engine dispatches the task again.
      log().error({ err }, 'push task result could not be recorded')
    }
  }

  // ---- loops -----------------------------------------------------------------------------------

  private async timerLoop(): Promise<void> {
    while (!this.stopping) {
      let claimed = 0
      const roundStarted = performance.now()
      try {
        claimed = await this.fireDueTimers()
        this.metrics.claimRound('timers', performance.now() - roundStarted)
      } catch (err) {
        this.log.error({ err }, 'timer loop failed; retrying')
        await sleep(Math.min(this.pollMs, 1000))
        continue
      }
      if (claimed > 0) continue
      let delay = this.pollMs
      try {
        const next = await work.nextTimerDelay(this.db.db)
        if (next !== undefined) delay = Math.max(0, Math.min(delay, next))
      } catch {
        // the poll below retries
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(done, delay)
        function done() {
          clearTimeout(t)
          resolve()
        }
        this.wakeTimers = done
      })
      this.wakeTimers = undefined
    }
  }

  /** Claim due timers (SKIP LOCKED), turn each into its event, decide. Answers how many. */
  private async fireDueTimers(): Promise<number> {
    const { claimed, decided } = await this.transaction(async (trx) => {
      const due = await work.claimDueTimers(trx, 100)
      for (const t of due) this.metrics.timerFired(t.lagMs)
      const decided: [string, DecisionPlan, number, number, number][] = []
      if (due.length === 0) return { claimed: 0, decided }
      const groups = new Map<string, work.DueTimer[]>()
      for (const t of due) groups.set(t.executionId, [...(groups.get(t.executionId) ?? []), t])
      // Sorted so two engines never lock the same executions in opposite orders.
      for (const executionId of [...groups.keys()].sort()) {
        const exec = await executions.lockExecution(trx, executionId)
        const timers = groups.get(executionId) as work.DueTimer[]
        await work.deleteTimers(
          trx,
          timers.map((t) => t.id),
        )
        if (!exec || exec.status !== 'RUNNING') continue
        // Task and heartbeat timeouts close their attempts in one statement, as results do.
        const timeouts = timers.filter(
          (t) => t.reason === 'TaskTimeout' || t.reason === 'HeartbeatTimeout',
        )
        const closed = await work.closeTasks(
          trx,
          timeouts.map((t) => ({
            taskId: t.taskId as string,
            result: { kind: 'timed-out', heartbeat: t.reason === 'HeartbeatTimeout' },
            guard: {},
            frameId: t.frameId,
          })),
        )
        const events: FrameEvent[] = []
        for (const t of timers) {
          if (t.reason === 'TaskTimeout' || t.reason === 'HeartbeatTimeout') {
            const taskId = t.taskId as string
            const task = closed.get(taskId)
            closed.delete(taskId)
            if (!task) continue
            if (task.wasScheduled)
              events.push({ frameId: t.frameId, event: { kind: 'TaskStarted', taskId } })
            events.push({
              frameId: t.frameId,
              event: { kind: 'TaskTimedOut', taskId, heartbeat: t.reason === 'HeartbeatTimeout' },
            })
          } else {
            events.push({ frameId: t.frameId, event: { kind: 'TimerFired', timerId: t.id } })
          }
        }
        if (events.length === 0) continue
        const plan = await this.decideLocked(trx, exec, events)
        await plan.write(trx, exec.version, [])
        decided.push([executionId, plan, events.length, exec.version + 1, exec.revisionId])
      }
      return { claimed: due.length, decided }
    })
    for (const [executionId, plan, events, version, revisionId] of decided) {
      this.logDecision(executionId, 'timers', events)
      this.known.forget(executionId)
      this.settle(executionId, plan, version, revisionId)
      this.afterCommit(executionId, plan.effects)
    }
    return claimed
  }

  /** Take over push tasks whose dispatcher's lease ran out (its engine died or hung). */
  private async leaseLoop(): Promise<void> {
    while (!this.stopping) {
      try {
        const roundStarted = performance.now()
        const tasks = await this.transaction((trx) =>
          work.takeExpiredPushTasks(trx, this.engineId, 50),
        )
        this.metrics.claimRound('leases', performance.now() - roundStarted)
        for (const task of tasks) this.enqueueDispatch(task)
        if (tasks.length > 0) continue
      } catch (err) {
        this.log.error({ err }, 'lease loop failed; retrying')
      }
      await sleep(this.pollMs, () => this.stopping)
    }
  }
}

/** A write set with some of its new activity tasks handed to polls (Engine.handOff). */
interface HandedOff {
  readonly writeSet: decisions.WriteSet
  readonly notify: string[]
  readonly handOffs: readonly HandOff[]
}

/** Put into a map used as a bounded cache (oldest entries out past 10,000). */
function remember<K, V>(map: Map<K, V>, key: K, value: V): void {
  map.set(key, value)
  if (map.size > 10_000) map.delete(map.keys().next().value as K)
}

/** A task GetActivityTask hands to a poller. */
export interface ClaimedActivityTask {
  readonly taskId: string
  /** The task token: only its hash is stored. */
  readonly token: string
  readonly input: JsonValue
}

function emptyEffects(): DecisionEffects {
  return {
    pushTasks: [],
    newTimers: false,
    newActivityTasks: [],
    finished: false,
    stateTransitions: 0,
  }
}

/** Wait for `woken` or ms, whichever comes first (one timer, cleared on wake). */
async function wakeOrTimeout(woken: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  await Promise.race([woken, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))])
  clearTimeout(timer)
}

/** Sleep up to ms, waking early (checked every 50 ms) when `until` says so. */
async function sleep(ms: number, until?: () => boolean): Promise<void> {
  const end = Date.now() + ms
  while (Date.now() < end) {
    if (until?.()) return
    await new Promise((r) => setTimeout(r, Math.min(50, end - Date.now())))
  }
}
