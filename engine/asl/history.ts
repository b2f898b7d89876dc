import type { JsonValue } from './json.js'

/**
 * One history event in AWS's HistoryEvent shape: `id`, `previousEventId`, `type`, `timestamp`
 * and one `<type>EventDetails` object (`stateEnteredEventDetails`, `taskScheduledEventDetails` …).
 * Inputs and outputs inside details are JSON text, as AWS sends them.
 *
 * AWS: API reference, "HistoryEvent".
 */
export interface HistoryEvent {
  readonly id: number
  readonly previousEventId: number
  readonly type: string
  /** Milliseconds since the epoch (env.now when the event was made). */
  readonly timestamp: number
  readonly [detailsKey: string]: JsonValue
}

const STATE_EVENT = /^(Pass|Task|Choice|Wait|Succeed|Fail|Parallel|Map)State(Entered|Exited)$/

/** The details key AWS uses for an event type: PassStateEntered → stateEnteredEventDetails. */
export function detailsKey(type: string): string | undefined {
  const state = STATE_EVENT.exec(type)
  if (state) return state[2] === 'Entered' ? 'stateEnteredEventDetails' : 'stateExitedEventDetails'
  if (NO_DETAILS.has(type)) return undefined
  return type.charAt(0).toLowerCase() + type.slice(1) + 'EventDetails'
}

const NO_DETAILS = new Set([
  'LambdaFunctionStarted',
  'ParallelStateStarted',
  'ParallelStateSucceeded',
  'ParallelStateFailed',
  'ParallelStateAborted',
  'MapStateSucceeded',
  'MapStateFailed',
  'MapStateAborted',
  'PassStateAborted',
  'TaskStateAborted',
  'WaitStateAborted',
  'ChoiceStateAborted',
  'SucceedStateAborted',
  'FailStateAborted',
])

/** The `inputDetails`/`outputDetails` AWS attaches to payload text. */
export const NOT_TRUNCATED = { truncated: false } as const

/** JSON text of a payload as it appears in history details. */
export function payloadText(value: JsonValue): string {
  return JSON.stringify(value)
}
