import { MillraceError } from '../errors.js'
import { findActivity } from '../store/activities.js'
import { describeActivityRow, type ActivityDescription } from './activities.js'
import { parseActivityArn } from './arns.js'
import type { ServiceContext } from './context.js'

export interface DescribeActivityRequest {
  readonly activityArn: string
}

export type DescribeActivityResponse = ActivityDescription

/**
 * Describes an activity, as AWS's DescribeActivity. Errors: InvalidArn, ActivityDoesNotExist.
 *
 * @example
 * const { name, creationDate } = await describeActivity(ctx, { activityArn })
 */
export async function describeActivity(
  ctx: ServiceContext,
  request: DescribeActivityRequest,
): Promise<DescribeActivityResponse> {
  const parsed = parseActivityArn(ctx.engine, request.activityArn)
  const row = parsed.local ? await findActivity(ctx.database.db, parsed.name) : undefined
  if (!row) throw activityDoesNotExist(parsed.arn)
  return describeActivityRow(ctx, row)
}

export function activityDoesNotExist(activityArn: string): MillraceError {
  return new MillraceError('ActivityDoesNotExist', `Activity Does Not Exist: '${activityArn}'`, {
    activityArn,
  })
}
