import { hostname } from 'node:os'
import { ConnectionError, ServiceError, StepFunctionsClient, type Credentials } from './client.js'
import type { Fetch } from './keep-alive-fetch.js'
import { failureOf } from './task-failure.js'

/** What a handler gets besides the task's input. */
export interface TaskContext {
  /** The task's token (SendTaskSuccess/Failure/Heartbeat name the task by it). */
  readonly taskToken: string
  /**
   * Aborted when the task no longer needs doing: it timed out or its execution ended (a
   * heartbeat answered TaskTimedOut), or the worker is stopping and the grace ran out. Pass it
   * to fetch, child processes, streams … `signal.reason` says why.
   */
  readonly signal: AbortSignal
  /**
   * Tell the engine the task is alive (SendTaskHeartbeat). Cheap to call often: at most one
   * beat is in flight, and only the newest waiting one is sent after it.
   */
  heartbeat(): void
  readonly workerName: string
}

export type Handler<I, O> = (input: I, ctx: TaskContext) => Promise<O> | O

export interface WorkerOptions<I, O> {
  /** millrace's address, e.g. `http://127.0.0.1:8080` (the AWS JSON door, POST /). */
  readonly endpoint: string
  /** `arn:aws:states:<region>:<account>:activity:<name>` */
  readonly activityArn: string
  readonly handler: Handler<I, O>
  /** Tasks worked on at once (and polls kept open). Default 1. */
  readonly concurrency?: number
  /**
   * Send a heartbeat every this many seconds while a handler runs: keep it below the state's
   * HeartbeatSeconds. The answers are also how the worker learns that the engine gave a task up
   * (`ctx.signal` aborts). Default 10; 0 turns automatic heartbeats off (`ctx.heartbeat()` still
   * works).
   */
  readonly heartbeatSeconds?: number
  /** Shown in the execution's ActivityStarted event. Default `<hostname>-<pid>`. */
  readonly workerName?: string
  readonly credentials?: Credentials
  /** Back-off while the server cannot be reached: first and longest wait. Default 100 ms, 10 s. */
  readonly backoff?: { readonly initialMs?: number; readonly maxMs?: number }
  /** Called with what went wrong along the way (unreachable server, refused answers …). */
  readonly onError?: (err: Error) => void
  /**
   * What sends the requests: the global `fetch` or any function with its shape. Default:
   * node:http with keep-alive connections (a third of fetch's CPU time per call).
   */
  readonly fetch?: Fetch
}

export type WorkerState = 'RUNNING' | 'STOPPING' | 'DRAINING' | 'STOPPED'

export interface Worker {
  readonly state: WorkerState
  /** Tasks whose handler is running. */
  readonly active: number
  /**
   * Stop: no more polls (RUNNING → STOPPING), let running handlers finish (DRAINING); past
   * `graceMs` (default 30 s) their `ctx.signal` aborts and their tasks are failed with
   * `Worker.Stopped`, so Retry can send them elsewhere at once (STOPPED). Safe to call twice.
   */
  stop(options?: { graceMs?: number }): Promise<void>
  /**
   * `worker.stopOnSignals()`: SIGTERM and SIGINT call stop() once. Answers the worker.
   */
  stopOnSignals(options?: { graceMs?: number; signals?: readonly NodeJS.Signals[] }): Worker
  /** Resolves when the worker is STOPPED. */
  readonly stopped: Promise<void>
}

const DEFAULT_HEARTBEAT_SECONDS = 10

/** The error a task gets when the worker stopped before its handler finished. */
export const WORKER_STOPPED = 'Worker.Stopped'

/**
 * Starts a worker: `concurrency` loops, each long-polling GetActivityTask, running the handler
 * and answering with SendTaskSuccess (its result as JSON) or SendTaskFailure (a thrown error's
 * name and message, or a TaskFailure's error and cause).
 *
 * @example
 * const worker = createWorker<{ url: string }, { bytes: number }>({
 *   endpoint: 'http://127.0.0.1:8080',
 *   activityArn: 'arn:aws:states:us-east-1:000000000000:activity:download',
 *   heartbeatSeconds: 10,
 *   handler: async (input, ctx) => {
 *     const res = await fetch(input.url, { signal: ctx.signal })
 *     return { bytes: (await res.arrayBuffer()).byteLength }
 *   },
 * }).stopOnSignals()
 */
