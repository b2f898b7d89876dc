import { MillraceError } from '../errors.js'
import { EXECUTION_STATUSES, type ExecutionStatus } from '../store/index.js'
import { executionCounts, findRevision, listRevisions } from '../store/inspect.js'
import type { ServiceContext } from './context.js'
import { requireStateMachine } from './lookups.js'
import { validationError } from './validation.js'

export interface DescribeStateMachineSummaryRequest {
  readonly stateMachineArn: string
  /** How many revisions to list, newest first (1–100, default 20). */
  readonly maxRevisions?: number | undefined
}

export interface StateMachineSummary {
  readonly stateMachineArn: string
  readonly name: string
  /** The current revision's number. */
  readonly revision: number
  /** How many executions there are in each status (every status listed, 0 included). */
  readonly executionCounts: Readonly<Record<ExecutionStatus, number>>
  readonly revisions: readonly {
    readonly revision: number
    readonly creationDate: Date
    readonly executions: number
  }[]
}

/**
 * A state machine at a glance: its current revision, its executions counted by status and its
 * newest revisions with how many executions each ran.
 *
 * Errors: InvalidArn, StateMachineDoesNotExist, ValidationException.
 *
 * @example
 * const { executionCounts } = await describeStateMachineSummary(ctx, { stateMachineArn })
 * executionCounts.RUNNING // 3
 */
export async function describeStateMachineSummary(
  ctx: ServiceContext,
  request: DescribeStateMachineSummaryRequest,
): Promise<StateMachineSummary> {
  const max = request.maxRevisions ?? 20
  if (!Number.isInteger(max) || max < 1 || max > 100) {
    throw validationError('maxRevisions', 'Member must be an integer from 1 to 100')
  }
  const { arn, row } = await requireStateMachine(ctx, request.stateMachineArn, {
    deleting: 'allow',
  })
  const db = ctx.database.db
  const counts = await executionCounts(db, row.id)
  const revisions = await listRevisions(db, row.id, max)
  return {
    stateMachineArn: arn,
    name: row.name,
    revision: row.revision.revision,
    executionCounts: Object.fromEntries(
      EXECUTION_STATUSES.map((s) => [s, counts[s] ?? 0]),
    ) as Record<ExecutionStatus, number>,
    revisions: revisions.map((r) => ({
      revision: r.revision,
      creationDate: r.createdAt,
      executions: r.executions,
    })),
  }
}

export interface DescribeRevisionRequest {
  readonly stateMachineArn: string
  readonly revision: number
}

/**
 * One revision of a state machine with its definition text, as it was published.
 *
 * Errors: InvalidArn, StateMachineDoesNotExist, NotFound (no such revision).
 *
 * @example
 * const { definition } = await describeStateMachineRevision(ctx, { stateMachineArn, revision: 1 })
 */
export async function describeStateMachineRevision(
  ctx: ServiceContext,
  request: DescribeRevisionRequest,
): Promise<{ revision: number; creationDate: Date; definition: string }> {
  const { arn, row } = await requireStateMachine(ctx, request.stateMachineArn, {
    deleting: 'allow',
  })
  const found = await findRevision(ctx.database.db, row.id, request.revision)
  if (!found) {
    throw new MillraceError(
      'NotFound',
      `State machine '${arn}' has no revision ${request.revision}`,
    )
  }
  return { revision: found.revision, creationDate: found.createdAt, definition: found.definition }
}
