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

/**
 * A payload inside history details. AWS sends payloads as JSON text; millrace keeps the JSON
 * value (no encoding on the interpreter's hot path, stored as jsonb as is) and the API writes it
 * out as text in AWS's shape (see toAwsHistoryEvent).
 */
export function payloadText(value: JsonValue): JsonValue {
  return value
}

const PAYLOAD_FIELDS = new Set(['input', 'output', 'parameters'])

/** The event exactly as AWS's GetExecutionHistory returns it: payloads as JSON text. */
export function toAwsHistoryEvent(event: HistoryEvent): Record<string, JsonValue> {
  const out: Record<string, JsonValue> = {}
  for (const [key, value] of Object.entries(event)) {
    if (
      key.endsWith('EventDetails') &&
      value !== null &&
      typeof value === 'object' &&
      !Array.isArray(value)
    ) {
      const details: Record<string, JsonValue> = {}
      for (const [k, v] of Object.entries(value)) {
        if (PAYLOAD_FIELDS.has(k)) details[k] = JSON.stringify(v)
        else details[k] = k === 'assignedVariables' ? assignedText(v) : v
      }
      out[key] = details
    } else out[key] = value
  }
  return out
}

/** AWS lists each assigned variable's value as JSON text: `{"x": "42", "s": "\"a\""}`. */
function assignedText(value: JsonValue): JsonValue {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value
  const out: Record<string, JsonValue> = {}
  for (const [name, v] of Object.entries(value)) out[name] = JSON.stringify(v)
  return out
}
