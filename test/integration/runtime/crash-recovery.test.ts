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
  chainOutput,
  checkExactlyOnce,
  countEvents,
  countRunning,
  createMachine,
  openDriver,
  reference,
  startExecutions,
  stopMidDecision,
  type Driver,
} from '../../helpers/runtime.js'

/**
 * A separate engine process is killed with SIGKILL in the middle of a decision, and a new one
 * finishes its work. The recovery argument (docs/architecture.md) says a decision's cause and
 * effects commit together, so the killed decision is as if it never happened and its timers are
 * fired again by the next engine; nothing is applied twice because the cause is consumed under
 * the execution lock. This test checks the outcome execution by execution.
 */
describeMultiConnection('crash recovery: an engine process killed mid-flight', () => {
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

  it(
    'finishes each of 300 executions exactly once after SIGKILL and a new engine',
    { timeout: 120_000 },
    async () => {
      const COUNT = 300
      server = await createServerDatabase()
      driver = await openDriver(server.url)
      const machine = await createMachine(driver, 'chain', CHAIN)

      const first = await EngineProcess.start({
        databaseUrl: server.url,
        engineId: 'crash-first',
        pollMs: 100,
      })
      // The test process only starts executions (each runs to its first Wait); the engine process
      // fires every timer.
      await startExecutions(driver, machine.arn, COUNT, (i) => ({ i }))
      const db = driver.database

      // Mid-flight: a third of the Waits done, and the engine inside a decision that has written
      // but not committed. SIGKILL lands there.
      const caught = await stopMidDecision(
        db,
        first,
        async () => (await countEvents(db, machine.id, 'WaitStateExited')) >= COUNT / 1.5,
      )
      first.signal('SIGKILL')
      await first.exited
      expect(caught).toBeGreaterThan(0)
      const runningAtKill = await countRunning(db, machine.id)
      expect(runningAtKill, 'the kill must land mid-flight').toBeGreaterThan(0)

      const second = await EngineProcess.start({
        databaseUrl: server.url,
        engineId: 'crash-second',
        pollMs: 100,
        logLevel: 'debug',
      })
      await allEnded(db, machine.id)

      const expected = await reference(CHAIN, { i: 7 })
      expect(expected.output).toEqual(chainOutput(7))
      const result = await checkExactlyOnce(db, machine.id, async (_name, input) =>
        reference(CHAIN, input),
      )
      expect(result.checked).toBe(COUNT)
      expect(result.problems.slice(0, 20)).toEqual([])
      // Every Wait exited once: COUNT executions × 2 Waits, none lost, none twice.
      expect(await countEvents(db, machine.id, 'WaitStateExited')).toBe(2 * COUNT)
      // Nothing left behind for anyone to fire.
      expect(await db.db.selectFrom('timers').select('id').execute()).toEqual([])
      // The second engine did the rest.
      expect(second.lines('decision committed').length).toBeGreaterThan(0)

      expect(await second.stop()).toEqual({ code: 0, signal: null })
    },
  )
})
