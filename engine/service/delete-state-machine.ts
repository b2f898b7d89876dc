import { findStateMachine, markStateMachineDeleted } from '../store/state-machines.js'
import { parseStateMachineArn } from './arns.js'
import type { ServiceContext } from './context.js'
import { forgetStateMachine } from './lookups.js'
import { validationError } from './validation.js'

export interface DeleteStateMachineRequest {
  readonly stateMachineArn: string
}

/**
 * Deletes a state machine, as AWS's DeleteStateMachine: executions of it that are running go on
 * to their end, and the machine is DELETING until they have (DescribeStateMachine shows it;
 * StartExecution and UpdateStateMachine answer StateMachineDeleting). Then it is gone:
 * StateMachineDoesNotExist, and its name can be used again. The executions stay readable.
 *
 * Deleting a machine that does not exist, or twice, succeeds: AWS's DeleteStateMachine has no
 * StateMachineDoesNotExist error. Errors: InvalidArn (a malformed ARN), ValidationException (a
 * version or alias ARN).
 *
 * @example
 * await deleteStateMachine(ctx, { stateMachineArn })
 */
export async function deleteStateMachine(
  ctx: ServiceContext,
  request: DeleteStateMachineRequest,
): Promise<Record<string, never>> {
  const parsed = parseStateMachineArn(ctx.engine, request.stateMachineArn)
  if (parsed.qualifier !== undefined) {
    // AWS: "If the given state machine ARN is a qualified state machine ARN, it will fail with
    // ValidationException."
    throw validationError('stateMachineArn', 'Member must be an unqualified state machine ARN')
  }
  if (!parsed.local) return {}
  await ctx.engine.transaction(async (trx) => {
    const row = await findStateMachine(trx, parsed.name, { forUpdate: true })
    if (row) await markStateMachineDeleted(trx, row.id)
  })
  forgetStateMachine(ctx, parsed.arn)
  return {}
}
