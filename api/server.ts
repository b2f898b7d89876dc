import type { FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import { Engine } from '../engine/runtime/engine.js'
import { migrate, openDatabase, type Database } from '../engine/store/index.js'
import { buildApp, type Limits } from './app.js'
import type { AuthConfig } from './auth/index.js'
import { PrometheusMetrics } from './metrics.js'
import { setUpTaskDispatch } from './routes/task-dispatch.js'

export interface ServerOptions {
  readonly host: string
  readonly port: number
  /** A PostgreSQL server; absent: the embedded database under `dataDir`. */
  readonly databaseUrl?: string | undefined
  readonly dataDir?: string | undefined
  readonly auth: AuthConfig
  readonly logger: Logger
  readonly limits?: Partial<Limits>
  readonly engineId?: string | undefined
  /** Serve `/metrics` without a credential (MILLRACE_METRICS_AUTH=off). */
  readonly publicMetrics?: boolean
}

export interface RunningServer {
  /** `http://127.0.0.1:8080` */
  readonly url: string
  readonly app: FastifyInstance
  readonly engine: Engine
  readonly database: Database
  /** Stops accepting requests, lets those in flight finish, stops the engine, closes the database. */
  close(): Promise<void>
}

/**
 * The engine and the API in one process: open and migrate the database, start an engine, listen.
 * `millrace serve` and `millrace dev` run it.
 *
 * @example
 * const server = await startServer({ host: '127.0.0.1', port: 8080, auth: { mode: 'off' }, logger })
 * // … later
 * await server.close()
 */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const log = options.logger
  const database = await openDatabase({
    databaseUrl: options.databaseUrl,
    dataDir: options.dataDir,
    applicationName: 'millrace serve',
  })
  let engine: Engine | undefined
  let dispatch: Awaited<ReturnType<typeof setUpTaskDispatch>> | undefined
  try {
    await migrate(database)
    // Push tasks go to function endpoints over HTTP (MILLRACE_CONFIG, MILLRACE_ALLOWED_HOSTS).
    dispatch = await setUpTaskDispatch({ database, logger: log, env: process.env })
    const metrics = new PrometheusMetrics({ database, processMetrics: true })
    engine = new Engine({
      database,
      logger: log,
      metrics: metrics.engine,
      pushHandler: dispatch.pushHandler,
      ...(options.engineId !== undefined ? { engineId: options.engineId } : {}),
    })
    await engine.start()
    await dispatch.applyConfig({ engine, database })
    const app = await buildApp({
      service: { engine, database },
      auth: options.auth,
      logger: log,
      metrics,
      ...(options.publicMetrics ? { publicMetrics: true } : {}),
      ...(options.limits ? { limits: options.limits } : {}),
    })
    const url = await app.listen({ host: options.host, port: options.port })
    const running = engine
    const dispatcher = dispatch
    return {
      url,
      app,
      engine: running,
      database,
      async close() {
        await app.close()
        await running.stop()
        await dispatcher.close()
        await database.close()
      },
    }
  } catch (err) {
    await engine?.stop()
    await dispatch?.close()
    await database.close()
    throw err
  }
}
