import { randomUUID } from 'node:crypto'
import { jsonEquals } from '../asl/index.js'
import { MillraceError } from '../errors.js'
import { findExecution } from '../store/execution-queries.js'
import { parseStateMachineArn } from './arns.js'
import { checkName } from './check-name.js'
import type { ServiceContext } from './context.js'
import { stateMachineForStart } from './lookups.js'
import { parseJsonInput } from './parse-json-input.js'

export interface StartExecutionRequest {
  readonly stateMachineArn: string
  /** Unique per state machine; default a random UUID. Checked as AWS checks names. */
  readonly name?: string | undefined
  /** JSON text, at most 256 KiB; default `{}`. */
  readonly input?: string | undefined
}

export interface StartExecutionOptions {
  /**
   * Refuse a STANDARD state machine with StateMachineTypeNotSupported, before anything is
   * stored: AWS's StartSyncExecution runs EXPRESS state machines only.
   */
  readonly expressOnly?: boolean
}

export interface StartExecutionResponse {
  readonly executionArn: string
  readonly startDate: Date
}

/**
 * Starts an execution on the state machine's current revision, as AWS's StartExecution. The
 * execution is inserted and run to its first suspension (a task, a timer, its end) in one
 * transaction, and stays on that revision whatever updates follow.
 *
 * Idempotent as AWS: a second start with the same name and the same input while the first is
 * RUNNING answers the first one's executionArn and startDate. With another input, or once the
 * first has ended, it is ExecutionAlreadyExists.
 *
 * Errors: InvalidArn, StateMachineDoesNotExist, StateMachineDeleting, InvalidName,
 * InvalidExecutionInput, ValidationException (input over 256 KiB), ExecutionAlreadyExists, and
 * StateMachineTypeNotSupported with `expressOnly` on a STANDARD state machine.
 *
 * @example
 * const { executionArn } = await startExecution(ctx, { stateMachineArn, input: '{"orderId":42}' })
 */
export async function startExecution(
  ctx: ServiceContext,
  request: StartExecutionRequest,
  options: StartExecutionOptions = {},
): Promise<StartExecutionResponse> {
  // Checked in AWS's order: the ARN, then the name and input, then what the ARN names.
  parseStateMachineArn(ctx.engine, request.stateMachineArn)
  const name =
    request.name === undefined || request.name === null ? randomUUID() : checkName(request.name)
  const input = parseJsonInput(request.input)
  const machine = await stateMachineForStart(ctx, request.stateMachineArn)
  if (options.expressOnly === true && machine.type !== 'EXPRESS') {
    throw new MillraceError(
      'StateMachineTypeNotSupported',
      `StartSyncExecution runs EXPRESS state machines only; ${request.stateMachineArn} is ${machine.type}`,
      { stateMachineArn: request.stateMachineArn, type: machine.type },
    )
  }
  const executionArn = ctx.engine.executionArn(machine.name, name)

  const started = await ctx.engine.startExecution({
    stateMachineId: machine.id,
    stateMachineName: machine.name,
    roleArn: machine.roleArn,
    revisionId: machine.revision.id,
    definition: machine.revision.definition,
    name,
    input,
  })
  if (started) return { executionArn, startDate: started.startedAt }

  const existing = await findExecution(ctx.database.db, machine.name, name)
  if (existing && existing.status === 'RUNNING' && jsonEquals(existing.input, input)) {
    return { executionArn, startDate: existing.startedAt }
  }
  throw new MillraceError('ExecutionAlreadyExists', `Execution Already Exists: '${executionArn}'`, {
    executionArn,
  })
}
