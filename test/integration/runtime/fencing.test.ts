import { once } from 'node:events'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { sql } from 'kysely'
import { afterEach, expect, it } from 'vitest'
import type { JsonValue } from '../../../engine/asl/index.js'
import * as decisions from '../../../engine/store/decisions.js'
import {
  createServerDatabase,
  describeMultiConnection,
  type ServerTestDatabase,
} from '../../helpers/database.js'
import { EngineProcess, killEngineProcesses } from '../../helpers/engine-process.js'
import {
  CHAIN,
  allEnded,
  checkExactlyOnce,
  countEvents,
  countRunning,
  createMachine,
  openDriver,
  reference,
  startExecutions,
  stopMidDecision,
  until,
  type Driver,
} from '../../helpers/runtime.js'

/**
 * What "a paused engine past its claim" means here. An engine holds two kinds of claim:
 *
 * - Locks, only inside a decision's transaction. Paused in the middle of one, it keeps them as
 *   long as its session lives, and nobody can take that work; once the server ends the session
 *   (idle_in_transaction_session_timeout, or a lost connection), the transaction is rolled back,
 *   another engine takes the work, and the paused engine's remaining statements fail on the
 *   dead session. The last test shows that.
 * - Push task leases, which outlive transactions: the engine calls the function endpoint after
 *   its decision committed, holding only a lease (lease_owner, lease_until, dispatch_count).
 *   Paused past its lease, it comes back with an answer after another engine took the task over
 *   and dispatched it again. Its answer is guarded by the lease it held (owner and dispatch
 *   count, the fencing token), so it is refused, whether the new dispatcher has answered yet or
 *   not. The first two tests show that.
 *
 * Behind both, frame writes name the version they read, so a decision computed from a stale
 * read is refused whole even without a lock (the third test): the last line of defence, should
 * statements of a lost session ever reach the database some other way.
 */
