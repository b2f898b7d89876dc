// What the runtime tests share: the test process's side of a database that engine processes
// work on (an Engine that is never started, so it only inserts executions and never fires a
// timer), a chain of Wait and Pass states, and the check that every execution ended exactly once.
import { sql } from 'kysely'
import { pino } from 'pino'
import {
  compileMachine,
  jsonEquals,
  type JsonObject,
  type JsonValue,
} from '../../engine/asl/index.js'
import { Engine } from '../../engine/runtime/engine.js'
import { runInMemory, type TaskHandler } from '../../engine/runtime/run-in-memory.js'
import * as service from '../../engine/service/index.js'
import { migrate, openDatabase, type Database } from '../../engine/store/index.js'
import type { EngineProcess } from './engine-process.js'

/**
 * First → Nap1 → Second → Nap2 → Third: two Waits, so an execution takes two timer decisions
 * after the one that starts it, with Pass states (data flow, an intrinsic) run in memory between.
 */
export const CHAIN = {
  StartAt: 'First',
  States: {
    First: { Type: 'Pass', Result: 'a', ResultPath: '$.first', Next: 'Nap1' },
    Nap1: { Type: 'Wait', Seconds: 1, Next: 'Second' },
    Second: {
      Type: 'Pass',
      Parameters: { 'i.$': '$.i', 'double.$': 'States.MathAdd($.i, $.i)', 'first.$': '$.first' },
      Next: 'Nap2',
    },
    Nap2: { Type: 'Wait', Seconds: 1, Next: 'Third' },
    Third: { Type: 'Pass', Result: { done: true }, ResultPath: '$.third', End: true },
  },
} as const

/** What CHAIN answers for input { i } (written out, to check the reference run too). */
export function chainOutput(i: number): JsonValue {
  return { i, double: 2 * i, first: 'a', third: { done: true } }
}

/** The test process's side: a migrated database and an Engine that is not started. */
export interface Driver {
  readonly database: Database
  readonly engine: Engine
  readonly ctx: service.ServiceContext
  close(): Promise<void>
}

/**
 * Opens `url`, migrates it, and makes an Engine on it that is never started: it inserts
 * executions and runs them to their first suspension (startExecution), and no more. Timers it
 * arms keep their full length (timeScale 1) unless `timeScale` says otherwise.
 */
export async function openDriver(
  url: string,
  options: { timeScale?: number } = {},
): Promise<Driver> {
  const database = await openDatabase({ databaseUrl: url, maxConnections: 8 })
  try {
    await migrate(database)
  } catch (error) {
    await database.close()
    throw error
  }
  const engine = new Engine({
    database,
    logger: pino({ level: 'silent' }),
    engineId: 'test-process',
    ...(options.timeScale !== undefined ? { timeScale: options.timeScale } : {}),
  })
  return { database, engine, ctx: { engine, database }, close: () => database.close() }
}

/** Creates a state machine through the service; answers its ARN and row id. */
export async function createMachine(
  driver: Driver,
  name: string,
  definition: unknown,
): Promise<{ arn: string; id: number }> {
  const { stateMachineArn } = await service.createStateMachine(driver.ctx, {
    name,
    definition: JSON.stringify(definition),
  })
  const row = await driver.database.db
    .selectFrom('state_machines')
    .select('id')
    .where('name', '=', name)
    .executeTakeFirstOrThrow()
  return { arn: stateMachineArn, id: row.id }
}

/**
 * Starts `count` executions named `<prefix><i>` with input `inputOf(i)`, `parallel` at a time:
 * through the service (StartExecution), or, for large numbers, straight through
 * `engine.startExecution` with the machine looked up once.
 */
export async function startExecutions(
  driver: Driver,
  stateMachineArn: string,
  count: number,
  inputOf: (i: number) => JsonValue,
  options: { parallel?: number; via?: 'service' | 'engine'; prefix?: string } = {},
): Promise<void> {
  const prefix = options.prefix ?? 'e-'
  let start: (i: number) => Promise<unknown>
  if (options.via === 'engine') {
    const { row } = await service.requireStateMachine(driver.ctx, stateMachineArn)
    start = async (i) => {
      const started = await driver.engine.startExecution({
        stateMachineId: row.id,
        stateMachineName: row.name,
        roleArn: row.roleArn,
        revisionId: row.revision.id,
        definition: row.revision.definition,
        name: `${prefix}${i}`,
        input: inputOf(i),
      })
      if (!started) throw new Error(`execution ${prefix}${i} exists already`)
    }
  } else {
    start = (i) =>
      service.startExecution(driver.ctx, {
        stateMachineArn,
        name: `${prefix}${i}`,
        input: JSON.stringify(inputOf(i)),
      })
  }
  let next = 0
  const worker = async () => {
    while (next < count) await start(next++)
  }
  await Promise.all(Array.from({ length: options.parallel ?? 8 }, worker))
}

/** How many executions of a machine are still RUNNING. */
export async function countRunning(database: Database, machineId: number): Promise<number> {
  const row = await database.db
    .selectFrom('executions')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('state_machine_id', '=', machineId)
    .where('status', '=', 'RUNNING')
    .executeTakeFirstOrThrow()
  return Number(row.n)
}

/** How many history events of `type` the machine's executions have in all. */
export async function countEvents(
  database: Database,
  machineId: number,
  type: string,
): Promise<number> {
  const row = await database.db
    .selectFrom('history_events as h')
    .innerJoin('executions as e', 'e.id', 'h.execution_id')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('e.state_machine_id', '=', machineId)
    .where('h.type', '=', type)
    .executeTakeFirstOrThrow()
  return Number(row.n)
}

