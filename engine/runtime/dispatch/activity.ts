import type { Database, Unlisten } from '../../store/index.js'
import { activityChannel } from '../decide.js'
import type { ActivityHandOff, ClaimedActivityTask, Engine, ReservedPoll } from '../engine.js'

/** How long an activity's LISTEN is kept after its last poller left. */
const LINGER_MS = 30_000

/** AWS: GetActivityTask "holds the connection open for up to 60 seconds". */
export const MAX_POLL_MS = 60_000

export interface PollOptions {
  /** Ends the poll early (the client went away): it answers undefined. */
  readonly signal?: AbortSignal | undefined
  /** How long to wait for a task (default and maximum 60 s). */
  readonly maxWaitMs?: number | undefined
}

interface Waiter {
  readonly workerName: string | undefined
  readonly resolve: (task: ClaimedActivityTask | undefined) => void
  done: boolean
  /** In a claim now: its poll time running out must wait for the claim's answer. */
  claiming: boolean
  /** Its poll time ran out during a claim: it ends with no task if the claim gave it none. */
  expired: boolean
}

/**
 * The long polls of GetActivityTask in one process, per activity: pollers wait in a FIFO queue,
 * and one claim transaction serves as many of them as there are queued tasks
 * (Engine.claimActivityTasks). A claim runs when the activity's NOTIFY says a task was queued
 * (a decision sends it when it commits), every `pollMs` while pollers wait (a lost notification
 * costs latency, never a task), and when a poller arrives unless the queue is known empty.
 * Claims of one activity never overlap in a process; notifications that arrive during a claim
 * are folded into one more claim. A task a decision of this process creates while a poller
 * waits is not queued at all: it is handed to that poller as it is written (reserve).
 *
 * A task handed to a poller whose client vanished in the meantime is not lost: its heartbeat or
 * timeout fires and Retry/Catch decide, as on AWS.
 */
export class ActivityPolls implements ActivityHandOff {
  private readonly queues = new Map<string, ActivityQueue>()
  private closed = false

  constructor(
    private readonly engine: Engine,
    private readonly database: Database,
    private readonly pollMs = 1000,
  ) {
    engine.setActivityHandOff(this)
  }

  /**
   * A waiting poll of the activity, set aside for a task a decision is about to write (the
   * engine hands the task over as it is written: no claim, no NOTIFY); undefined when every
   * poll of the activity is taken.
   */
  reserve(activityName: string): ReservedPoll | undefined {
    return this.closed ? undefined : this.queues.get(activityName)?.reserve()
  }

  /**
   * Wait for a task of `activityName`, up to 60 s. Answers the claimed task, or undefined at the
   * end of the poll (or when aborted or closed).
   */
  poll(
    activityName: string,
    workerName: string | undefined,
    options: PollOptions = {},
  ): Promise<ClaimedActivityTask | undefined> {
    if (this.closed || options.signal?.aborted) return Promise.resolve(undefined)
    let queue = this.queues.get(activityName)
    if (!queue) {
      queue = new ActivityQueue(
        activityName,
        this.engine,
        this.database,
        this.pollMs,
        () => this.queues.delete(activityName),
        (err) => this.engine.logger.warn({ err, activity: activityName }, 'activity claim failed'),
      )
      this.queues.set(activityName, queue)
    }
    return queue.add(workerName, Math.min(options.maxWaitMs ?? MAX_POLL_MS, MAX_POLL_MS), options)
  }

  /** Answer every waiting poll with no task and stop listening. */
  async close(): Promise<void> {
    this.closed = true
    this.engine.setActivityHandOff(undefined)
    await Promise.all([...this.queues.values()].map((q) => q.close()))
    this.queues.clear()
  }
}

class ActivityQueue {
  private readonly waiters: Waiter[] = []
  private claiming = false
  private wanted = false
  /**
   * False once a claim found fewer tasks than polls and no NOTIFY came meanwhile: the queue is
   * empty, and a poll arriving needs no claim. Tasks handed over at their write are never
   * queued; any other task sends a NOTIFY (and the poll interval claims anyway).
   */
  private mayBeQueued = true
  private notices = 0
  private unlisten: Promise<Unlisten | undefined> | undefined
  private ticker: NodeJS.Timeout | undefined
  private linger: NodeJS.Timeout | undefined
  private closed = false

  constructor(
    private readonly name: string,
    private readonly engine: Engine,
    private readonly database: Database,
    private readonly pollMs: number,
    private readonly onEmpty: () => void,
    private readonly onError: (err: unknown) => void,
  ) {}

