import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sql } from 'kysely'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { openDatabase, type Database } from '../../../engine/store/database.js'
import { loadMigrations, migrate } from '../../../engine/store/migrate.js'
import { takeExpiredPushTasks } from '../../../engine/store/work.js'
import {
  createServerDatabase,
  describeEachBackend,
  describeMultiConnection,
  openTestDatabase,
  type ServerTestDatabase,
  type TestDatabase,
} from '../../helpers/database.js'

/** A migrations folder of our own, so a test can edit files the way a careless change would. */
async function migrationsDir(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'millrace-migrations-'))
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text)
  return dir
}

async function tableNames(database: Database): Promise<string[]> {
  const { rows } = await sql<{ table_name: string }>`
    select table_name from information_schema.tables
    where table_schema = 'public' order by table_name
  `.execute(database.db)
  return rows.map((row) => row.table_name)
}

describe('loadMigrations', () => {
  it('reads migrations/ in version order with a sha256 checksum each', async () => {
    const migrations = await loadMigrations()
    expect(migrations[0]).toMatchObject({ version: 1, name: 'init', fileName: '0001_init.sql' })
    expect(migrations.map((m) => m.version)).toEqual(
      [...migrations.map((m) => m.version)].sort((a, b) => a - b),
    )
    for (const m of migrations) expect(m.checksum).toMatch(/^[0-9a-f]{64}$/)
  })

  it('refuses a .sql file that is not named NNNN_name.sql', async () => {
    const dir = await migrationsDir({ '0001_ok.sql': 'select 1', 'extra.sql': 'select 1' })
    try {
      await expect(loadMigrations(dir)).rejects.toThrow(/extra\.sql is not named/)
    } finally {
      await rm(dir, { recursive: true })
    }
  })

  it('refuses two files with one version', async () => {
    const dir = await migrationsDir({ '0001_a.sql': 'select 1', '1_b.sql': 'select 1' })
    try {
      await expect(loadMigrations(dir)).rejects.toThrow(/share a version/)
    } finally {
      await rm(dir, { recursive: true })
    }
  })
})

