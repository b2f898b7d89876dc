import {
  compileMachine,
  type HistoryEvent,
  type JsonObject,
  type JsonValue,
} from '../../engine/asl/index.js'
import {
  runInMemory,
  type InMemoryResult,
  type TaskHandler,
} from '../../engine/runtime/run-in-memory.js'

/**
 * Helpers shared by the JSONata and variables tests: run a definition in memory with fixed ids,
 * randomness and clock, and small builders for one-state machines.
 */

export const START = Date.UTC(2024, 0, 1)

/** An identity task: the task's input is its result. */
export const echo: TaskHandler = (task) => ({ kind: 'succeeded', output: task.input })

/** A task that fails with the given error and cause. */
export function failing(error: string, cause: string): TaskHandler {
  return () => ({ kind: 'failed', error, cause })
}

export async function run(
  definition: JsonObject,
  input: JsonValue = {},
  handler: TaskHandler = echo,
): Promise<InMemoryResult> {
  let n = 0
  return runInMemory(compileMachine(definition), input, {
    handler,
    startTime: START,
    uuid: () => `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`,
    random: () => 0.25,
  })
}

/** A JSONata machine of the given states (the first one starts). */
export function jsonata(states: JsonObject): JsonObject {
  return { QueryLanguage: 'JSONata', StartAt: Object.keys(states)[0] as string, States: states }
}

/** A JSONPath machine of the given states (the first one starts). */
export function jsonpath(states: JsonObject): JsonObject {
  return { StartAt: Object.keys(states)[0] as string, States: states }
}

/** A one-state JSONata machine whose Pass state outputs `output`. */
export function passOutput(output: JsonValue): JsonObject {
  return jsonata({ P: { Type: 'Pass', Output: output, End: true } })
}

export function types(history: readonly HistoryEvent[]): string[] {
  return history.map((e) => e.type)
}

/** The details of the first event of a type. */
export function details(history: readonly HistoryEvent[], type: string): JsonObject | undefined {
  const event = history.find((e) => e.type === type)
  if (!event) return undefined
  const key = Object.keys(event).find((k) => k.endsWith('EventDetails'))
  return key === undefined ? undefined : (event[key] as JsonObject)
}

/** `assignedVariables` of every …StateExited event, by state name. */
export function assignments(history: readonly HistoryEvent[]): Record<string, JsonValue> {
  const out: Record<string, JsonValue> = {}
  for (const e of history) {
    if (!e.type.endsWith('StateExited')) continue
    const d = e['stateExitedEventDetails'] as JsonObject
    if (d['assignedVariables'] !== undefined) out[d['name'] as string] = d['assignedVariables']
  }
  return out
}

/** The cause AWS prefixes to failures of a state entered at event `id`. */
export function prefix(state: string, id: number): string {
  return `An error occurred while executing the state '${state}' (entered at the event id #${id}). `
}
