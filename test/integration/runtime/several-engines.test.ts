import { afterEach, expect, it } from 'vitest'
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
  createMachine,
  openDriver,
  reference,
  startExecutions,
  type Driver,
} from '../../helpers/runtime.js'

/**
 * Several engine processes on one database share the timers of 1,000 executions. Each engine
 * claims due timers with FOR UPDATE SKIP LOCKED and locks the execution row for the decision,
 * so every timer is applied by exactly one engine, and every engine gets some of the work.
 *
 * Who applied what comes from the engines themselves: at debug level each logs one
 * 'decision committed' line per committed decision, with its engineId, the execution and how
 * many events it applied.
 */
describeMultiConnection('several engine processes on one database', () => {
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

  for (const engines of [2, 3]) {
    it(
      `${engines} engine processes finish 1,000 executions, each once, and share the timers`,
      { timeout: 120_000 },
      async ({ annotate }) => {
        const COUNT = 1000
        server = await createServerDatabase()
        driver = await openDriver(server.url)
        const machine = await createMachine(driver, 'chain', CHAIN)
        const url = server.url
        const fleet = await Promise.all(
          Array.from({ length: engines }, (_, k) =>
            EngineProcess.start({
              databaseUrl: url,
              engineId: `engine-${k + 1}`,
              pollMs: 100,
              logLevel: 'debug',
            }),
          ),
        )

        await startExecutions(driver, machine.arn, COUNT, (i) => ({ i }))
        const db = driver.database
        await allEnded(db, machine.id)
        // A graceful stop flushes every log line before the process exits.
        for (const e of fleet) expect(await e.stop()).toEqual({ code: 0, signal: null })

        // The database: each execution ended once, as the interpreter alone says it should.
        const result = await checkExactlyOnce(db, machine.id, (_name, input) =>
          reference(CHAIN, input),
        )
        expect(result.checked).toBe(COUNT)
        expect(result.problems.slice(0, 20)).toEqual([])
        expect(await countEvents(db, machine.id, 'WaitStateExited')).toBe(2 * COUNT)

        // The engines' own account: every timer (two per execution) applied by exactly one engine.
        const applied = new Map<string, string[]>()
        const perEngine = new Map<string, number>()
        for (const e of fleet) {
          for (const line of e.lines('decision committed')) {
            if (line.cause !== 'timers') continue
            expect(line.engineId).toBe(e.engineId)
            expect(line.events).toBe(1)
            const id = line.executionId as string
            applied.set(id, [...(applied.get(id) ?? []), e.engineId])
            perEngine.set(e.engineId, (perEngine.get(e.engineId) ?? 0) + 1)
          }
        }
        expect(applied.size).toBe(COUNT)
        const notTwice = [...applied].filter(([, by]) => by.length !== 2)
        expect(notTwice.slice(0, 10)).toEqual([])

        // The work spread: every engine applied some of the 2,000 timers.
        const spread = fleet.map((e) => perEngine.get(e.engineId) ?? 0)
        await annotate(`timer decisions per engine: ${spread.join(' / ')}`)
        expect(spread.reduce((a, b) => a + b, 0)).toBe(2 * COUNT)
        for (const n of spread) expect(n).toBeGreaterThan(0)
      },
    )
  }
})
