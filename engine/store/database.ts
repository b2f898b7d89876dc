import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import type { PGlite } from '@electric-sql/pglite'
import { Kysely, sql, type Transaction } from 'kysely'
import postgres from 'postgres'
import { lockDataDir } from './data-dir-lock.js'
import { Mutex, PGliteDialect } from './pglite-dialect.js'
import { ServerDialect, type PoolStats } from './server-dialect.js'
import { ServerListener } from './server-listener.js'
import type { Tables } from './schema.js'

/** Where the embedded database lives when no `databaseUrl` is given. */
export const DEFAULT_DATA_DIR = './.millrace'

export interface DatabaseConfig {
  /** `postgres://user:pass@host:port/db`. Absent: the embedded PGlite under `dataDir`. */
  readonly databaseUrl?: string | undefined
  /**
   * Embedded data folder (default `./.millrace`, resolved against the working directory). The
   * folder holds `pglite/` (the cluster) and `millrace.lock` (one process at a time).
   * `memory://` keeps everything in memory and takes no lock.
   */
  readonly dataDir?: string | undefined
  /** postgres.js pool size (default 10). LISTEN uses one more connection of its own. */
  readonly maxConnections?: number | undefined
  /** `application_name` the server shows in `pg_stat_activity` (default `millrace`). */
  readonly applicationName?: string | undefined
  /**
   * A new embedded folder starts from this PGlite dump (`dumpDataDir()`) instead of running
   * initdb, which takes about 3 s. Ignored when the folder already holds a database. Tests use it.
   */
  readonly embeddedSeed?: Blob | undefined
}

export type Backend = 'postgres' | 'pglite'

/** Anything a store query can run on: the database itself or an open transaction. */
export type Executor = Kysely<Tables> | Transaction<Tables>

/** Stops a subscription made by {@link Database.listen}. Safe to call twice. */
export type Unlisten = () => Promise<void>

export interface ListenOptions {
  /**
   * Called each time the subscription is in place: once at first, and again each time a dropped
   * LISTEN connection to the server is back (it is retried until it is). Notifications sent while
   * it was down are lost, so a caller that sleeps until notified should poll once here
   * (DESIGN.md: "LISTEN/NOTIFY only wakes sleepers early").
   */
  readonly onListening?: () => void
}

export interface Database {
  /** Which engine is behind `db`: a PostgreSQL server (postgres.js) or embedded PGlite. */
  readonly backend: Backend
  /** The query builder. Every store query goes through it. */
  readonly db: Kysely<Tables>
  /**
   * Subscribes to a NOTIFY channel. `channel` is a lower-case SQL identifier
   * (`[a-z_][a-z0-9_]*`, at most 63 characters) so it means the same to LISTEN and pg_notify.
   * `onNotify` must not throw: an error it throws is rethrown asynchronously.
   *
   * @example
   * const unlisten = await database.listen('millrace_work', () => wake(), { onListening: wake })
   */
  listen(
    channel: string,
    onNotify: (payload: string) => void,
    options?: ListenOptions,
  ): Promise<Unlisten>
  /**
   * Sends a notification. Pass the decision's transaction as `executor` so the notification is
   * delivered only if, and when, the transaction commits.
   *
   * @example
   * await db.transaction().execute(async (trx) => { ...; await database.notify('millrace_work', id, trx) })
   */
  notify(channel: string, payload?: string, executor?: Executor): Promise<void>
  /**
   * How the connections are used now, for metrics. PGlite is one session: it is in use while a
   * query, a transaction or a LISTEN holds it, and the rest wait.
   */
  poolStats(): PoolStats
  /** Closes every connection (and the embedded database, releasing its folder). Idempotent. */
  close(): Promise<void>
}

/**
 * Opens the store: a PostgreSQL server when `databaseUrl` is set, else embedded PGlite.
 * It does not migrate: call `migrate(database)` next.
 *
 * Values read the same on both backends: `bigint` → `number`, `timestamptz` → `Date`,
 * `jsonb` → parsed JSON (write it with `toJsonb`).
 *
 * @example
 * const database = await openDatabase({ databaseUrl: process.env['DATABASE_URL'] })
 * try {
 *   await migrate(database)
 *   const rows = await database.db.selectFrom('activities').selectAll().execute()
 * } finally {
 *   await database.close()
 * }
 */
export async function openDatabase(config: DatabaseConfig = {}): Promise<Database> {
  return config.databaseUrl
    ? openServer(config.databaseUrl, config)
    : openEmbedded(config.dataDir ?? DEFAULT_DATA_DIR, config.embeddedSeed)
}

/** postgres.js calls `onclose` when a connection closes; its types omit the option. */
interface OnCloseOption {
  readonly onclose: () => void
}

