import { findFunction } from '../store/functions.js'
import type { ServiceContext } from './context.js'
import {
  checkFunctionName,
  describeFunctionRow,
  functionDoesNotExist,
  type FunctionDescription,
} from './functions.js'

export interface GetFunctionRequest {
  /** The name, or a Lambda function ARN. */
  readonly name: string
}

/**
 * A registered function. Errors: ValidationException (a bad name), FunctionDoesNotExist.
 *
 * @example
 * const { url } = await getFunction(ctx, { name: 'echo' })
 */
export async function getFunction(
  ctx: ServiceContext,
  request: GetFunctionRequest,
): Promise<FunctionDescription> {
  const name = checkFunctionName(request.name)
  const row = await findFunction(ctx.database.db, name)
  if (!row) throw functionDoesNotExist(ctx, name)
  return describeFunctionRow(ctx, row)
}
