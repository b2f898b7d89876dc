import { randomBytes } from 'node:crypto'
import { parseArgs } from 'node:util'
import type { Logger } from 'pino'
import { authConfigFromEnv, hashKey, type AuthConfig } from '../auth/index.js'
import { startServer } from '../server.js'

/**
 * `millrace serve [--port 8080] [--host 127.0.0.1]`: engine and API against DATABASE_URL (or
 * the embedded database when it is not set), with authentication required unless
 * MILLRACE_AUTH=off.
 */
export async function serve(args: string[], log: Logger): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { port: { type: 'string' }, host: { type: 'string' } },
  })
  const auth = authConfigFromEnv(process.env)
  if (auth.mode === 'off') {
    log.warn(
      'AUTHENTICATION IS OFF (MILLRACE_AUTH=off): anyone who can reach this port can create, start and stop state machines',
    )
    console.error(
      '\n*** WARNING: authentication is OFF (MILLRACE_AUTH=off). Anyone who can reach this server controls it. ***\n',
    )
  } else {
    log.info(
      { apiKeys: auth.apiKeys.length, awsCredentials: auth.awsCredentials.length },
      'authentication on',
    )
  }
  const databaseUrl = process.env['DATABASE_URL'] || undefined
  if (!databaseUrl) log.info('DATABASE_URL is not set: using the embedded database')
  const publicMetrics = metricsAuthOff(process.env)
  if (publicMetrics && auth.mode === 'on') {
    log.warn('MILLRACE_METRICS_AUTH=off: /metrics answers without a credential')
  }
  return run(log, {
    host: values.host ?? process.env['HOST'] ?? '127.0.0.1',
    port: port(values.port ?? process.env['PORT'] ?? '8080'),
    databaseUrl,
    dataDir: process.env['MILLRACE_DATA_DIR'],
    auth,
    publicMetrics,
  })
}

/**
 * `millrace dev [--port 8080] [--data-dir .millrace]`: engine and API in one process on the
 * embedded database, on 127.0.0.1 only, without authentication.
 */
export async function dev(args: string[], log: Logger): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { port: { type: 'string' }, 'data-dir': { type: 'string' } },
  })
  const dataDir = values['data-dir'] ?? process.env['MILLRACE_DATA_DIR'] ?? '.millrace'
  const portNumber = port(values.port ?? process.env['PORT'] ?? '8080')
  console.error(
    `millrace dev: embedded database in ${dataDir}, listening on 127.0.0.1:${portNumber} only, WITHOUT authentication (use \`millrace serve\` for anything shared)`,
  )
  return run(log, {
    host: '127.0.0.1',
    port: portNumber,
    databaseUrl: undefined,
    dataDir,
    auth: { mode: 'off' },
    publicMetrics: true,
  })
}

/** `millrace key [SCOPES]`: a new random API key, and its keys-file entry (the hash only). */
export function newKey(args: string[]): number {
  const scopes = (args[0] ?? 'admin').split('+')
  const key = randomBytes(32).toString('base64url')
  console.log(`key:            ${key}`)
  console.log(`MILLRACE_API_KEYS entry: ${key}${args[0] ? `=${args[0]}` : ''}`)
  console.log(
    `keys file entry: ${JSON.stringify({ id: `key-${hashKey(key).slice(0, 8)}`, sha256: hashKey(key), scopes })}`,
  )
  return 0
}

async function run(
  log: Logger,
  options: {
    host: string
    port: number
    databaseUrl: string | undefined
    dataDir: string | undefined
    auth: AuthConfig
    publicMetrics: boolean
  },
): Promise<number> {
  const server = await startServer({ ...options, logger: log })
  log.info({ url: server.url, backend: server.database.backend }, 'millrace listening')
  console.error(`millrace listening on ${server.url} (API docs: ${server.url}/docs)`)
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      log.info({ signal }, 'stopping')
      resolve()
    }
    process.once('SIGTERM', () => stop('SIGTERM'))
    process.once('SIGINT', () => stop('SIGINT'))
  })
  await server.close()
  return 0
}

/** `MILLRACE_METRICS_AUTH=off` serves /metrics without a credential; `on` (default) does not. */
function metricsAuthOff(env: NodeJS.ProcessEnv): boolean {
  const value = (env['MILLRACE_METRICS_AUTH'] ?? 'on').toLowerCase()
  if (value !== 'on' && value !== 'off') {
    throw new Error(`MILLRACE_METRICS_AUTH must be "on" or "off", not ${value}`)
  }
  return value === 'off'
}

function port(text: string): number {
  const value = Number(text)
  if (!Number.isInteger(value) || value < 0 || value > 65535) {
    throw new Error(`the port must be an integer 0-65535, not ${JSON.stringify(text)}`)
  }
  return value
}