async function openServer(databaseUrl: string, config: DatabaseConfig): Promise<Database> {
  const applicationName = config.applicationName ?? 'millrace'
  // One postgres.js client per connection, lent to one kysely connection at a time and replaced
  // once its connection closes: see ServerDialect for why not postgres.js's own pool.
  const connect = (onClose: () => void) =>
    postgres(databaseUrl, {
      max: 1,
      // Never closed by postgres.js itself: a connection closed between two statements of a
      // transaction fails the transaction (ServerDialect), so only a real loss may close it.
      max_lifetime: null,
      onclose: onClose,
      connection: { application_name: applicationName },
      // "relation already exists, skipping" and friends: not the store's to print.
      onnotice: () => {},
      types: {
        // As PGlite does: JSON text (toJsonb) is sent as it is, anything else is stringified.
        // postgres.js alone would stringify the text again and store a JSON string.
        json: {
          to: 3802,
          from: [114, 3802],
          serialize: (value: unknown) =>
            typeof value === 'string' ? value : JSON.stringify(value),
          parse: (text: string): unknown => JSON.parse(text),
        },
        // int8 (ids, count(*)) as number, as PGlite returns it. Ids stay far below 2^53.
        int8: {
          to: 20,
          from: [20],
          serialize: (value: number | bigint | string) => String(value),
          parse: (value: string) => Number(value),
        },
      },
    } as postgres.Options<Record<string, postgres.PostgresType>> & OnCloseOption)
  const dialect = new ServerDialect({ connect, maxConnections: config.maxConnections ?? 10 })
  const db = new Kysely<Tables>({ dialect })
  // Fail here, not at the first query, when the URL is wrong.
  try {
    await sql`select 1`.execute(db)
  } catch (error) {
    await db.destroy()
    throw error
  }

  // Made on first listen(): an engine that never listens holds no extra connection.
  let listener: ServerListener | undefined
  return {
    backend: 'postgres',
    db,
    async listen(channel, onNotify, options = {}) {
      assertChannel(channel)
      listener ??= new ServerListener(databaseUrl, { applicationName })
      return once(await listener.listen(channel, guard(onNotify), options.onListening))
    },
    notify: (channel, payload, executor) => notify(executor ?? db, channel, payload),
    poolStats: () => dialect.stats(),
    close: once(async () => {
      try {
        await listener?.close()
      } finally {
        await db.destroy()
      }
    }),
  }
}

async function openEmbedded(dataDir: string, seed: Blob | undefined): Promise<Database> {
  const inMemory = dataDir.startsWith('memory://')
  const dir = inMemory ? dataDir : resolve(dataDir)
  const lock = inMemory ? undefined : await lockDataDir(dir)
  let pglite: PGlite
  try {
    // loaded here: a server deployment never pays for PGlite's module (~110 ms)
    const { PGlite } = await import('@electric-sql/pglite')
    const pgliteDir = inMemory ? dir : join(dir, 'pglite')
    const isNew = inMemory || !existsSync(join(pgliteDir, 'PG_VERSION'))
    pglite = await PGlite.create({
      dataDir: pgliteDir,
      ...(seed && isNew ? { loadDataDir: seed } : {}),
    })
  } catch (error) {
    await lock?.release()
    throw error
  }
  const mutex = new Mutex()
  const db = new Kysely<Tables>({
    dialect: new PGliteDialect({
      pglite,
      mutex,
      onDestroy: async () => {
        try {
          await mutex.run(() => pglite.close())
        } finally {
          await lock?.release()
        }
      },
    }),
  })

  return {
    backend: 'pglite',
    db,
    async listen(channel, onNotify, options = {}) {
      assertChannel(channel)
      // Through the mutex: a LISTEN sent while a kysely transaction is open would join it.
      const unlisten = await mutex.run(() => pglite.listen(channel, guard(onNotify)))
      options.onListening?.()
      return once(() => (pglite.closed ? Promise.resolve() : mutex.run(() => unlisten())))
    },
    notify: (channel, payload, executor) => notify(executor ?? db, channel, payload),
    poolStats: () => {
      const { held, waiting } = mutex.stats
      return { max: 1, inUse: held ? 1 : 0, idle: held ? 0 : 1, waiting }
    },
    close: once(() => db.destroy()),
  }
}

async function notify(executor: Executor, channel: string, payload = ''): Promise<void> {
  assertChannel(channel)
  await sql`select pg_notify(${channel}, ${payload})`.execute(executor)
}

const CHANNEL = /^[a-z_][a-z0-9_]{0,62}$/

function assertChannel(channel: string): void {
  if (!CHANNEL.test(channel)) {
    throw new TypeError(`Invalid channel name ${JSON.stringify(channel)}: use [a-z_][a-z0-9_]*`)
  }
}

/** Keeps a throwing listener from breaking the connection that delivered the notification. */
function guard(onNotify: (payload: string) => void): (payload: string) => void {
  return (payload) => {
    try {
      onNotify(payload)
    } catch (error) {
      queueMicrotask(() => {
        throw error
      })
    }
  }
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | undefined
  return () => (done ??= fn())
}
