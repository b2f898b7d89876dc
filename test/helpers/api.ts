// The API over a test database: buildApp() on a service harness, for inject() contract tests
// and for real-socket tests (listening on 127.0.0.1:0), plus request helpers for both doors.
import { Writable } from 'node:stream'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { pino } from 'pino'
import { buildApp, type AppOptions } from '../../api/app.js'
import type { AuthConfig } from '../../api/auth/index.js'
import type { Backend } from '../../engine/store/index.js'
import { openServiceHarness, type ServiceHarness } from './service.js'

export interface ApiHarness extends ServiceHarness {
  readonly app: FastifyInstance
  /** Every log line the app wrote (JSON text), for asserting what is and is not logged. */
  readonly logs: string[]
  close(): Promise<void>
}

/**
 * A started engine on a fresh database and the app on it (not listening). Auth is off unless
 * `auth` says otherwise. Logs go to `logs` at debug level.
 *
 * @example
 * const api = await openApiHarness('pglite')
 * const res = await api.app.inject({ method: 'GET', url: '/v1/state-machines' })
 */
export async function openApiHarness(
  backend: Backend,
  options: { auth?: AuthConfig } & Partial<Omit<AppOptions, 'service' | 'auth'>> = {},
): Promise<ApiHarness> {
  const h = await openServiceHarness(backend)
  await h.engine.start()
  const logs: string[] = []
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logs.push(chunk.toString('utf8'))
      done()
    },
  })
  const app = await buildApp({
    logger: pino({ level: 'debug' }, sink),
    ...options,
    service: h.ctx,
    auth: options.auth ?? { mode: 'off' },
  })
  return {
    ...h,
    app,
    logs,
    async close() {
      await app.close()
      await h.engine.stop()
      await h.test.dispose()
    },
  }
}

/** A request to the AWS JSON door through inject(). */
export function awsInject(
  app: FastifyInstance,
  action: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<LightMyRequestResponse> {
  return app.inject({
    method: 'POST',
    url: '/',
    headers: {
      'x-amz-target': `AWSStepFunctions.${action}`,
      'content-type': 'application/x-amz-json-1.0',
      ...headers,
    },
    payload: typeof body === 'string' ? body : JSON.stringify(body),
  })
}

/**
 * Row counts of every table the API can write: equal before and after a refused request means
 * the request stored nothing.
 */
export async function tableCounts(h: ServiceHarness): Promise<Record<string, number>> {
  const tables = [
    'state_machines',
    'state_machine_revisions',
    'executions',
    'frames',
    'history_events',
    'tasks',
    'timers',
  ] as const
  const counts: Record<string, number> = {}
  for (const table of tables) {
    const row = await h.test.database.db
      .selectFrom(table)
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow()
    counts[table] = Number(row.n)
  }
  return counts
}
