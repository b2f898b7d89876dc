import { deleteFunction as storeDelete } from '../store/functions.js'
import type { ServiceContext } from './context.js'
import { checkFunctionName, functionDoesNotExist, FUNCTIONS_CHANNEL } from './functions.js'

export interface DeleteFunctionRequest {
  readonly name: string
}

/**
 * Removes a function from the registry. Tasks that call it afterwards fail with
 * Lambda.ResourceNotFoundException; calls in flight finish. Errors: ValidationException,
 * FunctionDoesNotExist.
 *
 * @example
 * await deleteFunction(ctx, { name: 'echo' })
 */
export async function deleteFunction(
  ctx: ServiceContext,
  request: DeleteFunctionRequest,
): Promise<Record<string, never>> {
  const name = checkFunctionName(request.name)
  const deleted = await ctx.database.db.transaction().execute(async (trx) => {
    const found = await storeDelete(trx, name)
    if (found) await ctx.database.notify(FUNCTIONS_CHANNEL, name, trx)
    return found
  })
  if (!deleted) throw functionDoesNotExist(ctx, name)
  return {}
}
