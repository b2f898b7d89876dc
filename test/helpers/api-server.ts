// millrace as the e2e tests run it: the engine with the real HTTP dispatcher and the API (REST
// and the AWS JSON door, with the task-dispatch extension) listening on 127.0.0.1:0.
import type { FastifyInstance } from 'fastify'
import { pino } from 'pino'
import { buildApp } from '../../api/app.js'
import { taskDispatchExtension } from '../../api/routes/task-dispatch.js'
import { HttpDispatcher } from '../../engine/runtime/dispatch/http.js'
import { Engine } from '../../engine/runtime/engine.js'
import type * as service from '../../engine/service/index.js'
import type { Backend } from '../../engine/store/index.js'
import { openTestDatabase, type TestDatabase } from './database.js'

export interface ApiServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string
  readonly app: FastifyInstance
  readonly engine: Engine
  readonly ctx: service.ServiceContext
  readonly test: TestDatabase
  /** An AWS JSON 1.0 call (POST / with X-Amz-Target); throws `{ name, message }` on errors. */
  aws<T = Record<string, unknown>>(action: string, body: Record<string, unknown>): Promise<T>
  /** A REST call under /v1; answers the status and parsed body. */
  rest(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }>
  close(): Promise<void>
}

export interface ApiServerOptions {
  readonly timeScale?: number
  readonly allowedHosts?: readonly string[]
  /** The engine's and API's log level (default silent). */
  readonly logLevel?: 'silent' | 'warn' | 'info' | 'debug'
}

/**
 * @example
 * const api = await startApiServer('pglite')
 * await api.aws('CreateActivity', { name: 'resize' })
 */
export async function startApiServer(
  backend: Backend,
  options: ApiServerOptions = {},
): Promise<ApiServer> {
  const test = await openTestDatabase(backend, { migrate: true })
  const logger = pino({ level: options.logLevel ?? 'silent' })
  const dispatcher = new HttpDispatcher({
    database: test.database,
    logger,
    ...(options.allowedHosts ? { allowedHosts: options.allowedHosts } : {}),
  })
  await dispatcher.start()
  const engine = new Engine({
    database: test.database,
    logger,
    timeScale: options.timeScale ?? 1,
    pollIntervalMs: 100,
    pushHandler: dispatcher.handle,
  })
  await engine.start()
  const ctx: service.ServiceContext = { engine, database: test.database }
  const app = await buildApp({
    service: ctx,
    auth: { mode: 'off' },
    extensions: [taskDispatchExtension],
  })
  const url = await app.listen({ host: '127.0.0.1', port: 0 })
  return {
    url,
    app,
    engine,
    ctx,
    test,
    async aws<T>(action: string, body: Record<string, unknown>): Promise<T> {
      const res = await fetch(`${url}/`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-amz-json-1.0',
          'x-amz-target': `AWSStepFunctions.${action}`,
        },
        body: JSON.stringify(body),
      })
      const parsed = (await res.json()) as Record<string, unknown>
      if (!res.ok) {
        const type = typeof parsed['__type'] === 'string' ? parsed['__type'] : String(res.status)
        const message = typeof parsed['message'] === 'string' ? parsed['message'] : type
        throw Object.assign(new Error(message), {
          name: type.slice(type.lastIndexOf('#') + 1),
        })
      }
      return parsed as T
    },
    async rest(method, path, body) {
      const res = await fetch(`${url}/v1${path}`, {
        method,
        headers: body !== undefined ? { 'content-type': 'application/json' } : {},
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      })
      const text = await res.text()
      return { status: res.status, body: text === '' ? undefined : (JSON.parse(text) as unknown) }
    },
    async close() {
      await app.close()
      await engine.stop({ graceMs: 1000 })
      await dispatcher.close()
      await test.dispose()
    },
  }
}
