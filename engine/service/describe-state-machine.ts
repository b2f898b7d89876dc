import type { StateMachineType } from '../store/index.js'
import type { ServiceContext } from './context.js'
import { requireStateMachine, type StateMachineStatus } from './lookups.js'

export interface DescribeStateMachineRequest {
  readonly stateMachineArn: string
}

/** Logging is not configurable in millrace; AWS always reports these two objects. */
export const LOGGING_OFF = { level: 'OFF', includeExecutionData: false } as const
export const TRACING_OFF = { enabled: false } as const

export interface DescribeStateMachineResponse {
  readonly stateMachineArn: string
  readonly name: string
  /** ACTIVE, or DELETING after DeleteStateMachine while executions of it still run. */
  readonly status: StateMachineStatus
  /** The current revision's definition, exactly as it was sent. */
  readonly definition: string
  readonly roleArn: string
  readonly type: StateMachineType
  readonly creationDate: Date
  /** The current revision: it changes with each UpdateStateMachine that changes something. */
  readonly revisionId: string
  readonly loggingConfiguration: typeof LOGGING_OFF
  readonly tracingConfiguration: typeof TRACING_OFF
}

/**
 * Describes a state machine and its current revision, as AWS's DescribeStateMachine.
 *
 * Errors: InvalidArn, StateMachineDoesNotExist (also once a deleted machine's executions have
 * all finished).
 *
 * @example
 * const { definition, revisionId, status } = await describeStateMachine(ctx, { stateMachineArn })
 */
export async function describeStateMachine(
  ctx: ServiceContext,
  request: DescribeStateMachineRequest,
): Promise<DescribeStateMachineResponse> {
  const { arn, status, row } = await requireStateMachine(ctx, request.stateMachineArn, {
    deleting: 'allow',
  })
  return {
    stateMachineArn: arn,
    name: row.name,
    status,
    definition: row.revision.definition,
    roleArn: row.roleArn,
    type: row.type,
    creationDate: row.createdAt,
    revisionId: String(row.revision.revision),
    loggingConfiguration: LOGGING_OFF,
    tracingConfiguration: TRACING_OFF,
  }
}
