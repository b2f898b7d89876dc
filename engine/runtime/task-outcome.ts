import type { InterpreterEvent, JsonValue } from '../asl/index.js'

/** How one task attempt ended, as a dispatcher, a worker or a timeout reports it. */
export type TaskOutcome =
  | { readonly kind: 'succeeded'; readonly output: JsonValue; readonly workerName?: string }
  | { readonly kind: 'failed'; readonly error?: string; readonly cause?: string }
  | { readonly kind: 'timed-out'; readonly heartbeat?: boolean; readonly cause?: string }

/** The interpreter event that reports a task attempt's outcome. */
export function outcomeEvent(taskId: string, outcome: TaskOutcome): InterpreterEvent {
  switch (outcome.kind) {
    case 'succeeded':
      return { kind: 'TaskSucceeded', taskId, output: outcome.output }
    case 'failed':
      return {
        kind: 'TaskFailed',
        taskId,
        ...(outcome.error !== undefined ? { error: outcome.error } : {}),
        ...(outcome.cause !== undefined ? { cause: outcome.cause } : {}),
      }
    case 'timed-out':
      return {
        kind: 'TaskTimedOut',
        taskId,
        heartbeat: outcome.heartbeat ?? false,
        ...(outcome.cause !== undefined ? { cause: outcome.cause } : {}),
      }
  }
}
