import { listFunctions as listPage } from '../store/functions.js'
import type { ServiceContext } from './context.js'
import { describeFunctionRow, type FunctionDescription } from './functions.js'
import { decodeToken, encodeToken, pageSize } from './pagination.js'

export interface ListFunctionsRequest {
  /** 1–1000; absent or 0 means 100. */
  readonly maxResults?: number | undefined
  readonly nextToken?: string | undefined
}

export interface ListFunctionsResponse {
  readonly functions: readonly FunctionDescription[]
  readonly nextToken?: string
}

/**
 * The registered functions in name order, a page at a time. Errors: ValidationException
 * (maxResults), InvalidToken (nextToken).
 *
 * @example
 * const { functions } = await listFunctions(ctx)
 */
export async function listFunctions(
  ctx: ServiceContext,
  request: ListFunctionsRequest = {},
): Promise<ListFunctionsResponse> {
  const limit = pageSize(request.maxResults)
  const after = decodeToken(
    request.nextToken,
    'functions',
    '',
    (a): a is string => typeof a === 'string',
  )
  const rows = await listPage(ctx.database.db, { after, limit: limit + 1 })
  const page = rows.slice(0, limit)
  const last = page[page.length - 1]
  return {
    functions: page.map((r) => describeFunctionRow(ctx, r)),
    ...(rows.length > limit && last ? { nextToken: encodeToken('functions', '', last.name) } : {}),
  }
}
