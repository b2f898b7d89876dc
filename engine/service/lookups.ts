import { MillraceError } from '../errors.js'
import type { ExecutionRow } from '../store/execution-queries.js'
import { findExecution } from '../store/execution-queries.js'
import type { Executor } from '../store/index.js'
import { findStateMachine, type StateMachineRow } from '../store/state-machines.js'
import { parseExecutionArn, parseStateMachineArn } from './arns.js'
import type { ServiceContext } from './context.js'

/**
 * Finding what an ARN names, with AWS's answers when it names nothing. Shared by the use cases.
 *
 * A deleted state machine is DELETING while executions of it still run (they finish, as on
 * AWS), and gone (StateMachineDoesNotExist) once none do.
 */

export type StateMachineStatus = 'ACTIVE' | 'DELETING'

export interface FoundStateMachine {
  readonly arn: string
  readonly status: StateMachineStatus
  readonly row: StateMachineRow
}

/** How long a start may use a state machine row read earlier by this process. */
const START_CACHE_MS = 1000
const startCache = new WeakMap<object, Map<string, { row: StateMachineRow; at: number }>>()

/**
 * The active state machine a StartExecution names. AWS documents that "executions started
 * immediately after calling UpdateStateMachine may use the previous state machine definition",
 * so a start may use a row this process read up to a second ago, which saves a query on the hot
 * path; changes made through this process are seen at once (forgetStateMachine). A deleted or
 * missing machine is always read fresh.
 */
export async function stateMachineForStart(
  ctx: ServiceContext,
  arnValue: unknown,
): Promise<StateMachineRow> {
  const cache =
    startCache.get(ctx.database) ?? new Map<string, { row: StateMachineRow; at: number }>()
  startCache.set(ctx.database, cache)
  const hit = typeof arnValue === 'string' ? cache.get(arnValue) : undefined
  if (hit && Date.now() - hit.at < START_CACHE_MS) return hit.row
  const { arn, status, row } = await requireStateMachine(ctx, arnValue)
  if (status === 'ACTIVE') {
    cache.set(arn, { row, at: Date.now() })
    if (cache.size > 1000) cache.delete(cache.keys().next().value as string)
  }
  return row
}

/** Drop a state machine from the start cache (after it is updated or deleted here). */
export function forgetStateMachine(ctx: ServiceContext, arn: string): void {
  startCache.get(ctx.database)?.delete(arn)
}

/**
 * The state machine an ARN names. Throws InvalidArn for a malformed ARN, StateMachineDoesNotExist
 * when it names nothing, and StateMachineDeleting when it is being deleted unless `deleting` is
 * `'allow'`.
 *
 * @example
 * const { row } = await requireStateMachine(ctx, request.stateMachineArn)
 */
export async function requireStateMachine(
  ctx: ServiceContext,
  arnValue: unknown,
  options: { deleting?: 'allow' | 'refuse'; executor?: Executor; forUpdate?: boolean } = {},
): Promise<FoundStateMachine> {
  const parsed = parseStateMachineArn(ctx.engine, arnValue)
  const row = parsed.local
    ? await findStateMachine(options.executor ?? ctx.database.db, parsed.name, {
        forUpdate: options.forUpdate ?? false,
      })
    : undefined
  const status = stateMachineStatus(row)
  if (!row || status === undefined) throw stateMachineDoesNotExist(parsed.arn)
  if (status === 'DELETING' && options.deleting !== 'allow') {
    throw new MillraceError(
      'StateMachineDeleting',
      `State Machine is being deleted: '${parsed.arn}'`,
      {
        stateMachineArn: parsed.arn,
      },
    )
  }
  return { arn: parsed.arn, status, row }
}

/** ACTIVE, DELETING, or undefined for a machine that is gone (or absent). */
export function stateMachineStatus(
  row: StateMachineRow | undefined,
): StateMachineStatus | undefined {
  if (!row) return undefined
  if (row.deletedAt === null) return 'ACTIVE'
  return row.running ? 'DELETING' : undefined
}

export function stateMachineDoesNotExist(arn: string): MillraceError {
  return new MillraceError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`, {
    stateMachineArn: arn,
  })
}

/**
 * The execution an ARN names. Throws InvalidArn for a malformed ARN and ExecutionDoesNotExist
 * when it names nothing. Executions of a deleted state machine stay readable.
 *
 * @example
 * const execution = await requireExecution(ctx, request.executionArn)
 */
export async function requireExecution(
  ctx: ServiceContext,
  arnValue: unknown,
): Promise<ExecutionRow & { readonly arn: string }> {
  const parsed = parseExecutionArn(ctx.engine, arnValue)
  const row = parsed.local
    ? await findExecution(ctx.database.db, parsed.stateMachineName, parsed.executionName)
    : undefined
  if (!row) {
    throw new MillraceError('ExecutionDoesNotExist', `Execution Does Not Exist: '${parsed.arn}'`, {
      executionArn: parsed.arn,
    })
  }
  return { ...row, arn: parsed.arn }
}
