import { addRevision } from '../store/state-machines.js'
import { checkRoleArn } from './arns.js'
import { checkDefinition, definitionHash } from './check-definition.js'
import type { ServiceContext } from './context.js'
import { forgetStateMachine, requireStateMachine } from './lookups.js'
import { validationError } from './validation.js'

export interface UpdateStateMachineRequest {
  readonly stateMachineArn: string
  readonly definition?: string | undefined
  readonly roleArn?: string | undefined
}

export interface UpdateStateMachineResponse {
  /** When the revision now current was made. */
  readonly updateDate: Date
  /** The revision now current (DescribeStateMachine and DescribeStateMachineForExecution show it). */
  readonly revisionId: string
}

/**
 * Publishes a new immutable revision of a state machine, as AWS's UpdateStateMachine. New
 * executions start on it; executions already running stay on the revision they started with.
 * At least one of `definition` and `roleArn` is required (ValidationException). An update that
 * changes nothing makes no revision and answers the current one.
 *
 * Errors: InvalidArn, StateMachineDoesNotExist, StateMachineDeleting, InvalidDefinition.
 *
 * @example
 * const { revisionId } = await updateStateMachine(ctx, { stateMachineArn, definition: newText })
 */
export async function updateStateMachine(
  ctx: ServiceContext,
  request: UpdateStateMachineRequest,
): Promise<UpdateStateMachineResponse> {
  const hasDefinition = request.definition !== undefined && request.definition !== null
  const hasRole = request.roleArn !== undefined && request.roleArn !== null
  if (!hasDefinition && !hasRole) {
    throw validationError('definition', 'Member must not be null when roleArn is not given')
  }
  const definition = hasDefinition ? checkDefinition(request.definition) : undefined
  const roleArn = hasRole ? checkRoleArn(request.roleArn) : undefined

  const updated = await ctx.engine.transaction(async (trx) => {
    const { row } = await requireStateMachine(ctx, request.stateMachineArn, {
      executor: trx,
      forUpdate: true,
    })
    const nextDefinition = definition ?? row.revision.definition
    const nextRole = roleArn ?? row.roleArn
    if (nextDefinition === row.revision.definition && nextRole === row.roleArn) {
      return { updateDate: row.revision.createdAt, revisionId: String(row.revision.revision) }
    }
    const revision = await addRevision(trx, row.id, {
      definition: nextDefinition,
      definitionHash: definitionHash(nextDefinition),
      roleArn: nextRole,
    })
    return { updateDate: revision.createdAt, revisionId: String(revision.revision) }
  })
  forgetStateMachine(ctx, request.stateMachineArn)
  return updated
}