  add(
    workerName: string | undefined,
    waitMs: number,
    options: PollOptions,
  ): Promise<ClaimedActivityTask | undefined> {
    return new Promise((resolve) => {
      const onAbort = () => finish(undefined)
      const waiter: Waiter = {
        workerName,
        done: false,
        claiming: false,
        expired: false,
        resolve: (task) => finish(task),
      }
      const finish = (task: ClaimedActivityTask | undefined) => {
        if (waiter.done) return
        waiter.done = true
        clearTimeout(timer)
        options.signal?.removeEventListener('abort', onAbort)
        const i = this.waiters.indexOf(waiter)
        if (i >= 0) this.waiters.splice(i, 1)
        resolve(task)
        this.maybeIdle()
      }
      const timer = setTimeout(() => {
        // A task claimed for this poll must reach it, else it would sit STARTED until its
        // heartbeat or timeout fires (and a task without either, forever).
        if (waiter.claiming) waiter.expired = true
        else finish(undefined)
      }, waitMs)
      options.signal?.addEventListener('abort', onAbort, { once: true })
      this.waiters.push(waiter)
      clearTimeout(this.linger)
      this.linger = undefined
      this.ensureListening()
      // A claim only when tasks may be queued: an idle poll must stay free for a hand-over.
      if (this.mayBeQueued) this.kick()
    })
  }

  reserve(): ReservedPoll | undefined {
    const waiter = this.waiters.find((w) => !w.done && !w.claiming)
    if (!waiter) return undefined
    // Like a claim: the poll's time running out waits for the task's write.
    waiter.claiming = true
    return {
      workerName: waiter.workerName,
      deliver: (task) => {
        waiter.claiming = false
        waiter.resolve(task)
      },
      release: () => {
        waiter.claiming = false
        if (waiter.expired) waiter.resolve(undefined)
        else this.kick()
      },
    }
  }

  async close(): Promise<void> {
    this.closed = true
    clearTimeout(this.linger)
    for (const w of [...this.waiters]) w.resolve(undefined)
    await this.stopListening()
  }

  private ensureListening(): void {
    if (this.unlisten || this.closed) return
    this.unlisten = this.database
      .listen(activityChannel(this.name), () => this.queued(), { onListening: () => this.queued() })
      .catch(() => undefined) // the poll ticker below still finds the tasks
    this.ticker = setInterval(() => this.queued(), this.pollMs)
    this.ticker.unref()
  }

  private async stopListening(): Promise<void> {
    clearInterval(this.ticker)
    this.ticker = undefined
    const unlisten = this.unlisten
    this.unlisten = undefined
    const stop = await unlisten
    await stop?.()
  }

  /**
   * With no poller left, keep listening a while (workers poll again right after an answer), then
   * let the queue go.
   */
  private maybeIdle(): void {
    if (this.waiters.length > 0 || this.claiming || this.closed || this.linger) return
    this.linger = setTimeout(() => {
      this.linger = undefined
      if (this.waiters.length > 0 || this.claiming || this.closed) return
      this.closed = true
      this.onEmpty()
      void this.stopListening()
    }, LINGER_MS)
    this.linger.unref()
  }

  /** Tasks may have been queued (a NOTIFY, or the poll interval passed): claim. */
  private queued(): void {
    this.notices++
    this.mayBeQueued = true
    this.kick()
  }

  /** Run a claim now, or right after the one in progress. */
  private kick(): void {
    this.wanted = true
    if (!this.claiming) void this.claimLoop()
  }

  private async claimLoop(): Promise<void> {
    this.claiming = true
    try {
      while (this.wanted) {
        this.wanted = false
        // Polls set aside for a hand-over (reserve) are not in a claim.
        const batch = this.waiters.filter((w) => !w.claiming)
        if (batch.length === 0) break
        for (const w of batch) w.claiming = true
        const notices = this.notices
        let claimed: ClaimedActivityTask[] = []
        let failed = false
        try {
          claimed = await this.engine.claimActivityTasks(
            this.name,
            batch.map((w) => w.workerName),
          )
        } catch (err) {
          // The database is away; the ticker tries again.
          this.onError(err)
          failed = true
        }
        batch.forEach((waiter, i) => {
          waiter.claiming = false
          // A poll whose client went away during the claim: its task is recovered by its
          // heartbeat or timeout, as on AWS.
          const task = claimed[i]
          if (task) waiter.resolve(task)
          else if (waiter.expired) waiter.resolve(undefined)
        })
        if (failed) break
        // Every poller was served: there may be more tasks for pollers still arriving.
        if (claimed.length === batch.length) this.wanted = true
        else if (notices === this.notices) this.mayBeQueued = false
      }
    } finally {
      this.claiming = false
      this.maybeIdle()
    }
  }
}
