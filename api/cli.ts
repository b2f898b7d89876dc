#!/usr/bin/env node
/**
 * The millrace command line.
 *
 *   millrace run <definition.json> [--input <file|json>] [--name <execution>]
 *       create or update the state machine named after the file, run one execution on a local
 *       engine, wait for it, and print its output and history
 *   millrace engine      run an engine (timers, push tasks, take-over) until SIGTERM/SIGINT
 *   millrace migrate     apply the database migrations
 *   millrace serve [--port 8080] [--host 127.0.0.1]
 *       engine and API (REST /v1 and the AWS JSON protocol) against DATABASE_URL, auth required
 *   millrace dev [--port 8080] [--data-dir .millrace]
 *       engine and API on the embedded database, 127.0.0.1 only, without auth
 *   millrace key [SCOPES]  a new API key and its keys-file entry
 *   millrace validate FILE; create NAME FILE; start NAME [--input JSON|@file] [--name N] [--wait];
 *   describe ARN; list [NAME] [--status S]; history ARN [--follow]; stop ARN
 *       validate runs locally; the others call a running server (--url or MILLRACE_URL,
 *       MILLRACE_API_KEY); --json prints JSON
 *
 * Without DATABASE_URL everything runs on the embedded database under ./.millrace
 * (MILLRACE_DATA_DIR to move it). LOG_LEVEL sets the log level (default info; warn for run).
 * For `engine`: MILLRACE_ENGINE_ID names it (default a random id), MILLRACE_TIME_SCALE multiplies
 * every timer's delay (default 1; tests shorten Waits with e.g. 0.01), MILLRACE_POLL_MS sets how
 * often its loops poll without a notification (default 1000).
 */
import { randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { pino, type Logger } from 'pino'
import { Engine } from '../engine/runtime/engine.js'
import * as service from '../engine/service/index.js'
import { migrate, openDatabase, type Database } from '../engine/store/index.js'
import { isMillraceError } from '../engine/errors.js'
import * as client from './commands/client.js'
import { activities, functions } from './commands/functions.js'
import { setUpTaskDispatch } from './routes/task-dispatch.js'
import { dev, newKey, serve } from './commands/serve.js'

const USAGE = `usage:
  millrace dev [--port 8080] [--data-dir .millrace]   engine + API, embedded database, no auth
  millrace serve [--port 8080] [--host 127.0.0.1]     engine + API on DATABASE_URL, auth required
  millrace engine                                     an engine without the API
  millrace migrate
  millrace run <definition.json> [--input <file|json>] [--name <execution-name>]
  millrace key [admin|read|start|worker[:ACTIVITY]|metrics][+…]

client commands (a running server: --url or MILLRACE_URL, MILLRACE_API_KEY; --json for scripts):
  millrace validate FILE
  millrace create NAME FILE
  millrace start NAME [--input JSON|@file] [--name EXECUTION] [--wait]
  millrace describe ARN|MACHINE/EXECUTION
  millrace list [NAME] [--status RUNNING|SUCCEEDED|FAILED|TIMED_OUT|ABORTED]
  millrace history ARN|MACHINE/EXECUTION [--follow]
  millrace stop ARN|MACHINE/EXECUTION [--error E] [--cause C]
  millrace functions put NAME URL [--timeout S] [--header K=V]… | get NAME | delete NAME | list | load FILE
  millrace activities create NAME | delete NAME | list`

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv
  switch (command) {
    case 'run':
      return run(rest)
    case 'engine':
      return engine()
    case 'migrate':
      return withDatabase(logger('info'), async (database, log) => {
        const result = await migrate(database)
        log.info(
          { applied: result.applied.map((m) => m.name), version: result.version },
          'migrated',
        )
        return 0
      })
    case 'functions':
      return functions(rest)
    case 'activities':
      return activities(rest)
    case 'serve':
      return serve(rest, logger('info'))
    case 'dev':
      return dev(rest, logger('info'))
    case 'key':
      return newKey(rest)
    case 'validate':
      return client.validate(rest)
    case 'create':
      return client.create(rest)
    case 'start':
      return client.start(rest)
    case 'describe':
      return client.describe(rest)
    case 'list':
      return client.list(rest)
    case 'history':
      return client.history(rest)
    case 'stop':
      return client.stop(rest)
    case undefined:
    case '--help':
      console.log(USAGE)
      return 0
    default:
      console.error(USAGE)
      return 2
  }
}

function logger(defaultLevel: string): Logger {
  return pino({ level: process.env['LOG_LEVEL'] ?? defaultLevel })
}

async function withDatabase(
  log: Logger,
  body: (database: Database, log: Logger) => Promise<number>,
  applicationName?: string,
): Promise<number> {
  const databaseUrl = process.env['DATABASE_URL']
  const database = await openDatabase({
    databaseUrl,
    dataDir: process.env['MILLRACE_DATA_DIR'],
    applicationName,
  })
  log.debug({ backend: database.backend }, 'database open')
  try {
    return await body(database, log)
  } finally {
    await database.close()
  }
}

