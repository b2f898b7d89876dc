/**
 * Throw it from a handler to fail the task with an error name of your choosing: the state's
 * Retry and Catch match `error`, and `cause` is what they see as the cause.
 *
 * @example
 * throw new TaskFailure('Image.TooLarge', `the image has ${bytes} bytes; the limit is 50 MB`)
 */
export class TaskFailure extends Error {
  /** The error name Retry and Catch match (at most 256 characters). */
  readonly error: string
  /** At most 32,768 characters. */
  override readonly cause: string | undefined

  constructor(error: string, cause?: string) {
    super(cause === undefined ? error : `${error}: ${cause}`)
    this.name = 'TaskFailure'
    this.error = error
    this.cause = cause
  }
}

/**
 * What a thrown value becomes when it fails a task: a TaskFailure keeps its error and cause; any
 * other Error gives its name and message (`TypeError`, "x is undefined"); anything else is
 * `Error` with its text.
 */
export function failureOf(err: unknown): { error: string; cause?: string } {
  if (err instanceof TaskFailure || isTaskFailureLike(err)) {
    const f = err as { error: string; cause?: unknown }
    return { error: f.error, ...(typeof f.cause === 'string' ? { cause: f.cause } : {}) }
  }
  if (err instanceof Error) return { error: err.name || 'Error', cause: err.message }
  return { error: 'Error', cause: String(err) }
}

// Two copies of the SDK in one process break instanceof: look at the shape too.
function isTaskFailureLike(err: unknown): boolean {
  return (
    typeof err === 'object' &&
    err !== null &&
    (err as { name?: unknown }).name === 'TaskFailure' &&
    typeof (err as { error?: unknown }).error === 'string'
  )
}
