// Databases for integration tests: a fresh one per use, on a PostgreSQL server or on PGlite.
//
// The server comes from MILLRACE_TEST_DATABASE_URL, which `npm test` (scripts/test.mjs) sets to
// a throwaway cluster, or to the server you point it at. Each test database is created on that
// server under a random name and dropped afterwards, so test files run in parallel without
// sharing state. Without a server, server suites are skipped, and they say so in their names.
import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, rename, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import postgres from 'postgres'
import { describe } from 'vitest'
import { openDatabase, type Backend, type Database } from '../../engine/store/database.js'
import { migrate } from '../../engine/store/migrate.js'

/** The PostgreSQL server the server suites use, if there is one. */
export const serverUrl: string | undefined = process.env['MILLRACE_TEST_DATABASE_URL'] || undefined

const NO_SERVER =
  'SKIPPED: no PostgreSQL server (run `npm test`, which starts one, or set MILLRACE_TEST_DATABASE_URL)'

/**
 * `describe` for suites that need a PostgreSQL server. Without one the suite is skipped, and
 * its name carries the reason, so the report shows why instead of just a smaller count.
 *
 * @example
 * describeWithServer('LISTEN after a reconnect', () => { it('...', async () => { ... }) })
 */
export function describeWithServer(name: string, fn: () => void): void {
  if (serverUrl) {
    describe(name, fn)
    return
  }
  // The default reporter only counts skipped tests: say which and why where it shows.
  console.warn(`[millrace] ${name}: ${NO_SERVER}`)
  describe.skip(`${name} [${NO_SERVER}]`, fn)
}

/**
 * `describe` for suites that need several connections at once (two engines, two migrators).
 * PGlite is one Postgres session in one process, so these can only run against a server:
 * on PGlite the question they ask ("do two sessions conflict?") cannot arise.
 */
export const describeMultiConnection = describeWithServer

/** Runs `fn` once per backend: `name (postgres)` and `name (pglite)`. */
export function describeEachBackend(name: string, fn: (backend: Backend) => void): void {
  describeWithServer(`${name} (postgres)`, () => fn('postgres'))
  describe(`${name} (pglite)`, () => fn('pglite'))
}

export interface TestDatabase {
  readonly database: Database
  readonly backend: Backend
  /** Server backend: the database's URL, for opening more connections to it. */
  readonly url: string | undefined
  /** Closes the database and deletes it (server database, or PGlite folder). */
  dispose(): Promise<void>
}

export interface TestDatabaseOptions {
  /** Apply `migrations/` before handing it out (default false). */
  readonly migrate?: boolean
}

/**
 * Opens a new, empty database on `backend` that nothing else uses.
 *
 * @example
 * const test = await openTestDatabase('pglite', { migrate: true })
 * try { ... test.database.db ... } finally { await test.dispose() }
 */
export async function openTestDatabase(
  backend: Backend,
  options: TestDatabaseOptions = {},
): Promise<TestDatabase> {
  const opened = backend === 'postgres' ? await openServerTestDatabase() : await openPgliteTest()
  if (options.migrate) {
    try {
      await migrate(opened.database)
    } catch (error) {
      await opened.dispose()
      throw error
    }
  }
  return opened
}

export interface ServerTestDatabase {
  readonly url: string
  readonly name: string
  /** Drops the database, ending any connection still open to it. */
  drop(): Promise<void>
}

/**
 * Creates an empty database with a random name on the test server.
 *
 * @example
 * const { url, drop } = await createServerDatabase()
 */
export async function createServerDatabase(): Promise<ServerTestDatabase> {
  if (!serverUrl) throw new Error(`createServerDatabase: ${NO_SERVER}`)
  const name = `millrace_test_${randomBytes(6).toString('hex')}`
  await withAdmin((sql) => sql.unsafe(`create database "${name}"`))
  const url = new URL(serverUrl)
  url.pathname = `/${name}`
  let dropped = false
  return {
    url: url.toString(),
    name,
    async drop() {
      if (dropped) return
      dropped = true
      await withAdmin((sql) => sql.unsafe(`drop database if exists "${name}" with (force)`))
    },
  }
}

async function withAdmin(fn: (sql: postgres.Sql) => Promise<unknown>): Promise<void> {
  const sql = postgres(serverUrl ?? '', { max: 1, onnotice: () => {} })
  try {
    await fn(sql)
  } finally {
    await sql.end()
  }
}

async function openServerTestDatabase(): Promise<TestDatabase> {
  const created = await createServerDatabase()
  let database: Database
  try {
    database = await openDatabase({ databaseUrl: created.url, maxConnections: 4 })
  } catch (error) {
    await created.drop()
    throw error
  }
  return {
    database,
    backend: 'postgres',
    url: created.url,
    async dispose() {
      try {
        await database.close()
      } finally {
        await created.drop()
      }
    },
  }
}

/** A new empty folder in the temp folder; the caller removes it. */
export async function makeTempDir(prefix = 'millrace-test-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix))
}

// In memory: a test database lives for one file at most, and starting from the seed in memory
// takes ~0.7 s where a folder on disk takes 1-2 s. The folder code path has its own test.
async function openPgliteTest(): Promise<TestDatabase> {
  const database = await openDatabase({ dataDir: 'memory://', embeddedSeed: await pgliteSeed() })
  return {
    database,
    backend: 'pglite',
    url: undefined,
    dispose: () => database.close(),
  }
}

let seed: Promise<Blob> | undefined

/**
 * A dump of a freshly initialized PGlite cluster, made once per machine and PGlite version and
 * kept in the temp folder. Starting from it takes ~0.6 s where initdb takes ~3 s (PGlite 0.5.16,
 * 2 cores), and every PGlite test opens a new database.
 */
export function pgliteSeed(): Promise<Blob> {
  seed ??= loadOrMakeSeed()
  return seed
}

async function loadOrMakeSeed(): Promise<Blob> {
  const { version } = JSON.parse(
    await readFile(
      join(
        dirname(createRequire(import.meta.url).resolve('@electric-sql/pglite')),
        '..',
        'package.json',
      ),
      'utf8',
    ),
  ) as { version: string }
  const cacheDir = join(tmpdir(), 'millrace-test-cache')
  const file = join(cacheDir, `pglite-${version}-seed.tar`)
  if (existsSync(file)) return new Blob([await readFile(file)])
  const pglite = await PGlite.create({ dataDir: 'memory://' })
  try {
    const dump = await pglite.dumpDataDir('none')
    const bytes = new Uint8Array(await dump.arrayBuffer())
    await mkdir(cacheDir, { recursive: true })
    // Parallel test workers may all make one: each writes its own file, the renames are atomic.
    const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`
    await writeFile(temp, bytes)
    await rename(temp, file)
    return new Blob([bytes])
  } finally {
    await pglite.close()
  }
}