describeEachBackend('migrate', (backend) => {
  let test: TestDatabase
  let dirs: string[] = []
  const dirOf = async (files: Record<string, string>) => {
    const dir = await migrationsDir(files)
    dirs.push(dir)
    return dir
  }

  beforeEach(async () => {
    test = await openTestDatabase(backend)
  })

  afterEach(async () => {
    await test.dispose()
    await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })))
    dirs = []
  })

  it('applies migrations/ once and records each file', async () => {
    const { database } = test
    const first = await migrate(database)
    const files = await loadMigrations()
    expect(first.applied.map((m) => m.fileName)).toEqual(files.map((m) => m.fileName))
    expect(first.version).toBe(files.at(-1)?.version)

    const tables = await tableNames(database)
    expect(tables).toContain('millrace_migrations')
    expect(tables.length).toBeGreaterThan(1)
    const recorded = await database.db
      .selectFrom('millrace_migrations')
      .selectAll()
      .orderBy('version')
      .execute()
    expect(recorded.map(({ version, name, checksum }) => ({ version, name, checksum }))).toEqual(
      files.map(({ version, name, checksum }) => ({ version, name, checksum })),
    )
    expect(recorded[0]?.applied_at).toBeInstanceOf(Date)

    const second = await migrate(database)
    expect(second.applied).toEqual([])
    expect(await tableNames(database)).toEqual(tables)
    expect(await database.db.selectFrom('millrace_migrations').selectAll().execute()).toEqual(
      recorded,
    )
  })

  it('0006 moves open push tasks onto their frames, where the lease loop finds them', async () => {
    const files = await loadMigrations()
    const upTo5 = files.filter((m) => m.version <= 5).map((m) => [m.fileName, m.sql])
    await migrate(test.database, { migrationsDir: await dirOf(Object.fromEntries(upTo5)) })
    const db = test.database.db
    const execution = '00000000-0000-4000-8000-000000000001'
    const frame = '00000000-0000-4000-8000-000000000002'
    const [open, closed] = [
      '00000000-0000-4000-8000-000000000003',
      '00000000-0000-4000-8000-000000000004',
    ]
    await sql`
      WITH m AS (INSERT INTO state_machines (name, role_arn) VALUES ('m', 'r') RETURNING id),
      r AS (INSERT INTO state_machine_revisions (state_machine_id, revision, definition,
        definition_hash, role_arn) SELECT id, 1, '{}', 'h', 'r' FROM m RETURNING id, state_machine_id)
      INSERT INTO executions (id, state_machine_id, revision_id, name, input, started_at)
      SELECT ${execution}, state_machine_id, id, 'e', '{}', now() FROM r`.execute(db)
    await sql`INSERT INTO frames (id, execution_id, status) VALUES (${frame}, ${execution}, 'RUNNING')`.execute(
      db,
    )
    await sql`
      INSERT INTO tasks (id, execution_id, frame_id, state_name, attempt, kind, resource, input,
        status, timeout_seconds, lease_owner, lease_until, dispatch_count)
      VALUES
        (${closed}, ${execution}, ${frame}, 'Call', 1, 'push', 'arn:f', '{"n":1}', 'FAILED', NULL,
          'engine-a', now(), 1),
        (${open}, ${execution}, ${frame}, 'Call', 2, 'push', 'arn:f', '{"n":2}', 'SCHEDULED', 5,
          'engine-a', now() - interval '1 second', 2)`.execute(db)

    await migrate(test.database)
    const row = await db
      .selectFrom('frames')
      .select(['push_task', 'lease_owner', 'dispatch_count'])
      .executeTakeFirstOrThrow()
    expect(row).toEqual({
      push_task: {
        id: open,
        state_name: 'Call',
        attempt: 2,
        resource: 'arn:f',
        input: { n: 2 },
        timeout_seconds: 5,
      },
      lease_owner: 'engine-a',
      dispatch_count: 2,
    })
    const left = await db.selectFrom('tasks').select(['id', 'status']).execute()
    expect(left).toEqual([{ id: closed, status: 'FAILED' }])
    // Its lease had run out: another engine takes it over from the frame.
    const taken = await db.transaction().execute((trx) => takeExpiredPushTasks(trx, 'engine-b', 10))
    expect(taken).toEqual([
      {
        id: open,
        kind: 'push',
        executionId: execution,
        frameId: frame,
        stateName: 'Call',
        attempt: 2,
        resource: 'arn:f',
        input: { n: 2 },
        timeoutSeconds: 5,
        dispatchCount: 3,
      },
    ])
    expect(
      await db.selectFrom('frames').select(['lease_owner', 'dispatch_count']).executeTakeFirst(),
    ).toEqual({ lease_owner: 'engine-b', dispatch_count: 3 })
  })

  it('applies only the files added since the last run', async () => {
    const dir = await dirOf({ '0001_a.sql': 'create table a (id int);' })
    expect((await migrate(test.database, { migrationsDir: dir })).applied).toHaveLength(1)
    await writeFile(join(dir, '0002_b.sql'), 'create table b (id int); create table c (id int);')
    const result = await migrate(test.database, { migrationsDir: dir })
    expect(result.applied.map((m) => m.fileName)).toEqual(['0002_b.sql'])
    expect(result.version).toBe(2)
    expect(await tableNames(test.database)).toEqual(['a', 'b', 'c', 'millrace_migrations'])
  })

  it('refuses to run when an applied file changed, and applies nothing', async () => {
    const dir = await dirOf({ '0001_a.sql': 'create table a (id int);' })
    await migrate(test.database, { migrationsDir: dir })
    await writeFile(join(dir, '0001_a.sql'), 'create table a (id bigint);')
    await writeFile(join(dir, '0002_b.sql'), 'create table b (id int);')
    await expect(migrate(test.database, { migrationsDir: dir })).rejects.toThrow(
      /0001_a\.sql changed after it was applied/,
    )
    expect(await tableNames(test.database)).toEqual(['a', 'millrace_migrations'])
  })

  it('treats CRLF and LF versions of a file as the same file', async () => {
    const dir = await dirOf({ '0001_a.sql': 'create table a (id int);\nselect 1;\n' })
    await migrate(test.database, { migrationsDir: dir })
    await writeFile(join(dir, '0001_a.sql'), 'create table a (id int);\r\nselect 1;\r\n')
    expect((await migrate(test.database, { migrationsDir: dir })).applied).toEqual([])
  })

  it('rolls a failing migration back whole and records nothing for it', async () => {
    const dir = await dirOf({
      '0001_a.sql': 'create table a (id int);',
      '0002_bad.sql': 'create table b (id int);\ninsert into b values (1);\nselect 1 / 0;',
    })
    await expect(migrate(test.database, { migrationsDir: dir })).rejects.toThrow(
      /Migration 0002_bad\.sql failed: division by zero/,
    )
    expect(await tableNames(test.database)).toEqual(['a', 'millrace_migrations'])
    const versions = await test.database.db
      .selectFrom('millrace_migrations')
      .select('version')
      .execute()
    expect(versions).toEqual([{ version: 1 }])
  })

  it('refuses a database migrated by a newer millrace', async () => {
    const newer = await dirOf({ '0001_a.sql': 'select 1;', '0002_b.sql': 'select 1;' })
    await migrate(test.database, { migrationsDir: newer })
    const older = await dirOf({ '0001_a.sql': 'select 1;' })
    await expect(migrate(test.database, { migrationsDir: older })).rejects.toThrow(
      /has migration 2 applied, which this millrace does not have/,
    )
  })

  it('refuses a file added with a version below one already applied', async () => {
    const dir = await dirOf({ '0001_a.sql': 'select 1;', '0003_c.sql': 'select 1;' })
    await migrate(test.database, { migrationsDir: dir })
    await writeFile(join(dir, '0002_b.sql'), 'create table b (id int);')
    await expect(migrate(test.database, { migrationsDir: dir })).rejects.toThrow(
      /0002_b\.sql is older than migration 3/,
    )
  })
})

