import type { StateMachineType } from '../store/index.js'
import { listStateMachines as listPage } from '../store/state-machines.js'
import type { ServiceContext } from './context.js'
import { decodeToken, encodeToken, isPositiveInteger, pageSize } from './pagination.js'

export interface ListStateMachinesRequest {
  /** 1–1000; absent or 0 means 100 (AWS). */
  readonly maxResults?: number | undefined
  readonly nextToken?: string | undefined
}

export interface StateMachineListItem {
  readonly stateMachineArn: string
  readonly name: string
  readonly type: StateMachineType
  readonly creationDate: Date
}

export interface ListStateMachinesResponse {
  readonly stateMachines: readonly StateMachineListItem[]
  /** Present when there are more: pass it back to get the next page. */
  readonly nextToken?: string
}

/**
 * Lists state machines (deleted ones excluded) in creation order, one page at a time, as AWS's
 * ListStateMachines. Pages are keyset pages, so a machine created while paging shows up on a
 * later page and none is listed twice.
 *
 * Errors: ValidationException (maxResults), InvalidToken (nextToken).
 *
 * @example
 * let page = await listStateMachines(ctx, { maxResults: 50 })
 * while (page.nextToken) page = await listStateMachines(ctx, { maxResults: 50, nextToken: page.nextToken })
 */
export async function listStateMachines(
  ctx: ServiceContext,
  request: ListStateMachinesRequest = {},
): Promise<ListStateMachinesResponse> {
  const limit = pageSize(request.maxResults)
  const after = decodeToken(request.nextToken, 'stateMachines', '', isPositiveInteger)
  // One more row than asked tells whether there is a next page without a count.
  const rows = await listPage(ctx.database.db, { after, limit: limit + 1 })
  const page = rows.slice(0, limit)
  const last = page[page.length - 1]
  return {
    stateMachines: page.map((r) => ({
      stateMachineArn: ctx.engine.stateMachineArn(r.name),
      name: r.name,
      type: r.type,
      creationDate: r.createdAt,
    })),
    ...(rows.length > limit && last
      ? { nextToken: encodeToken('stateMachines', '', last.id) }
      : {}),
  }
}
