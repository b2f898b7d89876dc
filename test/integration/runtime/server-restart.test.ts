import { afterEach, describe, expect, it } from 'vitest'
import { findBindir, startCluster, type Cluster } from '../../../scripts/pg-cluster.mjs'
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
  until,
  type Driver,
} from '../../helpers/runtime.js'

const bindir = findBindir()
const NO_BINARIES =
  'SKIPPED: no PostgreSQL server binaries to start a cluster of its own (apt-get install -y postgresql)'

/**
 * `describe` for suites that start (and crash) a PostgreSQL cluster of their own: the shared test
 * server cannot be restarted under the other suites. Without the binaries the suite is skipped
 * and its name says why.
 */
function describeWithOwnCluster(name: string, fn: () => void): void {
  if (bindir) {
    describe(name, fn)
    return
  }
  console.warn(`[millrace] ${name}: ${NO_BINARIES}`)
  describe.skip(`${name} [${NO_BINARIES}]`, fn)
}

/**
 * PostgreSQL is restarted with `pg_ctl restart -m immediate` (a crash: no checkpoint, every
 * connection cut) while two engine processes are firing timers. The engines must reconnect by
 * themselves (their loops survive the errors, their pools open new connections, LISTEN is
 * subscribed again) and every execution must finish, exactly once.
 */
describeWithOwnCluster('PostgreSQL restarted under the engines', () => {
  let cluster: Cluster | undefined
  let driver: Driver | undefined

  afterEach(async () => {
    const leftover = await killEngineProcesses()
    try {
      await driver?.close()
    } finally {
      // The cluster's processes are the test's too: stopped whatever else failed.
      cluster?.stop()
      driver = undefined
      cluster = undefined
    }
    expect(leftover, 'engine processes left running by the test').toEqual([])
  })

  it(
    'the engines reconnect by themselves, every execution finishes once, NOTIFY wakes them again',
    { timeout: 120_000 },
    async ({ annotate }) => {
      const COUNT = 300
      // Durable: with synchronous_commit off, an immediate restart loses the last commits the
      // server had acknowledged (the test's own starts among them), which no engine could undo.
      cluster = await startCluster(bindir as string, { durable: true })
      const url = cluster.url
      driver = await openDriver(url)
      const machine = await createMachine(driver, 'chain', CHAIN)
      // Loops poll once a minute: after the restart, only their own retries, the timers they know
      // of and notifications can wake them within the deadlines below.
      const fleet = await Promise.all(
        ['restart-1', 'restart-2'].map((engineId) =>
          EngineProcess.start({ databaseUrl: url, engineId, pollMs: 60_000, logLevel: 'debug' }),
        ),
      )
      const pids = fleet.map((e) => e.pid)
      const db = driver.database

      await startExecutions(driver, machine.arn, COUNT, (i) => ({ i }))
      await until('a third of the Waits to be done', async () => {
        return (await countEvents(db, machine.id, 'WaitStateExited')) >= COUNT / 1.5
      })
      const before = fleet.map((e) => e.lines('decision committed').length)
      cluster.restart()

      await allEnded(db, machine.id)
      const result = await checkExactlyOnce(db, machine.id, (_name, input) =>
        reference(CHAIN, input),
      )
      expect(result.checked).toBe(COUNT)
      expect(result.problems.slice(0, 20)).toEqual([])
      expect(await countEvents(db, machine.id, 'WaitStateExited')).toBe(2 * COUNT)
      // The same processes did it, after the restart: nobody restarted them.
      expect(fleet.map((e) => e.running && e.pid)).toEqual(pids)
      expect(fleet.map((e) => e.lines('engine started').length)).toEqual([1, 1])
      const after = fleet.map((e, k) => e.lines('decision committed').length - (before[k] ?? 0))
      expect(after.reduce((a, b) => a + b, 0)).toBeGreaterThan(0)
      const failures = fleet.map((e) => e.lines('timer loop failed; retrying').length)
      await annotate(
        `decisions after the restart per engine: ${after.join(' / ')}; ` +
          `failed timer transactions: ${failures.join(' / ')}`,
      )

      // LISTEN is back: with nothing due, the engines sleep for their 60 s poll, and only a
      // notification wakes them for a new execution's 1 s Wait.
      const waitOne = await createMachine(driver, 'wait-one', {
        StartAt: 'W',
        States: { W: { Type: 'Wait', Seconds: 1, End: true } },
      })
      await startExecutions(driver, waitOne.arn, 1, () => ({}))
      await allEnded(db, waitOne.id, 30_000)

      for (const e of fleet) expect(await e.stop()).toEqual({ code: 0, signal: null })
    },
  )
})
