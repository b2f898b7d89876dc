import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { sql, type Kysely, type Transaction } from 'kysely'
import type { Tables } from './schema.js'

/** One file of `migrations/`, e.g. `0001_init.sql`. */
export interface Migration {
  readonly version: number
  readonly name: string
  readonly fileName: string
  readonly sql: string
  /** sha256 hex of the file text, line endings normalized to `\n`. */
  readonly checksum: string
}

export interface MigrateOptions {
  /** Folder of `NNNN_name.sql` files. Default: the `migrations/` folder of this package. */
  readonly migrationsDir?: string | undefined
}

export interface MigrateResult {
  /** Migrations this call applied, in order (empty when the database was up to date). */
  readonly applied: readonly Migration[]
  /** Highest version now applied (0 when there are no migrations). */
  readonly version: number
}

/**
 * Every migrator takes this transaction-level advisory lock first, so two engines that start
 * together apply each file once: the second waits, then finds nothing left to do.
 * The key is "millrace" in ASCII, read as a 64-bit integer.
 */
const MIGRATION_LOCK_KEY = '7883959220838670181'

const FILE_NAME = /^(\d+)_([a-z0-9_]+)\.sql$/

/**
 * Brings the database up to date: applies each pending migration in version order, each in its
 * own transaction, and records it in `millrace_migrations`. Refuses to run (and applies nothing)
 * when an applied file's checksum changed or the database has a version this code doesn't know.
 *
 * Migrations are forward only. A file must not contain its own BEGIN/COMMIT, nor statements
 * that can't run in a transaction (CREATE INDEX CONCURRENTLY).
 *
 * @example
 * const database = await openDatabase({ databaseUrl })
 * const { applied } = await migrate(database)
 */
export async function migrate(
  database: { readonly db: Kysely<Tables> },
  options: MigrateOptions = {},
): Promise<MigrateResult> {
  const migrations = await loadMigrations(options.migrationsDir)
  const applied: Migration[] = []
  for (;;) {
    const next = await database.db.transaction().execute(async (trx) => {
      await sql`select pg_advisory_xact_lock(${MIGRATION_LOCK_KEY}::bigint)`.execute(trx)
      const done = await appliedVersions(trx)
      checkApplied(migrations, done)
      const pending = migrations.find((m) => !done.has(m.version))
      if (pending === undefined) return undefined
      const newest = Math.max(0, ...done.keys())
      if (pending.version < newest) {
        throw new Error(
          `Migration ${pending.fileName} is older than migration ${newest}, which is already ` +
            'applied. Give it a version after every applied one.',
        )
      }
      try {
        await sql.raw(pending.sql).execute(trx)
      } catch (error) {
        throw new Error(`Migration ${pending.fileName} failed: ${messageOf(error)}`, {
          cause: error,
        })
      }
      await trx
        .insertInto('millrace_migrations')
        .values({ version: pending.version, name: pending.name, checksum: pending.checksum })
        .execute()
      return pending
    })
    if (next === undefined) break
    applied.push(next)
  }
  return { applied, version: migrations.at(-1)?.version ?? 0 }
}

/**
 * Reads and checks the migration files: `NNNN_name.sql`, versions unique, sorted by version.
 * Files not ending in `.sql` are ignored.
 *
 * @example
 * const migrations = await loadMigrations() // [{ version: 1, name: 'init', ... }]
 */
export async function loadMigrations(migrationsDir?: string): Promise<Migration[]> {
  const dir = migrationsDir ?? defaultMigrationsDir()
  const fileNames = (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort()
  const migrations: Migration[] = []
  for (const fileName of fileNames) {
    const match = FILE_NAME.exec(fileName)
    if (!match) {
      throw new Error(`Migration file ${fileName} is not named NNNN_lower_snake_name.sql`)
    }
    const text = (await readFile(join(dir, fileName), 'utf8')).replaceAll('\r\n', '\n')
    migrations.push({
      version: Number(match[1]),
      name: String(match[2]),
      fileName,
      sql: text,
      checksum: createHash('sha256').update(text).digest('hex'),
    })
  }
  migrations.sort((a, b) => a.version - b.version)
  for (let i = 1; i < migrations.length; i++) {
    const [previous, current] = [migrations[i - 1], migrations[i]]
    if (previous && current && previous.version === current.version) {
      throw new Error(`Migrations ${previous.fileName} and ${current.fileName} share a version`)
    }
  }
  return migrations
}

async function appliedVersions(trx: Transaction<Tables>): Promise<Map<number, string>> {
  await sql`
    create table if not exists millrace_migrations (
      version integer primary key,
      name text not null,
      checksum text not null,
      applied_at timestamptz not null default now()
    )
  `.execute(trx)
  const rows = await trx
    .selectFrom('millrace_migrations')
    .select(['version', 'checksum'])
    .orderBy('version')
    .execute()
  return new Map(rows.map((row) => [row.version, row.checksum]))
}

function checkApplied(migrations: readonly Migration[], applied: Map<number, string>): void {
  const known = new Map(migrations.map((m) => [m.version, m]))
  for (const [version, checksum] of applied) {
    const migration = known.get(version)
    if (migration === undefined) {
      throw new Error(
        `The database has migration ${version} applied, which this millrace does not have. ` +
          'Run a millrace at least as new as the one that migrated this database.',
      )
    }
    if (migration.checksum !== checksum) {
      throw new Error(
        `Migration ${migration.fileName} changed after it was applied ` +
          `(applied checksum ${checksum}, file checksum ${migration.checksum}). ` +
          'Applied migrations are never edited: restore the file and add a new migration.',
      )
    }
  }
}

/** `migrations/` beside `engine/` in the source tree, or beside `dist/` once built. */
function defaultMigrationsDir(): string {
  const candidates = ['../../migrations', '../../../migrations'].map((relative) =>
    fileURLToPath(new URL(relative, import.meta.url)),
  )
  const found = candidates.find((dir) => existsSync(dir))
  if (found === undefined) {
    throw new Error(`No migrations folder found (looked in ${candidates.join(', ')})`)
  }
  return found
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