describeMultiConnection('a paused engine cannot write once another has taken its work', () => {
  let server: ServerTestDatabase | undefined
  let driver: Driver | undefined
  let endpoint: Endpoint | undefined

  afterEach(async () => {
    const leftover = await killEngineProcesses()
    await endpoint?.close()
    await driver?.close()
    await server?.drop()
    endpoint = undefined
    driver = undefined
    server = undefined
    expect(leftover, 'engine processes left running by the test').toEqual([])
  })

  const FUNCTION = 'arn:aws:lambda:us-east-1:000000000000:function:fenced'
  /** What the engine logs (debug) when it drops an answer because the attempt is not open. */
  const DROPPED = 'push task result dropped: the attempt is no longer open'
  const FENCED = {
    StartAt: 'Nap',
    States: {
      Nap: { Type: 'Wait', Seconds: 1, Next: 'Call' },
      Call: { Type: 'Task', Resource: FUNCTION, ResultPath: '$.answer', Next: 'Done' },
      Done: { Type: 'Pass', End: true },
    },
  }

  /** An engine process whose push tasks are calls to the test's endpoint (debug logs on). */
  const startPushEngine = (engineId: string) =>
    EngineProcess.start({
      databaseUrl: (server as ServerTestDatabase).url,
      engineId,
      pollMs: 100,
      logLevel: 'debug',
      entry: ['test/integration/runtime/fixtures/push-engine.ts'],
      env: { MILLRACE_PUSH_URL: (endpoint as Endpoint).url },
    })

  /**
   * Engine A dispatches the push task and is SIGSTOPped inside the call; its lease runs out;
   * engine B takes the task over and calls the endpoint again. Answers both calls, unanswered.
   */
  async function pausedDispatcher() {
    server = await createServerDatabase()
    // The test process's Engine only starts the execution: its 1 s Wait lasts 100 ms, and the
    // engine process that fires it schedules the task and dispatches it.
    driver = await openDriver(server.url, { timeScale: 0.1 })
    endpoint = await startEndpoint()
    const machine = await createMachine(driver, 'fenced', FENCED)
    const a = await startPushEngine('fence-a')
    await startExecutions(driver, machine.arn, 1, () => ({ order: 42 }))
    const first = await endpoint.next((c) => c.engine === 'fence-a')
    a.signal('SIGSTOP')
    expect(first.dispatch).toBe(1)

    const db = driver.database.db
    // The push task is kept on its frame's row, with A's lease.
    expect(await heldTask(driver)).toEqual({
      task: first.task,
      lease_owner: 'fence-a',
      dispatch_count: 1,
    })
    // A holds no lock on the frame or its execution, only its lease: both rows can be locked.
    await db.transaction().execute(async (trx) => {
      await trx.selectFrom('frames').select('id').forUpdate().noWait().execute()
      await trx.selectFrom('executions').select('id').forUpdate().noWait().execute()
    })
    // The lease (timeout + 30 s, 90 s here) runs out while A is stopped. The test moves its end
    // to now instead of waiting 90 s; nothing else about the take-over is staged.
    await db
      .updateTable('frames')
      .set({ lease_until: sql<Date>`clock_timestamp()` })
      .where('lease_until', 'is not', null)
      .execute()

    const b = await startPushEngine('fence-b')
    const second = await endpoint.next((c) => c.engine === 'fence-b')
    expect(second).toMatchObject({ task: first.task, dispatch: 2 })
    expect(await heldTask(driver)).toEqual({
      task: first.task,
      lease_owner: 'fence-b',
      dispatch_count: 2,
    })
    return { a, b, first, second, machine, executionStatus: () => executionRow(driver as Driver) }
  }

  it("refuses a paused dispatcher's answer after the engine that took over has answered", async () => {
    const { a, b, first, second } = await pausedDispatcher()
    const d = driver as Driver
    second.answer({ by: 'fence-b' })
    await until('the execution to end', async () => (await executionRow(d)).status !== 'RUNNING')
    const decided = await snapshot(d)
    const expected = await reference(FENCED, { order: 42 }, () => ({
      kind: 'succeeded',
      output: { by: 'fence-b' },
    }))
    expect(expected.output).toEqual({ order: 42, answer: { by: 'fence-b' } })
    expect(decided.execution).toMatchObject({ status: 'SUCCEEDED', output: expected.output })
    expect(decided.types).toEqual(expected.types)

    // A wakes up with its answer in hand and tries to record it.
    first.answer({ by: 'fence-a' })
    a.signal('SIGCONT')
    const outcome = await a.waitForLog(
      (l) => l.msg === DROPPED || (l.msg === 'decision committed' && l.cause === 'events'),
    )
    expect(outcome.msg).toBe(DROPPED)
    expect(await snapshot(d)).toEqual(decided)
    // B's answer closed the attempt: the frame holds no push task any more.
    expect(decided.task).toEqual({ task: null, lease_owner: null, dispatch_count: null })

    for (const e of [a, b]) expect(await e.stop()).toEqual({ code: 0, signal: null })
  })

  it("refuses a paused dispatcher's answer while the engine that took over is still calling", async () => {
    const { a, b, first, second } = await pausedDispatcher()
    const d = driver as Driver
    const before = await snapshot(d)

    first.answer({ by: 'fence-a' })
    a.signal('SIGCONT')
    // A either records its answer (a decision) or is refused: it must be refused.
    const outcome = await a.waitForLog(
      (l) => l.msg === DROPPED || (l.msg === 'decision committed' && l.cause === 'events'),
    )
    expect(outcome.msg).toBe(DROPPED)
    // Nothing of A's answer was applied: the task is still B's and open.
    expect(await snapshot(d)).toEqual(before)
    expect(before.execution.status).toBe('RUNNING')
    expect(before.task).toEqual({ task: first.task, lease_owner: 'fence-b', dispatch_count: 2 })

    second.answer({ by: 'fence-b' })
    await until('the execution to end', async () => (await executionRow(d)).status !== 'RUNNING')
    const after = await snapshot(d)
    const expected = await reference(FENCED, { order: 42 }, () => ({
      kind: 'succeeded',
      output: { by: 'fence-b' },
    }))
    expect(after.execution).toMatchObject({ status: 'SUCCEEDED', output: expected.output })
    expect(after.types).toEqual(expected.types)
    expect(after.types.filter((t) => t === 'LambdaFunctionSucceeded')).toHaveLength(1)

    for (const e of [a, b]) expect(await e.stop()).toEqual({ code: 0, signal: null })
  })

  it('an engine killed inside its calls: another takes every push task over from the frames', async () => {
    const COUNT = 40
    // The Wait lets engine A, not the test process's engine, schedule and call the Tasks.
    const CALLS = {
      StartAt: 'Nap',
      States: {
        Nap: { Type: 'Wait', Seconds: 1, Next: 'One' },
        One: { Type: 'Task', Resource: FUNCTION, Next: 'Two' },
        Two: { Type: 'Task', Resource: FUNCTION, Next: 'Three' },
        Three: { Type: 'Task', Resource: FUNCTION, End: true },
      },
    }
    const echo = (input: unknown) => {
      const o = input as { counter?: number }
      return { ...o, counter: (o.counter ?? 0) + 1 }
    }
    server = await createServerDatabase()
    driver = await openDriver(server.url, { timeScale: 0.1 })
    endpoint = await startEndpoint((call) =>
      // Engine A's calls of the second Task never answer: A is killed inside them.
      call.engine === 'killed-a' && (call.input as { counter?: number }).counter === 1
        ? undefined
        : echo(call.input),
    )
    const machine = await createMachine(driver, 'calls', CALLS)
    const a = await startPushEngine('killed-a')
    await startExecutions(driver, machine.arn, COUNT, (i) => ({ i }))
    const db = driver.database.db
    const held = endpoint.calls
    await until(
      'A to be inside every second call',
      () =>
        held.filter(
          (c) => c.engine === 'killed-a' && (c.input as { counter?: number }).counter === 1,
        ).length === COUNT,
    )
    a.signal('SIGKILL')
    // A's leases (timeout + 30 s) run out; the test moves their end to now.
    const leased = await db
      .updateTable('frames')
      .set({ lease_until: sql<Date>`clock_timestamp()` })
      .where('lease_owner', '=', 'killed-a')
      .returning(sql<string>`push_task->>'id'`.as('task'))
      .execute()
    expect(leased).toHaveLength(COUNT)

    const b = await startPushEngine('taker-b')
    await allEnded(driver.database, machine.id)
    const done = await checkExactlyOnce(driver.database, machine.id, (_name, input) =>
      reference(CALLS, input, (task) => ({ kind: 'succeeded', output: echo(task.input) })),
    )
    expect(done.checked).toBe(COUNT)
    expect(done.problems.slice(0, 10)).toEqual([])
    // B called each taken task once more under the same task id, dispatch 2.
    const taken = new Set(leased.map((r) => r.task))
    const again = held.filter((c) => c.engine === 'taker-b' && taken.has(c.task))
    expect(again.map((c) => c.dispatch)).toEqual(Array.from({ length: COUNT }, () => 2))
    expect(new Set(again.map((c) => c.task)).size).toBe(COUNT)
    expect(
      await db.selectFrom('frames').select('id').where('lease_until', 'is not', null).execute(),
    ).toEqual([])
    expect(await b.stop()).toEqual({ code: 0, signal: null })
  })

  it('refuses frame writes computed from a stale read: frames are fenced by version', async () => {
    server = await createServerDatabase()
    driver = await openDriver(server.url)
    const machine = await createMachine(driver, 'chain', CHAIN)
    await startExecutions(driver, machine.arn, 1, () => ({ i: 1 }))
    const db = driver.database.db
    const frameIds = (await db.selectFrom('frames').select('id').execute()).map((f) => f.id)
    // What a writer read before another engine moved the execution on.
    const [stale] = await decisions.loadFrames(db, frameIds)
    if (!stale) throw new Error('the execution has a frame')
    const read = await db
      .selectFrom('executions')
      .select(['id', 'version'])
      .executeTakeFirstOrThrow()

    const engine = await EngineProcess.start({
      databaseUrl: server.url,
      engineId: 'fresh',
      pollMs: 100,
    })
    await until('the first Wait to be done', async () => {
      return (await countEvents((driver as Driver).database, machine.id, 'WaitStateExited')) >= 1
    })
    const before = await db.selectFrom('frames').selectAll().execute()

    // The stale writer holds no lock (it lost it); its write names the versions it read.
    const write = db.transaction().execute((trx) =>
      decisions.writeDecision(
        trx,
        {
          executionId: read.id,
          frames: [
            {
              ...stale,
              dirty: true,
              snapshot: { ...stale.snapshot, status: 'RUNNING', stale: true },
            },
          ],
          groups: [],
          history: [],
          tasks: [],
          timers: [],
          nextEventId: 1,
        },
        { version: read.version, transitions: [], cleanup: { all: false, frames: [] }, notify: [] },
      ),
    )
    await expect(write).rejects.toBeInstanceOf(decisions.FencingError)
    expect(await db.selectFrom('frames').selectAll().execute()).toEqual(before)

    await allEnded(driver.database, machine.id)
    const done = await checkExactlyOnce(driver.database, machine.id, (_name, input) =>
      reference(CHAIN, input),
    )
    expect(done.problems).toEqual([])
    expect(await engine.stop()).toEqual({ code: 0, signal: null })
  })

  it('an engine paused inside a decision loses it to another engine once the server ends its session', async () => {
    const COUNT = 200
    server = await createServerDatabase()
    driver = await openDriver(server.url)
    const machine = await createMachine(driver, 'chain', CHAIN)
    // What hands a hung engine's claims to the others: the server ends a session that sits in
    // a transaction doing nothing. Sessions opened from now on (the engines') get it.
    await sql`ALTER DATABASE ${sql.id(server.name)} SET idle_in_transaction_session_timeout = '3s'`.execute(
      driver.database.db,
    )
    const url = server.url
    const [a, b] = await Promise.all(
      ['paused-a', 'paused-b'].map((engineId) =>
        EngineProcess.start({ databaseUrl: url, engineId, pollMs: 100, logLevel: 'debug' }),
      ),
    )
    if (!a || !b) throw new Error('two engines')
    const db = driver.database
    await startExecutions(driver, machine.arn, COUNT, (i) => ({ i }))

    // A stops with a decision written and not committed: it holds the execution rows and the
    // claimed timers of that decision, and B skips them (SKIP LOCKED) meanwhile.
    const caught = await stopMidDecision(
      db,
      a,
      async () => (await countEvents(db, machine.id, 'WaitStateExited')) >= COUNT / 2,
    )
    expect(caught).toBeGreaterThan(0)
    expect(await countRunning(db, machine.id)).toBeGreaterThan(0)

    // The server ends A's idle transaction; B takes the rest, A's claims included, while A is
    // still stopped.
    await allEnded(db, machine.id)
    expect(a.stopped()).toBe(true)
    const done = await checkExactlyOnce(db, machine.id, (_name, input) => reference(CHAIN, input))
    expect(done.checked).toBe(COUNT)
    expect(done.problems.slice(0, 20)).toEqual([])

    // A resumes inside its decision: its next statement meets a closed session and the whole
    // decision fails; the loop carries on.
    const failedBefore = a.lines('timer loop failed; retrying').length
    a.signal('SIGCONT')
    await a.waitForLog(
      (l) => l.msg === 'timer loop failed; retrying' && a.lines(l.msg).length > failedBefore,
    )
    const after = await checkExactlyOnce(db, machine.id, (_name, input) => reference(CHAIN, input))
    expect(after.problems.slice(0, 20)).toEqual([])
    expect(await countEvents(db, machine.id, 'WaitStateExited')).toBe(2 * COUNT)

    for (const e of [a, b]) expect(await e.stop()).toEqual({ code: 0, signal: null })
  })
})

