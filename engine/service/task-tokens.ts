import { MillraceError } from '../errors.js'
import { hashToken } from '../runtime/tokens.js'
import { findTaskByToken, type TokenTask } from '../store/activities.js'
import type { ServiceContext } from './context.js'
import { requireString } from './validation.js'

/**
 * Task tokens as SendTaskSuccess/Failure/Heartbeat receive them. millrace's tokens are 256
 * random bits in base64url (43 characters); the database keeps only their SHA-256.
 *
 * - not a string of AWS's length (1–2048): ValidationException
 * - not the shape of a millrace token: InvalidToken (a forged or mangled token)
 * - well formed, but no task has it: TaskDoesNotExist
 * - the task's attempt is closed (answered, timed out, cancelled): TaskTimedOut
 */
const TOKEN = /^[A-Za-z0-9_-]{43}$/
export const MAX_TOKEN_LENGTH = 2048

/** The hash of a well-formed token; throws ValidationException or InvalidToken. */
export function tokenHashOf(value: unknown): string {
  const token = requireString(value, 'taskToken', MAX_TOKEN_LENGTH)
  if (!TOKEN.test(token)) {
    throw new MillraceError('InvalidToken', 'Invalid Token: the task token is malformed', {
      field: 'taskToken',
    })
  }
  return hashToken(token)
}

/**
 * Options of the SendTask* use cases. `authorize` sees the task a token names before anything
 * changes (the API checks a worker key's activity there) and throws to refuse.
 */
export interface TaskAnswerOptions {
  readonly authorize?: (task: { readonly activityName: string | null }) => void
}

/**
 * The open task a token names; throws TaskDoesNotExist or TaskTimedOut. A task this process
 * handed to a poller is not read (the answer's write checks it is still open).
 */
export async function requireOpenTask(
  ctx: ServiceContext,
  tokenHash: string,
  options: TaskAnswerOptions = {},
): Promise<TokenTask> {
  const task =
    ctx.engine.claimedTask(tokenHash) ?? (await findTaskByToken(ctx.database.db, tokenHash))
  if (!task) throw taskDoesNotExist()
  options.authorize?.(task)
  if (task.status !== 'SCHEDULED' && task.status !== 'STARTED') throw taskTimedOut()
  return task
}

/** What the engine may assume of an open task when it decides its answer (it checks again). */
export function openTaskSeen(task: TokenTask): {
  frameId: string
  status: 'SCHEDULED' | 'STARTED'
  hasTimers: boolean
} {
  return {
    frameId: task.frameId,
    status: task.status === 'SCHEDULED' ? 'SCHEDULED' : 'STARTED',
    hasTimers: task.hasTimers,
  }
}

export function taskDoesNotExist(): MillraceError {
  return new MillraceError('TaskDoesNotExist', 'Task Does Not Exist: no task has this token', {
    field: 'taskToken',
  })
}

export function taskTimedOut(): MillraceError {
  return new MillraceError(
    'TaskTimedOut',
    'Task Timed Out: the task has timed out, was answered already or its execution ended',
    { field: 'taskToken' },
  )
}
