import { MillraceError } from '../errors.js'
import type { JsonValue } from '../store/index.js'
import type { ServiceContext } from './context.js'
import { MAX_PAYLOAD_BYTES } from './parse-json-input.js'
import {
  openTaskSeen,
  requireOpenTask,
  taskTimedOut,
  tokenHashOf,
  type TaskAnswerOptions,
} from './task-tokens.js'
import { isStorableText, requireString } from './validation.js'

export interface SendTaskSuccessRequest {
  readonly taskToken: string
  /** The task's result as JSON text, at most 256 KiB. */
  readonly output: string
}

/**
 * Answers a task (an activity task or a `.waitForTaskToken` task) with its result, as AWS's
 * SendTaskSuccess. Exactly one answer per attempt wins: a late, repeated or concurrent answer
 * is refused and changes nothing.
 *
 * Errors: ValidationException (lengths), InvalidToken (malformed token), InvalidOutput (not JSON),
 * TaskDoesNotExist (no task has the token), TaskTimedOut (the attempt is closed).
 *
 * @example
 * await sendTaskSuccess(ctx, { taskToken, output: '{"ok":true}' })
 */
export async function sendTaskSuccess(
  ctx: ServiceContext,
  request: SendTaskSuccessRequest,
  options: TaskAnswerOptions = {},
): Promise<Record<string, never>> {
  const tokenHash = tokenHashOf(request.taskToken)
  const output = parseOutput(request.output)
  const task = await requireOpenTask(ctx, tokenHash, options)
  const result = await ctx.engine.completeTask(
    task.executionId,
    task.id,
    { kind: 'succeeded', output },
    { tokenHash },
    task.kind === 'activity' ? { workerName: task.workerName ?? undefined } : undefined,
    openTaskSeen(task),
  )
  if (result !== 'applied') throw taskTimedOut()
  return {}
}

function parseOutput(value: unknown): JsonValue {
  const text = requireString(value, 'output', MAX_PAYLOAD_BYTES)
  if (Buffer.byteLength(text, 'utf8') > MAX_PAYLOAD_BYTES) {
    throw new MillraceError(
      'ValidationException',
      `1 validation error detected: Value at 'output' failed to satisfy constraint: Member must have length less than or equal to ${MAX_PAYLOAD_BYTES}`,
      { field: 'output' },
    )
  }
  let output: JsonValue
  try {
    output = JSON.parse(text) as JsonValue
  } catch (err) {
    throw new MillraceError('InvalidOutput', `Invalid Output: '${(err as Error).message}'`, {
      field: 'output',
    })
  }
  if (!storable(output)) {
    throw new MillraceError(
      'InvalidOutput',
      'Invalid Output: it holds \\u0000 or an unpaired surrogate, which cannot be stored',
      { field: 'output' },
    )
  }
  return output
}

/** Whether every string and key can be stored in jsonb (no NUL, no unpaired surrogate). */
function storable(value: JsonValue): boolean {
  if (typeof value === 'string') return isStorableText(value)
  if (Array.isArray(value)) return value.every(storable)
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).every(([k, v]) => isStorableText(k) && storable(v))
  }
  return true
}
