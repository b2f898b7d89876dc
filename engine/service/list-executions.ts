import { EXECUTION_STATUSES, type ExecutionStatus } from '../store/index.js'
import { listExecutions as listPage } from '../store/execution-queries.js'
import type { ServiceContext } from './context.js'
import { requireStateMachine } from './lookups.js'
import { decodeToken, encodeToken, isUuid, pageSize } from './pagination.js'
import { validationError } from './validation.js'

export interface ListExecutionsRequest {
  readonly stateMachineArn: string
  readonly statusFilter?: ExecutionStatus | undefined
  /** 1–1000; absent or 0 means 100 (AWS). */
  readonly maxResults?: number | undefined
  readonly nextToken?: string | undefined
}

export interface ExecutionListItem {
  readonly executionArn: string
  readonly stateMachineArn: string
  readonly name: string
  readonly status: ExecutionStatus
  readonly startDate: Date
  readonly stopDate?: Date
}

export interface ListExecutionsResponse {
  readonly executions: readonly ExecutionListItem[]
  /** Present when there are more: pass it back, with the same other arguments. */
  readonly nextToken?: string
}

/**
 * Lists a state machine's executions newest first, optionally of one status, one page at a time,
 * as AWS's ListExecutions. Keyset pages: walking them lists each execution once, in a stable
 * order, even while new executions start (those appear only on a fresh walk).
 *
 * Errors: InvalidArn, StateMachineDoesNotExist, ValidationException (statusFilter, maxResults),
 * InvalidToken (a nextToken from another listing or not from millrace).
 *
 * @example
 * const { executions, nextToken } = await listExecutions(ctx, { stateMachineArn, statusFilter: 'RUNNING' })
 */
export async function listExecutions(
  ctx: ServiceContext,
  request: ListExecutionsRequest,
): Promise<ListExecutionsResponse> {
  const status = checkStatus(request.statusFilter)
  const limit = pageSize(request.maxResults)
  const { arn, row: machine } = await requireStateMachine(ctx, request.stateMachineArn, {
    deleting: 'allow',
  })
  const scope = `${machine.id}:${status ?? ''}`
  const after = decodeToken(request.nextToken, 'executions', scope, isUuid)
  const rows = await listPage(ctx.database.db, {
    stateMachineId: machine.id,
    status,
    after,
    limit: limit + 1,
  })
  const page = rows.slice(0, limit)
  const last = page[page.length - 1]
  return {
    executions: page.map((r) => ({
      executionArn: ctx.engine.executionArn(machine.name, r.name),
      stateMachineArn: arn,
      name: r.name,
      status: r.status,
      startDate: r.startedAt,
      ...(r.stoppedAt !== null ? { stopDate: r.stoppedAt } : {}),
    })),
    ...(rows.length > limit && last
      ? { nextToken: encodeToken('executions', scope, last.id) }
      : {}),
  }
}

function checkStatus(value: unknown): ExecutionStatus | undefined {
  if (value === undefined || value === null) return undefined
  if (EXECUTION_STATUSES.includes(value as ExecutionStatus)) return value as ExecutionStatus
  throw validationError(
    'statusFilter',
    `Member must satisfy enum value set: [${EXECUTION_STATUSES.join(', ')}]`,
  )
}
