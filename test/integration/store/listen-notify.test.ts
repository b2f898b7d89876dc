import { sql } from 'kysely'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { openDatabase, type Database } from '../../../engine/store/database.js'
import {
  describeEachBackend,
  describeWithServer,
  openTestDatabase,
  type TestDatabase,
} from '../../helpers/database.js'
import { startTcpProxy } from '../../helpers/tcp-proxy.js'

/** Collects payloads; `next()` resolves with the next one to arrive (or one already queued). */
function inbox() {
  const received: string[] = []
  const waiting: ((payload: string) => void)[] = []
  let read = 0
  return {
    received,
    push: (payload: string) => {
      received.push(payload)
      const waiter = waiting.shift()
      if (waiter) {
        read++
        waiter(payload)
      }
    },
    next: (): Promise<string> => {
      if (read < received.length) return Promise.resolve(received[read++] as string)
      return new Promise((resolve) => waiting.push(resolve))
    },
  }
}

describeEachBackend('listen/notify', (backend) => {
  let test: TestDatabase
  let database: Database

  // One database for the file; each test uses channels of its own.
  beforeAll(async () => {
    test = await openTestDatabase(backend)
    database = test.database
  })

  afterAll(async () => {
    await test?.dispose()
  })

  it('delivers a notification to every listener of the channel', async () => {
    const a = inbox()
    const b = inbox()
    let listening = 0
    await database.listen('millrace_fanout', a.push, { onListening: () => listening++ })
    await database.listen('millrace_fanout', b.push)
    expect(listening).toBe(1)

    await database.notify('millrace_fanout', 'hello')
    expect(await a.next()).toBe('hello')
    expect(await b.next()).toBe('hello')
  })

  it('delivers a notification sent in a transaction only when it commits', async () => {
    const box = inbox()
    await database.listen('millrace_commit', box.push)

    await expect(
      database.db.transaction().execute(async (trx) => {
        await database.notify('millrace_commit', 'rolled back', trx)
        throw new Error('abort the decision')
      }),
    ).rejects.toThrow('abort the decision')
    await database.db.transaction().execute(async (trx) => {
      await database.notify('millrace_commit', 'committed', trx)
    })

    expect(await box.next()).toBe('committed')
    expect(box.received).toEqual(['committed'])
  })

  it('stops delivering after unlisten', async () => {
    const stopped = inbox()
    const still = inbox()
    const unlisten = await database.listen('millrace_stopped', stopped.push)
    await database.listen('millrace_still', still.push)
    await unlisten()
    await unlisten()

    await database.notify('millrace_stopped', 'lost')
    await database.notify('millrace_still', 'after')
    // Both were sent on one connection in this order, so 'after' arriving means 'lost' was
    // handled before it.
    expect(await still.next()).toBe('after')
    expect(stopped.received).toEqual([])
  })

  it('refuses channel names that LISTEN and pg_notify would read differently', async () => {
    await expect(database.listen('Work', () => {})).rejects.toThrow(/Invalid channel name/)
    await expect(database.notify('has space')).rejects.toThrow(/Invalid channel name/)
  })

  it('keeps LISTEN out of a transaction that is open at the time', async () => {
    const box = inbox()
    let listened: Promise<unknown> | undefined
    await expect(
      database.db.transaction().execute(async (trx) => {
        await sql`select 1`.execute(trx)
        // On PGlite (one session) this LISTEN must wait for the transaction instead of joining
        // it and being rolled back with it.
        listened = database.listen('millrace_in_trx', box.push)
        await sql`select 1`.execute(trx)
        throw new Error('roll back')
      }),
    ).rejects.toThrow('roll back')
    await listened
    await database.notify('millrace_in_trx', 'still listening')
    expect(await box.next()).toBe('still listening')
  })
})

describeWithServer('listen/notify: reconnecting to the server', () => {
  let test: TestDatabase
  let admin: Database

  beforeAll(async () => {
    test = await openTestDatabase('postgres')
    admin = await openDatabase({ databaseUrl: test.url, maxConnections: 1 })
  })

  afterAll(async () => {
    await admin?.close()
    await test?.dispose()
  })

  it('listens again after its connection is killed, and says so through onListening', async () => {
    const box = inbox()
    const listening = inbox()
    await test.database.listen('millrace_killed', box.push, {
      onListening: () => listening.push('listening'),
    })
    await listening.next()

    const { rows } = await sql<{ killed: boolean }>`
      select pg_terminate_backend(pid) as killed from pg_stat_activity
      where datname = current_database() and query ilike 'listen%'
    `.execute(admin.db)
    expect(rows).toEqual([{ killed: true }])

    await listening.next()
    await admin.notify('millrace_killed', 'after reconnect')
    expect(await box.next()).toBe('after reconnect')
  })

  it('keeps trying while the server is unreachable, and listens again once it is back', async () => {
    // postgres.js's own sql.listen tries once after a drop and then gives up silently
    const url = new URL(test.url ?? '')
    const proxy = await startTcpProxy(url.hostname, Number(url.port || 5432))
    url.port = String(proxy.port)
    const viaProxy = await openDatabase({ databaseUrl: url.toString(), maxConnections: 1 })
    try {
      const box = inbox()
      const listening = inbox()
      await viaProxy.listen('millrace_restart', box.push, {
        onListening: () => listening.push('listening'),
      })
      await listening.next()

      proxy.down()
      await proxy.refusals(3)
      proxy.up()

      await listening.next()
      await admin.notify('millrace_restart', 'server is back')
      expect(await box.next()).toBe('server is back')
    } finally {
      await viaProxy.close()
      await proxy.close()
    }
  })
})
