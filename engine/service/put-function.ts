import { putFunction as storePut } from '../store/functions.js'
import type { ServiceContext } from './context.js'
import {
  checkFunctionName,
  checkFunctionUrl,
  checkHeaders,
  checkMaxConcurrency,
  checkTimeoutSeconds,
  describeFunctionRow,
  FUNCTIONS_CHANNEL,
  type FunctionDescription,
} from './functions.js'

export interface PutFunctionRequest {
  /** The function's name: `arn:aws:lambda:…:function:<name>` calls it. */
  readonly name: string
  /** Where its tasks are POSTed: an http:// or https:// URL. */
  readonly url: string
  /** 1–900; default 60. A call that takes longer fails with States.Timeout. */
  readonly timeoutSeconds?: number | undefined
  /** Extra request headers (e.g. an API key). */
  readonly headers?: Readonly<Record<string, string>> | undefined
  /** At most this many calls in flight per engine process (default: the dispatcher's). */
  readonly maxConcurrency?: number | undefined
}

export interface PutFunctionResponse {
  readonly function: FunctionDescription
  /** True when the name was new, false when an existing function was replaced. */
  readonly created: boolean
}

/**
 * Registers a function endpoint, or replaces the one of that name (PUT semantics). Engines pick
 * the change up at once (a NOTIFY drops their cached copy). The host is checked against the
 * dispatcher's allow-list when a task calls it, not here: engines may differ in what they allow.
 *
 * Errors: ValidationException (a bad name, URL, timeout, header or concurrency).
 *
 * @example
 * await putFunction(ctx, { name: 'echo', url: 'http://127.0.0.1:9000/echo', timeoutSeconds: 10 })
 */
export async function putFunction(
  ctx: ServiceContext,
  request: PutFunctionRequest,
): Promise<PutFunctionResponse> {
  const name = checkFunctionName(request.name)
  const fields = {
    url: checkFunctionUrl(request.url),
    timeoutSeconds: checkTimeoutSeconds(request.timeoutSeconds),
    headers: checkHeaders(request.headers),
    maxConcurrency: checkMaxConcurrency(request.maxConcurrency),
  }
  const { row, created } = await ctx.database.db.transaction().execute(async (trx) => {
    const result = await storePut(trx, name, fields)
    await ctx.database.notify(FUNCTIONS_CHANNEL, name, trx)
    return result
  })
  return { function: describeFunctionRow(ctx, row), created }
}
