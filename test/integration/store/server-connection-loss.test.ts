import { sql } from 'kysely'
import postgres from 'postgres'
import { afterEach, beforeEach, expect, it } from 'vitest'
import { describeWithServer, openTestDatabase, type TestDatabase } from '../../helpers/database.js'

/**
 * Connections to the server that die under the store (a restart, an administrator, a network
 * cut). postgres.js 3.4.9 alone, through kysely-postgres-js's reserved connections, crashed the
 * process here (an uncaught TypeError from a write on a closed socket) and could run the rest of
 * a broken transaction on a new session; the store's ServerDialect must not.
 */
describeWithServer('server connections lost under the store', () => {
  let test: TestDatabase
  let admin: postgres.Sql

  beforeEach(async () => {
    test = await openTestDatabase('postgres')
    admin = postgres(test.url as string, { max: 1, onnotice: () => {} })
    await sql`create table t (x int)`.execute(test.database.db)
  })

  afterEach(async () => {
    await admin.end()
    await test.dispose()
  })

  /** Ends a server session and waits until the server has let it go. */
  async function terminate(pid: number): Promise<void> {
    await admin`select pg_terminate_backend(${pid})`
    for (;;) {
      const rows = await admin`select 1 from pg_stat_activity where pid = ${pid}`
      if (rows.length === 0) return
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
  }

  it('fails a transaction whose connection died between two statements, whole, and goes on', async () => {
    const db = test.database.db
    const attempt = db.transaction().execute(async (trx) => {
      await sql`insert into t values (1)`.execute(trx)
      const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(trx)
      await terminate(rows[0]?.pid as number)
      // Time for this process to take in the closed socket: then nothing may be written to it.
      await new Promise((resolve) => setTimeout(resolve, 300))
      // Sent on a session that is gone: it must fail, not run on a new one outside the
      // transaction.
      await sql`insert into t values (2)`.execute(trx)
    })
    await expect(attempt).rejects.toThrow()
    // Neither row: the first was rolled back with the session, the second never ran.
    expect(
      await db
        .selectFrom('t' as never)
        .selectAll()
        .execute(),
    ).toEqual([])
    // The store carries on with new connections.
    await sql`insert into t values (3)`.execute(db)
    expect(
      await db
        .selectFrom('t' as never)
        .selectAll()
        .execute(),
    ).toEqual([{ x: 3 }])
  })

  it('replaces connections that died while idle', async () => {
    const db = test.database.db
    // Open a few connections at once, then end them all while nothing runs on them.
    await Promise.all(Array.from({ length: 4 }, () => sql`select pg_sleep(0.05)`.execute(db)))
    const sessions = await admin<{ pid: number }[]>`
      select pid from pg_stat_activity
      where datname = current_database() and pid <> pg_backend_pid() and backend_type = 'client backend'`
    expect(sessions.length).toBeGreaterThan(0)
    for (const { pid } of sessions) await terminate(pid)
    // Time for this process to take in the closed sockets (a query that races the news fails
    // once, as on any driver); then no query may land on a dead connection.
    await new Promise((resolve) => setTimeout(resolve, 300))
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => sql<{ n: number }>`select ${i}::int as n`.execute(db)),
    )
    expect(results.map((r) => r.rows[0]?.n)).toEqual([0, 1, 2, 3, 4, 5, 6, 7])
  })
})
