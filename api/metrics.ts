import {
  collectDefaultMetrics,
  Counter,
  Gauge,
  Histogram,
  Registry,
  type Counter as CounterType,
  type Histogram as HistogramType,
} from 'prom-client'
import type { ClaimLoop, EngineMetrics } from '../engine/runtime/metrics.js'
import type { TaskOutcome } from '../engine/runtime/task-outcome.js'
import type { Database } from '../engine/store/index.js'

export interface PrometheusMetricsOptions {
  /** Whose connections `millrace_db_connections` reports (read at each scrape). */
  readonly database: Database
  /**
   * Also report the process (CPU, memory, event loop lag, GC) with prom-client's default
   * metrics. `millrace serve` and `millrace dev` do; tests with several apps in one process
   * leave it off, since those metrics describe the process, not an app.
   */
  readonly processMetrics?: boolean
}

const FINAL_STATUSES = ['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'] as const
const OUTCOMES: readonly TaskOutcome['kind'][] = ['succeeded', 'failed', 'timed-out']
const LOOPS: readonly ClaimLoop[] = ['timers', 'leases', 'activities']

/**
 * The Prometheus side of the engine's metrics: one prom-client registry per instance (never the
 * global default registry, so several apps in one process each count their own), the
 * {@link EngineMetrics} the engine reports to, and the database pool read at scrape time.
 * Every labelled series is made up front, so a report is a lookup and an increment.
 *
 * @example
 * const metrics = new PrometheusMetrics({ database })
 * const engine = new Engine({ database, logger, metrics: metrics.engine })
 * const app = await buildApp({ service: { engine, database }, auth, metrics })
 * // GET /metrics → metrics.render()
 */
export class PrometheusMetrics {
  readonly registry = new Registry()
  readonly engine: EngineMetrics

  constructor(options: PrometheusMetricsOptions) {
    const register = [this.registry]
    const started = new Counter({
      name: 'millrace_executions_started_total',
      help: 'Executions started (inserted) by this process.',
      registers: register,
    })
    const finished = new Counter({
      name: 'millrace_executions_finished_total',
      help: 'Executions this process ended, by final status.',
      labelNames: ['status'],
      registers: register,
    })
    const finishedBy = new Map<string, CounterType.Internal>(
      FINAL_STATUSES.map((status) => [status, finished.labels(status)]),
    )
    const transitions = new Counter({
      name: 'millrace_state_transitions_total',
      help: "States entered by this process's decisions (AWS's state transitions).",
      registers: register,
    })
    const dispatch = new Histogram({
      name: 'millrace_task_dispatch_seconds',
      help: 'How long a push task (function endpoint) or .waitForTaskToken call took to answer, by task kind and outcome.',
      labelNames: ['kind', 'outcome'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers: register,
    })
    const dispatchBy = new Map(
      (['push', 'callback'] as const).map((kind) => [
        kind,
        new Map<string, HistogramType.Internal<'kind' | 'outcome'>>(
          OUTCOMES.map((outcome) => [outcome, dispatch.labels(kind, outcome)]),
        ),
      ]),
    )
    const timerLag = new Histogram({
      name: 'millrace_timer_lag_seconds',
      help: 'How late a timer (Wait, retry, timeout) was claimed after it was due, by the database clock.',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: register,
    })
    const claim = new Histogram({
      name: 'millrace_claim_round_seconds',
      help: 'How long one round of a claim loop took: timers (claim due timers and apply them), leases (take over abandoned push tasks), activities (hand tasks to pollers).',
      labelNames: ['loop'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: register,
    })
    const claimBy = new Map(LOOPS.map((loop) => [loop, claim.labels(loop)]))

    const { database } = options
    new Gauge({
      name: 'millrace_db_connections',
      help: 'Database connections of this process by state: in_use (lent to a query or transaction) or idle. PGlite is one session.',
      labelNames: ['state'],
      registers: register,
      collect() {
        const stats = database.poolStats()
        this.set({ state: 'in_use' }, stats.inUse)
        this.set({ state: 'idle' }, stats.idle)
      },
    })
    new Gauge({
      name: 'millrace_db_connections_max',
      help: 'The most database connections this process opens (LISTEN has one more of its own).',
      registers: register,
      collect() {
        this.set(database.poolStats().max)
      },
    })
    new Gauge({
      name: 'millrace_db_connections_waiting',
      help: 'Queries and transactions waiting for a database connection.',
      registers: register,
      collect() {
        this.set(database.poolStats().waiting)
      },
    })
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry })

    this.engine = {
      executionStarted: () => started.inc(),
      decisionCommitted: (stateTransitions, finalStatus) => {
        if (stateTransitions > 0) transitions.inc(stateTransitions)
        if (finalStatus !== undefined) {
          const child = finishedBy.get(finalStatus)
          if (child) child.inc()
          else finished.labels(finalStatus).inc()
        }
      },
      taskDispatched: (kind, outcome, ms) => {
        dispatchBy
          .get(kind)
          ?.get(outcome)
          ?.observe(ms / 1000)
      },
      timerFired: (lagMs) => timerLag.observe(Math.max(0, lagMs) / 1000),
      claimRound: (loop: ClaimLoop, ms: number) => claimBy.get(loop)?.observe(ms / 1000),
    }
  }

  /** The Content-Type of {@link render}'s text (Prometheus text format 0.0.4). */
  get contentType(): string {
    return this.registry.contentType
  }

  /** Every metric in Prometheus's text format. */
  render(): Promise<string> {
    return this.registry.metrics()
  }
}
