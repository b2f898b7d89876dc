// The task tests' harness: a database, an Engine whose push handler is the real HTTP dispatcher,
// the function endpoints of function-server.ts, and a way to run a definition to its end.
import { randomBytes } from 'node:crypto'
import { pino } from 'pino'
import { Engine } from '../../engine/runtime/engine.js'
import { HttpDispatcher } from '../../engine/runtime/dispatch/http.js'
import * as service from '../../engine/service/index.js'
import type { Backend } from '../../engine/store/index.js'
import { openTestDatabase, type TestDatabase } from './database.js'
import { startFunctionServer, type FunctionServer } from './function-server.js'

export interface Ran {
  readonly executionArn: string
  readonly status: string
  readonly output?: unknown
  readonly error?: string
  readonly cause?: string
  readonly types: string[]
  readonly history: readonly service.HistoryEvent[]
}

export interface TaskHarness {
  readonly test: TestDatabase
  readonly engine: Engine
  readonly dispatcher: HttpDispatcher
  readonly ctx: service.ServiceContext
  readonly server: FunctionServer
  /** Registers `name` → `${server.origin}${path}`. */
  register(name: string, path: string, extra?: Partial<service.PutFunctionRequest>): Promise<void>
  /** Creates a machine, starts one execution (does not wait). */
  start(definition: unknown, input?: unknown): Promise<string>
  /** Waits for an execution's end and reads what it did. */
  result(executionArn: string, timeoutMs?: number): Promise<Ran>
  /** start + result. */
  run(definition: unknown, input?: unknown): Promise<Ran>
  close(): Promise<void>
}

export interface TaskHarnessOptions {
  readonly allowedHosts?: readonly string[]
  /** Timer speed (Retry back-off, Waits, TimeoutSeconds, HeartbeatSeconds). Default 1. */
  readonly timeScale?: number
  readonly sleepMs?: number
}

/**
 * @example
 * const h = await openTaskHarness('pglite')
 * await h.register('identity', '/identity')
 * const r = await h.run(definition, { a: 1 })
 */
export async function openTaskHarness(
  backend: Backend,
  options: TaskHarnessOptions = {},
): Promise<TaskHarness> {
  const test = await openTestDatabase(backend, { migrate: true })
  const server = await startFunctionServer(
    options.sleepMs !== undefined ? { sleepMs: options.sleepMs } : {},
  )
  const dispatcher = new HttpDispatcher({
    database: test.database,
    ...(options.allowedHosts ? { allowedHosts: options.allowedHosts } : {}),
  })
  await dispatcher.start()
  const engine = new Engine({
    database: test.database,
    logger: pino({ level: 'silent' }),
    timeScale: options.timeScale ?? 1,
    pollIntervalMs: 50,
    pushHandler: dispatcher.handle,
  })
  await engine.start()
  const ctx: service.ServiceContext = { engine, database: test.database }
  let n = 0
  const h: TaskHarness = {
    test,
    engine,
    dispatcher,
    ctx,
    server,
    async register(name, path, extra = {}) {
      await service.putFunction(ctx, { name, url: `${server.origin}${path}`, ...extra })
    },
    async start(definition, input = {}) {
      const name = `m${n++}-${randomBytes(3).toString('hex')}`
      const { stateMachineArn } = await service.createStateMachine(ctx, {
        name,
        definition: JSON.stringify(definition),
      })
      const { executionArn } = await service.startExecution(ctx, {
        stateMachineArn,
        input: JSON.stringify(input),
      })
      return executionArn
    },
    async result(executionArn, timeoutMs = 30_000) {
      await engine.waitForEnd(executionArn, timeoutMs)
      const d = await service.describeExecution(ctx, { executionArn })
      const { events } = await service.getExecutionHistory(ctx, { executionArn, maxResults: 1000 })
      return {
        executionArn,
        status: d.status,
        ...(d.output !== undefined ? { output: JSON.parse(d.output) as unknown } : {}),
        ...(d.error !== undefined ? { error: d.error } : {}),
        ...(d.cause !== undefined ? { cause: d.cause } : {}),
        types: events.map((e) => e.type),
        history: events,
      }
    },
    async run(definition, input = {}) {
      return h.result(await h.start(definition, input))
    },
    async close() {
      await service.closeActivityPolls(ctx)
      await engine.stop({ graceMs: 1000 })
      await dispatcher.close()
      await server.close()
      await test.dispose()
    },
  }
  return h
}

/** A one-Task definition calling `resource`, with optional extra Task fields. */
export function oneTask(resource: string, fields: Record<string, unknown> = {}): unknown {
  return {
    StartAt: 'Call',
    States: { Call: { Type: 'Task', Resource: resource, End: true, ...fields } },
  }
}

export const lambdaArn = (name: string): string =>
  `arn:aws:lambda:us-east-1:000000000000:function:${name}`
