import type { Engine } from '../runtime/engine.js'
import type { Database } from '../store/index.js'

/**
 * What every use case runs against: the engine of this process (it makes decisions and ARNs) and
 * the store (for reads). The API builds one and passes it to each call.
 *
 * @example
 * const ctx: ServiceContext = { engine, database }
 * const { executionArn } = await startExecution(ctx, { stateMachineArn, input: '{"n":1}' })
 */
export interface ServiceContext {
  readonly engine: Engine
  readonly database: Database
}
