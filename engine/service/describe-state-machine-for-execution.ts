import { findRevision, findStateMachine } from '../store/state-machines.js'
import type { ServiceContext } from './context.js'
import { LOGGING_OFF, TRACING_OFF } from './describe-state-machine.js'
import { requireExecution } from './lookups.js'

export interface DescribeStateMachineForExecutionRequest {
  readonly executionArn: string
}

export interface DescribeStateMachineForExecutionResponse {
  readonly stateMachineArn: string
  readonly name: string
  /** The definition of the revision the execution runs on, which later updates do not change. */
  readonly definition: string
  readonly roleArn: string
  /** When that revision was made. */
  readonly updateDate: Date
  readonly revisionId: string
  readonly loggingConfiguration: typeof LOGGING_OFF
  readonly tracingConfiguration: typeof TRACING_OFF
}

/**
 * The state machine as the execution sees it, as AWS's DescribeStateMachineForExecution: the
 * revision it was pinned to when it started, even after UpdateStateMachine or DeleteStateMachine.
 *
 * Errors: InvalidArn, ExecutionDoesNotExist.
 *
 * @example
 * const { definition, revisionId } = await describeStateMachineForExecution(ctx, { executionArn })
 */
export async function describeStateMachineForExecution(
  ctx: ServiceContext,
  request: DescribeStateMachineForExecutionRequest,
): Promise<DescribeStateMachineForExecutionResponse> {
  const execution = await requireExecution(ctx, request.executionArn)
  const [revision, machine] = await Promise.all([
    findRevision(ctx.database.db, execution.revisionId),
    findStateMachine(ctx.database.db, execution.stateMachineName),
  ])
  if (!revision || !machine) {
    // Revisions and machines are never removed while an execution refers to them.
    throw new Error(`execution ${execution.arn} refers to a missing revision`)
  }
  return {
    stateMachineArn: ctx.engine.stateMachineArn(machine.name),
    name: machine.name,
    definition: revision.definition,
    roleArn: machine.roleArn,
    updateDate: revision.createdAt,
    revisionId: String(revision.revision),
    loggingConfiguration: LOGGING_OFF,
    tracingConfiguration: TRACING_OFF,
  }
}
