import { spawnSync } from 'node:child_process'
import { mkdir, rm, writeFile } from 'node:fs/promises'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { sql, type ColumnType, type Generated, type Kysely } from 'kysely'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { openDatabase } from '../../../engine/store/database.js'
import { migrate } from '../../../engine/store/migrate.js'
import {
  toJsonb,
  type JsonbText,
  type JsonValue,
  type Tables,
} from '../../../engine/store/schema.js'
import {
  describeEachBackend,
  describeMultiConnection,
  makeTempDir,
  openTestDatabase,
  pgliteSeed,
  type TestDatabase,
} from '../../helpers/database.js'

// The dialects are tested on a table of their own, so these tests don't change when the
// engine's tables do. It has one column of each kind the engine's tables use.
type Scratch = {
  scratch: {
    id: ColumnType<number, never, never>
    uid: Generated<string>
    name: string
    doc: ColumnType<JsonValue | null, JsonbText | null | undefined, JsonbText | null>
    version: Generated<number>
    at: Generated<Date>
  }
}
type ScratchDb = Kysely<Tables & Scratch>

const CREATE_SCRATCH = sql`
  create table scratch (
    id bigint generated always as identity primary key,
    uid uuid not null default gen_random_uuid(),
    name text not null,
    doc jsonb,
    version integer not null default 0,
    at timestamptz not null default now()
  )
`

async function scratchDatabase(test: TestDatabase): Promise<ScratchDb> {
  const db = test.database.db.withTables<Scratch>()
  await CREATE_SCRATCH.execute(db)
  return db
}

describeEachBackend('database', (backend) => {
  let test: TestDatabase
  let db: ScratchDb

  beforeAll(async () => {
    test = await openTestDatabase(backend)
    db = await scratchDatabase(test)
  })

  afterEach(async () => {
    await sql`truncate scratch restart identity`.execute(db)
  })

  afterAll(async () => {
    await test?.dispose()
  })

  it('reports its backend', () => {
    expect(test.database.backend).toBe(backend)
  })

  it('reads values the same way on both backends', async () => {
    const docs: JsonValue[] = [
      { list: [1, 'two', { three: null }], nested: { ok: true } },
      [],
      'text',
      true,
      12.5,
      null,
    ]
    const rows = await db
      .insertInto('scratch')
      .values(docs.map((doc, i) => ({ name: `row-${i}`, doc: toJsonb(doc) })))
      .returningAll()
      .execute()

    expect(rows.map((row) => row.doc)).toEqual(docs)
    expect(rows.map((row) => row.id)).toEqual([1, 2, 3, 4, 5, 6])
    const [first] = rows
    expect(first?.uid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/)
    expect(first?.version).toBe(0)
    expect(first?.at).toBeInstanceOf(Date)

    const { count, big } = await db
      .selectFrom('scratch')
      .select((eb) => [
        eb.fn.countAll<number>().as('count'),
        sql<number>`9007199254740991::bigint`.as('big'),
      ])
      .executeTakeFirstOrThrow()
    expect(count).toBe(6)
    expect(big).toBe(Number.MAX_SAFE_INTEGER)

    const when = new Date('2024-02-29T12:34:56.789Z')
    const { at } = await db
      .insertInto('scratch')
      .values({ name: 'dated', at: when })
      .returning('at')
      .executeTakeFirstOrThrow()
    expect(at).toEqual(when)
  })

  it('reports affected rows, which fenced writes depend on', async () => {
    const { id } = await db
      .insertInto('scratch')
      .values({ name: 'fenced' })
      .returning('id')
      .executeTakeFirstOrThrow()
    const fenced = (version: number) =>
      db
        .updateTable('scratch')
        .set((eb) => ({ version: eb('version', '+', 1) }))
        .where('id', '=', id)
        .where('version', '=', version)
        .executeTakeFirstOrThrow()
    expect((await fenced(0)).numUpdatedRows).toBe(1n)
    expect((await fenced(0)).numUpdatedRows).toBe(0n)
    const deleted = await db.deleteFrom('scratch').executeTakeFirstOrThrow()
    expect(deleted.numDeletedRows).toBe(1n)
  })

  it('rolls a failed transaction back, and a savepoint back to where it was taken', async () => {
    await expect(
      db.transaction().execute(async (trx) => {
        await trx.insertInto('scratch').values({ name: 'gone' }).execute()
        throw new Error('fail the transaction')
      }),
    ).rejects.toThrow('fail the transaction')

    const trx = await db.startTransaction().execute()
    await trx.insertInto('scratch').values({ name: 'kept' }).execute()
    const point = await trx.savepoint('before_second').execute()
    await point.insertInto('scratch').values({ name: 'undone' }).execute()
    const back = await point.rollbackToSavepoint('before_second').execute()
    await back.commit().execute()

    expect(await db.selectFrom('scratch').select('name').execute()).toEqual([{ name: 'kept' }])
  })

  it('keeps queries from outside a transaction out of it', async () => {
    let outside: Promise<unknown> | undefined
    await expect(
      db.transaction().execute(async (trx) => {
        await trx.insertInto('scratch').values({ name: 'inside' }).execute()
        // PGlite has one session: this insert must wait for the transaction, not join it.
        outside = db.insertInto('scratch').values({ name: 'outside' }).execute()
        await trx.selectFrom('scratch').selectAll().execute()
        throw new Error('roll back inside')
      }),
    ).rejects.toThrow('roll back inside')
    await outside
    expect(await db.selectFrom('scratch').select('name').execute()).toEqual([{ name: 'outside' }])
  })

  it('runs several statements in one parameterless query, as migrations do', async () => {
    await sql
      .raw("insert into scratch (name) values ('a');\ninsert into scratch (name) values ('b');")
      .execute(db)
    expect(await db.selectFrom('scratch').select('name').orderBy('id').execute()).toEqual([
      { name: 'a' },
      { name: 'b' },
    ])
  })

  it('claims rows with FOR UPDATE SKIP LOCKED', async () => {
    await db
      .insertInto('scratch')
      .values([
        { name: 'due', at: sql<Date>`now() - interval '1 second'` },
        { name: 'later', at: sql<Date>`now() + interval '1 hour'` },
      ])
      .execute()
    const due = await db
      .selectFrom('scratch')
      .select('name')
      .where('at', '<=', sql<Date>`now()`)
      .orderBy('at')
      .limit(10)
      .forUpdate()
      .skipLocked()
      .execute()
    expect(due).toEqual([{ name: 'due' }])
  })
})