/**
 * Polls until `check` answers true. A check that throws (the server is restarting) counts as
 * false. The deadline only keeps a broken engine from hanging the suite; no test asserts how
 * long anything took.
 */
export async function until(
  what: string,
  check: () => Promise<boolean> | boolean,
  deadlineMs = 60_000,
  everyMs = 100,
): Promise<void> {
  const end = Date.now() + deadlineMs
  let lastError: unknown
  for (;;) {
    try {
      if (await check()) return
    } catch (error) {
      lastError = error
    }
    if (Date.now() > end) {
      const why =
        lastError === undefined
          ? ''
          : ` (last error: ${lastError instanceof Error ? lastError.message : JSON.stringify(lastError)})`
      throw new Error(`gave up waiting (${deadlineMs} ms) for: ${what}${why}`)
    }
    await new Promise((resolve) => setTimeout(resolve, everyMs))
  }
}

/** Waits until no execution of the machine is RUNNING. */
export function allEnded(
  database: Database,
  machineId: number,
  deadlineMs = 90_000,
): Promise<void> {
  return until(
    'every execution to end',
    async () => (await countRunning(database, machineId)) === 0,
    deadlineMs,
    200,
  )
}

/** The reference run of a definition through the interpreter alone (runInMemory). */
export async function reference(
  definition: unknown,
  input: JsonValue,
  handler?: TaskHandler,
): Promise<{ status: string; output: JsonValue | undefined; types: string[] }> {
  const r = await runInMemory(
    compileMachine(definition as JsonObject),
    input,
    handler ? { handler } : {},
  )
  return { status: r.status, output: r.output, types: r.history.map((e) => e.type) }
}

/**
 * Checks every execution of a machine ended exactly once as the reference run says: the same
 * status, output and history event types, event ids 1..n with none missing or repeated, and
 * next_event_id one past the last. Answers the problems found (empty when all is well) and how
 * many executions it checked.
 */
export async function checkExactlyOnce(
  database: Database,
  machineId: number,
  expected: (
    name: string,
    input: JsonValue,
  ) => Promise<{ status: string; output: JsonValue | undefined; types: string[] }>,
): Promise<{ checked: number; problems: string[] }> {
  const db = database.db
  const executions = await db
    .selectFrom('executions')
    .select(['id', 'name', 'status', 'input', 'output', 'next_event_id'])
    .where('state_machine_id', '=', machineId)
    .execute()
  const events = await db
    .selectFrom('history_events as h')
    .innerJoin('executions as e', 'e.id', 'h.execution_id')
    .select(['h.execution_id', 'h.event_id', 'h.type'])
    .where('e.state_machine_id', '=', machineId)
    .orderBy('h.execution_id')
    .orderBy('h.event_id')
    .execute()
  const byExecution = new Map<string, { id: number; type: string }[]>()
  for (const e of events) {
    const list = byExecution.get(e.execution_id) ?? []
    list.push({ id: e.event_id, type: e.type })
    byExecution.set(e.execution_id, list)
  }
  const problems: string[] = []
  for (const x of executions) {
    const want = await expected(x.name, x.input)
    const history = byExecution.get(x.id) ?? []
    const ids = history.map((h) => h.id)
    const say = (what: string) => problems.push(`${x.name}: ${what}`)
    if (x.status !== want.status) say(`status ${x.status}, expected ${want.status}`)
    if (!jsonEquals(x.output ?? null, want.output ?? null)) {
      say(`output ${JSON.stringify(x.output)}, expected ${JSON.stringify(want.output)}`)
    }
    if (!ids.every((id, i) => id === i + 1))
      say(`event ids ${ids.join(',')} are not 1..${ids.length}`)
    if (x.next_event_id !== ids.length + 1)
      say(`next_event_id ${x.next_event_id} after ${ids.length} events`)
    const types = history.map((h) => h.type)
    if (types.join(' ') !== want.types.join(' ')) {
      say(`history ${types.join(' ')}\n  expected ${want.types.join(' ')}`)
    }
  }
  return { checked: executions.length, problems }
}

/**
 * How many transactions of engine `engineId` (its connections carry the application name
 * `millrace engine <id>`) have written and wait for their next statement: an uncommitted
 * decision that cannot commit while the engine is stopped.
 */
export async function openDecisions(database: Database, engineId: string): Promise<number> {
  const { rows } = await sql<{ n: number }>`
    SELECT count(*)::int AS n FROM pg_stat_activity
    WHERE datname = current_database() AND application_name = ${`millrace engine ${engineId}`}
      AND state = 'idle in transaction' AND backend_xid IS NOT NULL`.execute(database.db)
  return rows[0]?.n ?? 0
}

/**
 * SIGSTOPs `engine` at a moment it holds an uncommitted decision (see openDecisions): stop,
 * look, and if it holds none, SIGCONT and try again a little later. `ready` is checked first on
 * each attempt (e.g. enough work done). Answers how many decisions it caught open.
 */
export async function stopMidDecision(
  database: Database,
  engine: EngineProcess,
  ready: () => Promise<boolean> = () => Promise.resolve(true),
  deadlineMs = 60_000,
): Promise<number> {
  const end = Date.now() + deadlineMs
  for (;;) {
    if (Date.now() > end) throw new Error(`${engine.engineId}: never caught in a decision`)
    if (await ready()) {
      engine.signal('SIGSTOP')
      // A statement in flight when the signal landed still finishes on the server: look twice.
      for (let look = 0; look < 3; look++) {
        const open = await openDecisions(database, engine.engineId)
        if (open > 0) return open
        await new Promise((resolve) => setTimeout(resolve, 5))
      }
      engine.signal('SIGCONT')
    }
    await new Promise((resolve) => setTimeout(resolve, 3 + Math.random() * 10))
  }
}
