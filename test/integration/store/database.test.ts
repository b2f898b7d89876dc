import { rm } from 'node:fs/promises'
import { sql } from 'kysely'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { openDatabase, type Database } from '../../../engine/store/database.js'
import { migrate } from '../../../engine/store/migrate.js'
import { toJsonb } from '../../../engine/store/schema.js'
import {
  describeEachBackend,
  makeTempDir,
  openTestDatabase,
  pgliteSeed,
  type TestDatabase,
} from '../../helpers/database.js'

async function insertStateMachine(database: Database, name = 'hello') {
  return database.db.transaction().execute(async (trx) => {
    const machine = await trx
      .insertInto('state_machines')
      .values({ name })
      .returning('id')
      .executeTakeFirstOrThrow()
    const revision = await trx
      .insertInto('state_machine_revisions')
      .values({
        state_machine_id: machine.id,
        revision: 1,
        definition: '{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}',
        definition_hash: 'hash',
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    await trx
      .updateTable('state_machines')
      .set({ current_revision_id: revision.id })
      .where('id', '=', machine.id)
      .execute()
    return { machineId: machine.id, revisionId: revision.id }
  })
}

describeEachBackend('database', (backend) => {
  let test: TestDatabase
  let database: Database

  beforeEach(async () => {
    test = await openTestDatabase(backend, { migrate: true })
    database = test.database
  })

  afterEach(async () => {
    await test.dispose()
  })

  it('reports its backend', () => {
    expect(database.backend).toBe(backend)
  })

  it('reads values the same way on both backends', async () => {
    const { machineId, revisionId } = await insertStateMachine(database)
    expect(typeof machineId).toBe('number')
    const input = { list: [1, 'two', { three: null }], nested: { ok: true } }
    const inserted = await database.db
      .insertInto('executions')
      .values({
        state_machine_id: machineId,
        revision_id: revisionId,
        name: 'run-1',
        input: toJsonb(input),
        snapshot: toJsonb([]),
      })
      .returningAll()
      .executeTakeFirstOrThrow()

    expect(inserted).toMatchObject({
      name: 'run-1',
      status: 'RUNNING',
      input,
      snapshot: [],
      output: null,
      version: 0,
      next_event_id: 1,
    })
    expect(inserted.id).toMatch(/^[0-9a-f-]{36}$/)
    expect(inserted.started_at).toBeInstanceOf(Date)
    const { count } = await database.db
      .selectFrom('executions')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .executeTakeFirstOrThrow()
    expect(count).toBe(1)
  })

  it('reports affected rows, which fenced writes depend on', async () => {
    const { machineId, revisionId } = await insertStateMachine(database)
    const { id } = await database.db
      .insertInto('executions')
      .values({
        state_machine_id: machineId,
        revision_id: revisionId,
        name: 'run-1',
        input: toJsonb({}),
        snapshot: toJsonb({}),
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    const fenced = (version: number) =>
      database.db
        .updateTable('executions')
        .set((eb) => ({ version: eb('version', '+', 1) }))
        .where('id', '=', id)
        .where('version', '=', version)
        .executeTakeFirstOrThrow()
    expect((await fenced(0)).numUpdatedRows).toBe(1n)
    expect((await fenced(0)).numUpdatedRows).toBe(0n)
  })

  it('refuses to change a state machine revision', async () => {
    const { revisionId } = await insertStateMachine(database)
    await expect(
      database.db
        .updateTable('state_machine_revisions')
        .set({ definition: '{}' })
        .where('id', '=', revisionId)
        .execute(),
    ).rejects.toThrow(/immutable/)
  })

  it('rolls a failed transaction back, and a savepoint back to where it was taken', async () => {
    await expect(
      database.db.transaction().execute(async (trx) => {
        await trx.insertInto('activities').values({ name: 'gone' }).execute()
        throw new Error('fail the transaction')
      }),
    ).rejects.toThrow('fail the transaction')

    const trx = await database.db.startTransaction().execute()
    await trx.insertInto('activities').values({ name: 'kept' }).execute()
    const point = await trx.savepoint('before_second').execute()
    await point.insertInto('activities').values({ name: 'undone' }).execute()
    const back = await point.rollbackToSavepoint('before_second').execute()
    await back.commit().execute()

    const names = await database.db.selectFrom('activities').select('name').execute()
    expect(names).toEqual([{ name: 'kept' }])
  })

  it('keeps queries from outside a transaction out of it', async () => {
    let outside: Promise<unknown> | undefined
    await expect(
      database.db.transaction().execute(async (trx) => {
        await trx.insertInto('activities').values({ name: 'inside' }).execute()
        // PGlite has one session: this insert must wait for the transaction, not join it.
        outside = database.db.insertInto('activities').values({ name: 'outside' }).execute()
        await trx.selectFrom('activities').selectAll().execute()
        throw new Error('roll back inside')
      }),
    ).rejects.toThrow('roll back inside')
    await outside
    const names = await database.db.selectFrom('activities').select('name').execute()
    expect(names).toEqual([{ name: 'outside' }])
  })

  it('claims rows with FOR UPDATE SKIP LOCKED', async () => {
    const { machineId, revisionId } = await insertStateMachine(database)
    const { id } = await database.db
      .insertInto('executions')
      .values({
        state_machine_id: machineId,
        revision_id: revisionId,
        name: 'run-1',
        input: toJsonb({}),
        snapshot: toJsonb({}),
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    await database.db
      .insertInto('timers')
      .values([
        { execution_id: id, fire_at: sql<Date>`now() - interval '1 second'`, reason: 'Wait' },
        { execution_id: id, fire_at: sql<Date>`now() + interval '1 hour'`, reason: 'Retry' },
      ])
      .execute()
    const due = await database.db
      .selectFrom('timers')
      .select(['id', 'reason'])
      .where('fire_at', '<=', sql<Date>`now()`)
      .orderBy('fire_at')
      .limit(10)
      .forUpdate()
      .skipLocked()
      .execute()
    expect(due.map((t) => t.reason)).toEqual(['Wait'])
  })
})

describe('database: embedded data folder', () => {
  let dir: string

  beforeEach(async () => {
    dir = await makeTempDir('millrace-pglite-')
  })

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('keeps data across restarts and lets one process at a time use the folder', async () => {
    const embeddedSeed = await pgliteSeed()
    const first = await openDatabase({ dataDir: dir, embeddedSeed })
    try {
      await migrate(first)
      await first.db.insertInto('activities').values({ name: 'persisted' }).execute()
      await expect(openDatabase({ dataDir: dir })).rejects.toThrow(
        new RegExp(`in use by process ${process.pid}`),
      )
    } finally {
      await first.close()
    }

    const second = await openDatabase({ dataDir: dir, embeddedSeed })
    try {
      expect((await migrate(second)).applied).toEqual([])
      const names = await second.db.selectFrom('activities').select('name').execute()
      expect(names).toEqual([{ name: 'persisted' }])
    } finally {
      await second.close()
    }
  })
})
