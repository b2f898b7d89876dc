import { sql } from 'kysely'
import { afterEach, expect, it } from 'vitest'
import {
  createServerDatabase,
  describeMultiConnection,
  type ServerTestDatabase,
} from '../../helpers/database.js'
import { EngineProcess, killEngineProcesses } from '../../helpers/engine-process.js'
import {
  allEnded,
  checkExactlyOnce,
  countEvents,
  createMachine,
  openDriver,
  reference,
  startExecutions,
  type Driver,
} from '../../helpers/runtime.js'

const MB = 1024 * 1024

/**
 * A parked execution is a few rows (its frame, a timer) and nothing in an engine's memory: the
 * engine sleeps until the next fire_at, and claims due timers a hundred at a time. So 10,000
 * executions parked in a Wait cost the engine process no memory to speak of (at most 50 MB of
 * resident memory, VmRSS of /proc/<pid>/status), and all of them fire once the wait ends.
 *
 * The baseline is taken after a warm-up run of the same work, so it is the engine at work, not
 * its start-up heap. After the 10,000 have fired, resident memory also holds the V8 heap's
 * headroom, which depends on when the collector last ran (it was seen between +2 and +50 MB);
 * there the bound is 100 MB, which still catches anything kept per execution (10 KB each). The
 * premise (all 10,000 parked at once) depends on starting them before the wait ends: how many
 * were is reported, not asserted.
 */
describeMultiConnection('10,000 executions parked in a Wait', () => {
  let server: ServerTestDatabase | undefined
  let driver: Driver | undefined

  afterEach(async () => {
    const leftover = await killEngineProcesses()
    await driver?.close()
    await server?.drop()
    driver = undefined
    server = undefined
    expect(leftover, 'engine processes left running by the test').toEqual([])
  })

  const PARK = {
    StartAt: 'Park',
    States: {
      Park: { Type: 'Wait', TimestampPath: '$.until', Next: 'Done' },
      Done: { Type: 'Pass', Result: 'woke', ResultPath: '$.done', End: true },
    },
  }

  it(
    'cost the engine at most 50 MB while parked, and all fire once the wait ends',
    { timeout: 240_000 },
    async ({ annotate }) => {
      const COUNT = 10_000
      server = await createServerDatabase()
      driver = await openDriver(server.url)
      const machine = await createMachine(driver, 'park', PARK)
      const engine = await EngineProcess.start({
        databaseUrl: server.url,
        engineId: 'parked',
        pollMs: 200,
      })
      const db = driver.database
      const dbNow = async () => {
        const { rows } = await sql<{ ms: number }>`
        SELECT (extract(epoch from clock_timestamp()) * 1000)::float8 AS ms`.execute(db.db)
        return Number(rows[0]?.ms)
      }

      // Warm-up: 500 executions through the same path (parked for a moment, then fired); it also
      // tells how fast this machine starts executions.
      const WARM = 500
      const warmStart = Date.now()
      const soon = new Date((await dbNow()) + 1000).toISOString()
      await startExecutions(driver, machine.arn, WARM, () => ({ until: soon }), {
        via: 'engine',
        prefix: 'warm-',
      })
      const perStart = (Date.now() - warmStart) / WARM
      await allEnded(db, machine.id)
      const baseline = engine.rssBytes()

      // The 10,000 wait until a moment far enough ahead for all of them to be started (half as
      // long again as the warm-up rate says, and 2 s more).
      const until = new Date((await dbNow()) + perStart * COUNT * 1.5 + 2000).toISOString()
      let peak = baseline
      const sampler = setInterval(() => {
        if (engine.running) peak = Math.max(peak, engine.rssBytes())
      }, 250)
      try {
        await startExecutions(driver, machine.arn, COUNT, () => ({ until }), { via: 'engine' })
        const parkedAtOnce = await db.db
          .selectFrom('timers')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
        const parked = engine.rssBytes()

        await allEnded(db, machine.id, 180_000)
        const after = engine.rssBytes()
        const grew = (bytes: number) => `${bytes < 0 ? '' : '+'}${(bytes / MB).toFixed(1)} MB`
        await annotate(
          `RSS baseline ${(baseline / MB).toFixed(0)} MB; with ${Number(parkedAtOnce.n)} parked ` +
            `${grew(parked - baseline)}, after all fired ${grew(after - baseline)}, ` +
            `peak ${grew(peak - baseline)}`,
        )
        expect(parked - baseline).toBeLessThanOrEqual(50 * MB)
        expect(after - baseline).toBeLessThanOrEqual(100 * MB)
      } finally {
        clearInterval(sampler)
      }

      // Every one of them woke up once, as the interpreter says.
      const result = await checkExactlyOnce(db, machine.id, (_name, input) =>
        reference(PARK, input),
      )
      expect(result.checked).toBe(WARM + COUNT)
      expect(result.problems.slice(0, 20)).toEqual([])
      expect(await countEvents(db, machine.id, 'WaitStateExited')).toBe(WARM + COUNT)
      expect(await engine.stop()).toEqual({ code: 0, signal: null })
    },
  )
})