describeMultiConnection('migrate: engines starting together', () => {
  let server: ServerTestDatabase
  let dir: string

  beforeEach(async () => {
    server = await createServerDatabase()
    // The sleep holds the first migrator inside its transaction long enough that the others
    // arrive while it runs: without the advisory lock, two of them would both create table a.
    dir = await migrationsDir({
      '0001_a.sql': 'create table a (id int);\nselect pg_sleep(0.2);',
      '0002_b.sql': 'create table b (id int);',
    })
  })

  afterEach(async () => {
    await server.drop()
    await rm(dir, { recursive: true, force: true })
  })

  it('applies each file once when four migrators race on one database', async () => {
    const databases = await Promise.all(
      [1, 2, 3, 4].map(() => openDatabase({ databaseUrl: server.url, maxConnections: 1 })),
    )
    try {
      // allSettled: a failed migrator must not leave the others running while we close
      const settled = await Promise.allSettled(
        databases.map((database) => migrate(database, { migrationsDir: dir })),
      )
      const results = settled.map((outcome) => {
        if (outcome.status === 'rejected') throw outcome.reason
        return outcome.value
      })
      const applied = results.flatMap((r) => r.applied.map((m) => m.fileName)).sort()
      expect(applied).toEqual(['0001_a.sql', '0002_b.sql'])
      const [first] = databases
      const rows = await first!.db.selectFrom('millrace_migrations').select('version').execute()
      expect(rows.map((r) => r.version).sort()).toEqual([1, 2])
    } finally {
      await Promise.all(databases.map((database) => database.close()))
    }
  })
})