async function engine(): Promise<number> {
  const log = logger('info')
  const engineId = process.env['MILLRACE_ENGINE_ID'] || randomUUID()
  // pg_stat_activity then shows which engine each connection belongs to.
  const applicationName = `millrace engine ${engineId}`
  return withDatabase(
    log,
    async (database) => {
      await migrate(database)
      // Push tasks go to function endpoints over HTTP (MILLRACE_CONFIG, MILLRACE_ALLOWED_HOSTS).
      const dispatch = await setUpTaskDispatch({ database, logger: log, env: process.env })
      const e = new Engine({
        database,
        logger: log,
        engineId,
        pushHandler: dispatch.pushHandler,
        ...(process.env['MILLRACE_TIME_SCALE']
          ? { timeScale: numberEnv('MILLRACE_TIME_SCALE') }
          : {}),
        ...(process.env['MILLRACE_POLL_MS']
          ? { pollIntervalMs: numberEnv('MILLRACE_POLL_MS') }
          : {}),
      })
      await e.start()
      await dispatch.applyConfig({ engine: e, database })
      await new Promise<void>((resolve) => {
        const stop = (signal: string) => {
          log.info({ signal }, 'stopping')
          resolve()
        }
        process.once('SIGTERM', () => stop('SIGTERM'))
        process.once('SIGINT', () => stop('SIGINT'))
      })
      await e.stop()
      await dispatch.close()
      return 0
    },
    applicationName,
  )
}

/** A non-negative number from the environment; anything else stops the command. */
function numberEnv(name: string): number {
  const text = process.env[name]
  const value = Number(text)
  if (!Number.isFinite(value) || value < 0) {
    throw new Error(`${name} must be a non-negative number, not ${JSON.stringify(text)}`)
  }
  return value
}

async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { input: { type: 'string' }, name: { type: 'string' } },
  })
  const file = positionals[0]
  if (!file) {
    console.error(USAGE)
    return 2
  }
  const definition = readFileSync(file, 'utf8')
  const input = values.input === undefined ? '{}' : readInput(values.input)
  const machineName = path
    .basename(file)
    .replace(/\.asl\.json$|\.json$/, '')
    .replace(/[^A-Za-z0-9_-]/g, '-')
  const log = logger('warn')
  return withDatabase(log, async (database) => {
    await migrate(database)
    const e = new Engine({ database, logger: log })
    await e.start()
    try {
      const ctx = { engine: e, database }
      const stateMachineArn = await upsertStateMachine(ctx, machineName, definition)
      const { executionArn } = await service.startExecution(ctx, {
        stateMachineArn,
        input,
        ...(values.name !== undefined ? { name: values.name } : {}),
      })
      console.log(`started ${executionArn}`)
      let described = await service.describeExecution(ctx, { executionArn })
      while (described.status === 'RUNNING') {
        await new Promise((r) => setTimeout(r, 100))
        described = await service.describeExecution(ctx, { executionArn })
      }
      const history = await service.getExecutionHistory(ctx, { executionArn, maxResults: 1000 })
      printHistory(history.events)
      console.log(`\nstatus  ${described.status}`)
      if (described.output !== undefined) console.log(`output  ${described.output}`)
      if (described.error !== undefined) console.log(`error   ${described.error}`)
      if (described.cause !== undefined) console.log(`cause   ${described.cause}`)
      return described.status === 'SUCCEEDED' ? 0 : 1
    } finally {
      await e.stop()
    }
  })
}

async function upsertStateMachine(
  ctx: service.ServiceContext,
  name: string,
  definition: string,
): Promise<string> {
  const arn = ctx.engine.stateMachineArn(name)
  try {
    await service.describeStateMachine(ctx, { stateMachineArn: arn })
  } catch (err) {
    if (isMillraceError(err) && err.code === 'StateMachineDoesNotExist') {
      return (await service.createStateMachine(ctx, { name, definition })).stateMachineArn
    }
    throw err
  }
  await service.updateStateMachine(ctx, { stateMachineArn: arn, definition })
  return arn
}

function readInput(value: string): string {
  const trimmed = value.trim()
  if (trimmed.startsWith('{') || trimmed.startsWith('[') || trimmed.startsWith('"')) return value
  return readFileSync(value, 'utf8')
}

function printHistory(events: readonly { id: number; type: string; timestamp: Date }[]): void {
  const start = events[0]?.timestamp.getTime() ?? 0
  console.log('\n  id  elapsed  event')
  for (const e of events) {
    const ms = e.timestamp.getTime() - start
    const name = stateName(e)
    console.log(
      `${String(e.id).padStart(4)}  ${String(ms).padStart(5)} ms  ${e.type}${name ? `  ${name}` : ''}`,
    )
  }
}

function stateName(e: object): string | undefined {
  for (const [key, value] of Object.entries(e)) {
    if (key.endsWith('EventDetails') && value && typeof value === 'object' && 'name' in value) {
      return String((value as { name: unknown }).name)
    }
  }
  return undefined
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (isMillraceError(err) || err instanceof client.ApiError) {
      console.error(`${err.code}: ${err.message}`)
    } else console.error(err)
    process.exit(1)
  },
)