export function createWorker<I = unknown, O = unknown>(options: WorkerOptions<I, O>): Worker {
  return new ActivityWorker(options)
}

interface Running {
  readonly token: string
  readonly abort: AbortController
  /** The task was answered (or given up): nothing more is sent for it. */
  settled: boolean
}

class ActivityWorker<I, O> implements Worker {
  state: WorkerState = 'RUNNING'
  readonly stopped: Promise<void>
  private resolveStopped!: () => void
  private readonly client: StepFunctionsClient
  private readonly workerName: string
  private readonly pollAbort = new AbortController()
  private readonly running = new Set<Running>()
  /** Answers on their way: a loop polls again while its last answer is still being sent. */
  private readonly answering = new Set<Promise<boolean>>()
  private readonly loops: Promise<void>[]
  private stopping: Promise<void> | undefined

  constructor(private readonly options: WorkerOptions<I, O>) {
    this.client = new StepFunctionsClient({
      endpoint: options.endpoint,
      credentials: options.credentials,
      fetch: options.fetch,
    })
    this.workerName = options.workerName ?? `${hostname()}-${process.pid}`
    this.stopped = new Promise((resolve) => (this.resolveStopped = resolve))
    const n = Math.max(1, Math.floor(options.concurrency ?? 1))
    this.loops = Array.from({ length: n }, () => this.loop())
  }

  get active(): number {
    return this.running.size
  }

  stop(options: { graceMs?: number } = {}): Promise<void> {
    this.stopping ??= this.shutDown(options.graceMs ?? 30_000)
    return this.stopping
  }

  stopOnSignals(options: { graceMs?: number; signals?: readonly NodeJS.Signals[] } = {}): Worker {
    for (const signal of options.signals ?? ['SIGTERM', 'SIGINT']) {
      process.once(signal, () => {
        void this.stop(options.graceMs !== undefined ? { graceMs: options.graceMs } : {})
      })
    }
    return this
  }

  private async shutDown(graceMs: number): Promise<void> {
    this.state = 'STOPPING'
    this.pollAbort.abort()
    this.state = 'DRAINING'
    const drained = Promise.all(this.loops)
      .then(() => this.answersSent())
      .then(() => true)
    const timer = new Promise<boolean>((resolve) => {
      const t = setTimeout(() => resolve(false), graceMs)
      void drained.then(() => clearTimeout(t))
    })
    if (!(await Promise.race([drained, timer]))) {
      // Past the grace: abort the handlers and give their tasks back at once.
      await Promise.all(
        [...this.running].map(async (task) => {
          task.abort.abort(new WorkerStoppedError())
          if (task.settled) return
          task.settled = true
          await this.answer('SendTaskFailure', {
            taskToken: task.token,
            error: WORKER_STOPPED,
            cause: `worker ${this.workerName} stopped before the task finished`,
          })
        }),
      )
    }
    this.state = 'STOPPED'
    this.resolveStopped()
  }

  private async loop(): Promise<void> {
    let failures = 0
    while (this.state === 'RUNNING') {
      let task: { taskToken?: string; input?: string }
      try {
        task = await this.client.call<{ taskToken?: string; input?: string }>(
          'GetActivityTask',
          { activityArn: this.options.activityArn, workerName: this.workerName },
          this.pollAbort.signal,
        )
        failures = 0
      } catch (err) {
        if (this.state !== 'RUNNING') return
        this.report(err)
        failures++
        // ActivityDoesNotExist, AccessDenied …: nothing changes by asking again at once either.
        await this.sleep(this.backoff(failures))
        continue
      }
      if (task.taskToken === undefined || task.taskToken === '') continue
      await this.run(task.taskToken, task.input ?? 'null')
    }
  }