async function executionRow(driver: Driver) {
  return driver.database.db
    .selectFrom('executions')
    .select(['status', 'output', 'next_event_id', 'version'])
    .executeTakeFirstOrThrow()
}

/** The push task the execution's frame holds (null once answered) and the lease on it. */
async function heldTask(driver: Driver) {
  return driver.database.db
    .selectFrom('frames')
    .select([sql<string | null>`push_task->>'id'`.as('task'), 'lease_owner', 'dispatch_count'])
    .where('group_id', 'is', null)
    .executeTakeFirstOrThrow()
}

/** The execution, its history event types and its push task, to compare before and after. */
async function snapshot(driver: Driver) {
  const db = driver.database.db
  const history = await db
    .selectFrom('history_events')
    .select(['event_id', 'type'])
    .orderBy('event_id')
    .execute()
  return {
    execution: await executionRow(driver),
    types: history.map((h) => h.type),
    task: await heldTask(driver),
  }
}

interface Call {
  readonly task: string
  readonly dispatch: number
  readonly engine: string
  readonly input: unknown
  answer(output: JsonValue): void
}

interface Endpoint {
  readonly url: string
  /** Every call received, in order. */
  readonly calls: readonly Call[]
  /** The first call (made or to come) that matches. */
  next(match: (call: Call) => boolean, deadlineMs?: number): Promise<Call>
  close(): Promise<void>
}

/**
 * A function endpoint on 127.0.0.1 that holds every call until the test answers it, or answers
 * at once what `autoAnswer` answers (undefined: hold it).
 */
async function startEndpoint(
  autoAnswer?: (call: Call) => JsonValue | undefined,
): Promise<Endpoint> {
  const calls: Call[] = []
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const q = new URL(req.url ?? '/', 'http://localhost').searchParams
      const call: Call = {
        task: q.get('task') ?? '',
        dispatch: Number(q.get('dispatch')),
        engine: q.get('engine') ?? '',
        input: JSON.parse(Buffer.concat(chunks).toString('utf8')),
        answer: (output) => {
          res.writeHead(200, { 'content-type': 'application/json' })
          res.end(JSON.stringify(output))
        },
      }
      calls.push(call)
      const output = autoAnswer?.(call)
      if (output !== undefined) call.answer(output)
    })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/invoke`,
    calls,
    async next(match, deadlineMs = 30_000) {
      let found: Call | undefined
      await until(
        'a call to the function endpoint',
        () => (found = calls.find(match)) !== undefined,
        deadlineMs,
        20,
      )
      return found as Call
    },
    async close() {
      server.closeAllConnections()
      server.close()
      await once(server, 'close')
    },
  }
}
