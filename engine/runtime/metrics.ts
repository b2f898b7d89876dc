import type { HistoryEvent } from '../asl/index.js'
import type { TaskOutcome } from './task-outcome.js'

/** The engine's loops that claim work from the database. */
export type ClaimLoop = 'timers' | 'leases' | 'activities'

/**
 * What the engine reports about itself, and nothing more: the engine calls these at fixed points
 * and never knows where the numbers go. The API's Prometheus registry (api/metrics.ts) is one
 * implementation; {@link NO_METRICS} is the default. Each call is on a hot path, so an
 * implementation only adds to counters and histograms it made beforehand: no allocation, no I/O.
 *
 * @example
 * const engine = new Engine({ database, logger, metrics: prometheus.engine })
 */
export interface EngineMetrics {
  /** A new execution was committed (a start answered by an existing execution is not counted). */
  executionStarted(): void
  /**
   * A decision committed: how many states it entered, and the execution's final status when it
   * ended the execution (SUCCEEDED, FAILED, TIMED_OUT, ABORTED).
   */
  decisionCommitted(stateTransitions: number, finalStatus: string | undefined): void
  /** A push or callback task's call to its endpoint answered, after `ms` milliseconds. */
  taskDispatched(kind: 'push' | 'callback', outcome: TaskOutcome['kind'], ms: number): void
  /** A timer was claimed `lagMs` milliseconds after it was due (by the database clock). */
  timerFired(lagMs: number): void
  /** One round of a claim loop (its transaction) took `ms` milliseconds. */
  claimRound(loop: ClaimLoop, ms: number): void
}

/** Reports nothing: the engine's default when no metrics are wanted. */
export const NO_METRICS: EngineMetrics = {
  executionStarted() {},
  decisionCommitted() {},
  taskDispatched() {},
  timerFired() {},
  claimRound() {},
}

/**
 * How many states the history events enter: AWS's "state transitions" (one per state entered,
 * inside Parallel branches and Map iterations too). Events are checked by the type's suffix, so
 * no list of state types has to be kept in step.
 *
 * @example
 * countStateTransitions([{ type: 'PassStateEntered', … }, { type: 'PassStateExited', … }]) // 1
 */
export function countStateTransitions(history: readonly HistoryEvent[]): number {
  let n = 0
  for (const event of history) if (event.type.endsWith('StateEntered')) n++
  return n
}
