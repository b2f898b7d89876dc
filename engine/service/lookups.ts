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
