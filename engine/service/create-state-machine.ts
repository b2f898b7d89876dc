import { MillraceError } from '../errors.js'
import type { StateMachineType } from '../store/index.js'
import {
  insertStateMachine,
  findStateMachine,
  recreateStateMachine,
} from '../store/state-machines.js'
import { checkRoleArn } from './arns.js'
import { checkDefinition, definitionHash } from './check-definition.js'
import { checkName } from './check-name.js'
import type { ServiceContext } from './context.js'
import { stateMachineStatus } from './lookups.js'
import { validationError } from './validation.js'

export interface CreateStateMachineRequest {
  readonly name: string
  /** The Amazon States Language definition as JSON text (stored and returned verbatim). */
  readonly definition: string
  /** The IAM role executions run as. Optional here (AWS requires it); see {@link defaultRoleArn}. */
  readonly roleArn?: string | undefined
  readonly type?: StateMachineType | undefined
}

export interface CreateStateMachineResponse {
  readonly stateMachineArn: string
  readonly creationDate: Date
}

/**
 * Creates a state machine with its first revision, as AWS's CreateStateMachine.
 *
 * - `name` is checked as AWS checks it (InvalidName), `definition` by validateDefinition
 *   (InvalidDefinition, listing every ERROR), `roleArn` must be an IAM role ARN (InvalidArn).
 * - Idempotent as AWS: the same name, definition and type again answers the existing ARN and
 *   creation date. A different definition or type is StateMachineAlreadyExists. A different
 *   roleArn is ignored (AWS: "Step Functions will ignore these differences … roleArn … will not
 *   be updated").
 * - A name whose machine is being deleted (executions still running) is StateMachineDeleting;
 *   once deleted, the name can be used again and the ARN names the new machine.
 *
 * @example
 * const { stateMachineArn } = await createStateMachine(ctx, {
 *   name: 'hello',
 *   definition: '{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}',
 * })
 */
export async function createStateMachine(
  ctx: ServiceContext,
  request: CreateStateMachineRequest,
): Promise<CreateStateMachineResponse> {
  const name = checkName(request.name)
  const definition = checkDefinition(request.definition)
  const type = checkType(request.type)
  const roleArn =
    request.roleArn === undefined || request.roleArn === null
      ? defaultRoleArn(ctx)
      : checkRoleArn(request.roleArn)
  const stateMachineArn = ctx.engine.stateMachineArn(name)
  const machine = { name, type, roleArn, definition, definitionHash: definitionHash(definition) }

  return ctx.engine.transaction(async (trx) => {
    const inserted = await insertStateMachine(trx, machine)
    if (inserted) return { stateMachineArn, creationDate: inserted.createdAt }

    // The name is taken: the same machine again, another one, or a deleted one.
    const existing = await findStateMachine(trx, name, { forUpdate: true })
    if (!existing) throw new Error(`state machine ${name} conflicted but cannot be read`)
    const status = stateMachineStatus(existing)
    if (status === 'DELETING') {
      throw new MillraceError(
        'StateMachineDeleting',
        `State Machine is being deleted: '${stateMachineArn}'`,
        { stateMachineArn },
      )
    }
    if (status === undefined) {
      const recreated = await recreateStateMachine(trx, existing.id, machine)
      return { stateMachineArn, creationDate: recreated.createdAt }
    }
    if (existing.revision.definition === definition && existing.type === type) {
      return { stateMachineArn, creationDate: existing.createdAt }
    }
    throw new MillraceError(
      'StateMachineAlreadyExists',
      `State Machine Already Exists: '${stateMachineArn}'`,
      { stateMachineArn },
    )
  })
}

/** The role a state machine gets when the request names none. */
export function defaultRoleArn(ctx: ServiceContext): string {
  return `arn:aws:iam::${ctx.engine.accountId}:role/millrace`
}

function checkType(type: unknown): StateMachineType {
  if (type === undefined || type === null) return 'STANDARD'
  if (type === 'STANDARD' || type === 'EXPRESS') return type
  throw validationError('type', 'Member must satisfy enum value set: [STANDARD, EXPRESS]')
}