  private async run(token: string, inputText: string): Promise<void> {
    const task: Running = { token, abort: new AbortController(), settled: false }
    this.running.add(task)
    const beats = new Heartbeats(
      () => this.client.call('SendTaskHeartbeat', { taskToken: token }),
      task,
      (err) => this.report(err),
    )
    const every = this.options.heartbeatSeconds ?? DEFAULT_HEARTBEAT_SECONDS
    const timer = every > 0 ? setInterval(() => beats.beat(), every * 1000) : undefined
    try {
      let outcome: { ok: true; output: O } | { ok: false; err: unknown }
      try {
        const input = JSON.parse(inputText) as I
        const ctx: TaskContext = {
          taskToken: token,
          signal: task.abort.signal,
          heartbeat: () => beats.beat(),
          workerName: this.workerName,
        }
        outcome = { ok: true, output: await this.options.handler(input, ctx) }
      } catch (err) {
        outcome = { ok: false, err }
      }
      clearInterval(timer)
      if (task.settled) return
      task.settled = true
      if (task.abort.signal.aborted) return // timed out or cancelled: an answer would be refused
      // Sent while this loop polls for its next task, so the worker is back in the queue at once.
      if (outcome.ok) {
        const output = outcome.output === undefined ? null : outcome.output
        this.send('SendTaskSuccess', { taskToken: token, output: JSON.stringify(output) })
      } else {
        this.send('SendTaskFailure', { taskToken: token, ...failureOf(outcome.err) })
      }
    } finally {
      clearInterval(timer)
      this.running.delete(task)
    }
  }

  private send(action: string, body: Record<string, unknown>): void {
    const sent = this.answer(action, body)
    this.answering.add(sent)
    void sent.finally(() => this.answering.delete(sent))
  }

  /** Waits until every answer on its way has been sent (or given up). */
  private async answersSent(): Promise<void> {
    while (this.answering.size > 0) await Promise.all([...this.answering])
  }

  /**
   * Sends an answer, trying again while the server cannot be reached (a network cut): the answer
   * lands once it is back, or is refused (TaskTimedOut) if the task timed out meanwhile.
   */
  async answer(action: string, body: Record<string, unknown>): Promise<boolean> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.client.call(action, body)
        return true
      } catch (err) {
        this.report(err)
        if (!(err instanceof ConnectionError) || attempt >= 20) return false
        await this.sleep(this.backoff(attempt), false)
      }
    }
  }

  report(err: unknown): void {
    this.options.onError?.(err instanceof Error ? err : new Error(String(err)))
  }

  /** Full jitter: a random wait up to min(max, initial × 2^n). */
  private backoff(failures: number): number {
    const initial = this.options.backoff?.initialMs ?? 100
    const max = this.options.backoff?.maxMs ?? 10_000
    return Math.random() * Math.min(max, initial * 2 ** Math.min(failures, 20))
  }

  private sleep(ms: number, wakeOnStop = true): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(done, ms)
      const signal = this.pollAbort.signal
      function done() {
        clearTimeout(t)
        signal.removeEventListener('abort', done)
        resolve()
      }
      if (wakeOnStop) signal.addEventListener('abort', done, { once: true })
    })
  }
}

/** One beat in flight at most; the newest waiting beat is sent after it, older ones dropped. */
class Heartbeats {
  private inFlight = false
  private pending = false

  constructor(
    private readonly sendOne: () => Promise<unknown>,
    private readonly task: Running,
    private readonly report: (err: unknown) => void,
  ) {}

  beat(): void {
    if (this.task.settled || this.task.abort.signal.aborted) return
    if (this.inFlight) {
      this.pending = true
      return
    }
    void this.send()
  }

  private async send(): Promise<void> {
    this.inFlight = true
    try {
      do {
        this.pending = false
        try {
          await this.sendOne()
        } catch (err) {
          if (
            err instanceof ServiceError &&
            (err.name === 'TaskTimedOut' || err.name === 'TaskDoesNotExist')
          ) {
            // The engine has given the task up: stop working on it.
            this.task.abort.abort(new TaskTimedOutError())
            return
          }
          this.report(err)
        }
      } while (this.pending && !this.task.settled)
    } finally {
      this.inFlight = false
    }
  }
}

/** `ctx.signal.reason` when the engine no longer waits for the task. */
export class TaskTimedOutError extends Error {
  constructor() {
    super('The task timed out or its execution ended (TaskTimedOut)')
    this.name = 'TaskTimedOut'
  }
}

/** `ctx.signal.reason` when the worker stopped and the grace ran out. */
export class WorkerStoppedError extends Error {
  constructor() {
    super('The worker is stopping')
    this.name = 'WorkerStopped'
  }
}
