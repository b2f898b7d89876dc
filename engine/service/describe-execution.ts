import type { ExecutionStatus } from '../store/index.js'
import type { ServiceContext } from './context.js'
import { requireExecution } from './lookups.js'

export interface DescribeExecutionRequest {
  readonly executionArn: string
}

export interface DescribeExecutionResponse {
  readonly executionArn: string
  readonly stateMachineArn: string
  readonly name: string
  readonly status: ExecutionStatus
  readonly startDate: Date
  /** Present once the execution has ended. */
  readonly stopDate?: Date
  /** JSON text. */
  readonly input: string
  readonly inputDetails: { readonly included: true }
  /** JSON text; present when the execution SUCCEEDED. */
  readonly output?: string
  readonly outputDetails?: { readonly included: true }
  readonly error?: string
  readonly cause?: string
  readonly redriveCount: 0
}

/**
 * Describes an execution, as AWS's DescribeExecution: status, dates, input and output as JSON
 * text, and error and cause when it failed, timed out or was stopped. The JSON text is the
 * stored value written out compactly: key order and spacing of the original input are not kept.
 *
 * Errors: InvalidArn, ExecutionDoesNotExist.
 *
 * @example
 * const { status, output } = await describeExecution(ctx, { executionArn })
 * if (status === 'SUCCEEDED') console.log(JSON.parse(output ?? 'null'))
 */
export async function describeExecution(
  ctx: ServiceContext,
  request: DescribeExecutionRequest,
): Promise<DescribeExecutionResponse> {
  const e = await requireExecution(ctx, request.executionArn)
  const succeeded = e.status === 'SUCCEEDED'
  return {
    executionArn: e.arn,
    stateMachineArn: ctx.engine.stateMachineArn(e.stateMachineName),
    name: e.name,
    status: e.status,
    startDate: e.startedAt,
    ...(e.stoppedAt !== null ? { stopDate: e.stoppedAt } : {}),
    input: JSON.stringify(e.input),
    inputDetails: { included: true },
    ...(succeeded ? { output: JSON.stringify(e.output), outputDetails: { included: true } } : {}),
    ...(e.error !== null ? { error: e.error } : {}),
    ...(e.cause !== null ? { cause: e.cause } : {}),
    redriveCount: 0,
  }
}