describeMultiConnection('database: two transactions claiming work', () => {
  let test: TestDatabase
  let db: ScratchDb

  beforeAll(async () => {
    test = await openTestDatabase('postgres')
    db = await scratchDatabase(test)
  })

  afterAll(async () => {
    await test?.dispose()
  })

  it('skips the row another transaction holds', async () => {
    await db
      .insertInto('scratch')
      .values([{ name: 'first' }, { name: 'second' }])
      .execute()
    const claim = (trx: ScratchDb) =>
      trx
        .selectFrom('scratch')
        .select('name')
        .orderBy('id')
        .limit(1)
        .forUpdate()
        .skipLocked()
        .executeTakeFirst()

    const holder = await db.startTransaction().execute()
    try {
      expect(await claim(holder)).toEqual({ name: 'first' })
      expect(await db.transaction().execute((other) => claim(other))).toEqual({ name: 'second' })
    } finally {
      await holder.rollback().execute()
    }
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
      expect((await migrate(first)).applied.length).toBeGreaterThan(0)
      await sql`create table kept (name text)`.execute(first.db)
      await sql`insert into kept values ('persisted')`.execute(first.db)
      await expect(openDatabase({ dataDir: dir })).rejects.toThrow(
        new RegExp(`in use by process ${process.pid}`),
      )
    } finally {
      await first.close()
    }

    const second = await openDatabase({ dataDir: dir, embeddedSeed })
    try {
      expect((await migrate(second)).applied).toEqual([])
      const { rows } = await sql<{ name: string }>`select name from kept`.execute(second.db)
      expect(rows).toEqual([{ name: 'persisted' }])
    } finally {
      await second.close()
    }
  })

  it('takes over a lock left by a process that died', async () => {
    const dead = spawnSync(process.execPath, ['-e', '']).pid
    await mkdir(dir, { recursive: true })
    await writeFile(
      join(dir, 'millrace.lock'),
      JSON.stringify({ pid: dead, hostname: hostname(), since: new Date(0).toISOString() }),
    )
    const database = await openDatabase({ dataDir: dir, embeddedSeed: await pgliteSeed() })
    await database.close()
  })
})
