import type { PGlite, Results } from '@electric-sql/pglite'
import type { CompiledQuery } from 'kysely'
import {
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type DatabaseConnection,
  type DatabaseIntrospector,
  type Dialect,
  type DialectAdapter,
  type Driver,
  type Kysely,
  type QueryCompiler,
  type QueryResult,
} from 'kysely'
import { AFFECTED_ROW_COMMANDS, SqlTransactions } from './sql-transactions.js'

/**
 * A promise-chain mutex. PGlite is one Postgres session, so whoever holds it owns the session:
 * a kysely connection (one query, or a whole transaction) or a LISTEN/UNLISTEN.
 */
export class Mutex {
  #tail: Promise<void> = Promise.resolve()
  /** Holders and waiters: the holder, if any, plus everyone queued behind it. */
  #queued = 0

  /** Whether the lock is held, and how many wait for it (the session's "pool" for metrics). */
  get stats(): { readonly held: boolean; readonly waiting: number } {
    return { held: this.#queued > 0, waiting: Math.max(0, this.#queued - 1) }
  }

  /** Waits for the lock and returns the function that releases it. */
  async acquire(): Promise<() => void> {
    let resolveHeld!: () => void
    const held = new Promise<void>((resolve) => {
      resolveHeld = resolve
    })
    let released = false
    const release = () => {
      if (released) return
      released = true
      this.#queued--
      resolveHeld()
    }
    this.#queued++
    const previous = this.#tail
    this.#tail = previous.then(() => held)
    await previous
    return release
  }

  /** Runs `fn` while holding the lock. */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    const release = await this.acquire()
    try {
      return await fn()
    } finally {
      release()
    }
  }
}

export interface PGliteDialectConfig {
  readonly pglite: PGlite
  /**
   * Shared with everything else that talks to the same PGlite outside kysely (LISTEN), so that
   * nothing runs inside somebody else's open transaction.
   */
  readonly mutex: Mutex
  /** Called by kysely's `destroy()`; closing PGlite is the owner's job (see database.ts). */
  readonly onDestroy?: () => Promise<void>
}

/**
 * A kysely dialect for PGlite (in-process WASM Postgres).
 *
 * Written here rather than taken from npm: the maintained dialects pin PGlite below 0.5. It is
 * small because PGlite speaks Postgres: the adapter, query compiler and introspector are kysely's
 * own Postgres ones, and only the connection is new.
 *
 * PGlite has exactly one session. Every acquired connection holds {@link Mutex} until released,
 * so a transaction runs alone and a query from elsewhere waits for it instead of landing inside
 * it. Like postgres.js, a query without parameters is sent with the simple protocol and may hold
 * several statements (migrations rely on this); its result is the last statement's.
 *
 * @example
 * const mutex = new Mutex()
 * const db = new Kysely<Tables>({ dialect: new PGliteDialect({ pglite, mutex }) })
 */
export class PGliteDialect implements Dialect {
  readonly #config: PGliteDialectConfig

  constructor(config: PGliteDialectConfig) {
    this.#config = config
  }

  createAdapter(): DialectAdapter {
    return new PostgresAdapter()
  }

  createDriver(): Driver {
    return new PGliteDriver(this.#config)
  }

  createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    return new PostgresIntrospector(db)
  }

  createQueryCompiler(): QueryCompiler {
    return new PostgresQueryCompiler()
  }
}

class PGliteDriver extends SqlTransactions implements Driver {
  readonly #config: PGliteDialectConfig
  readonly #releases = new WeakMap<DatabaseConnection, () => void>()

  constructor(config: PGliteDialectConfig) {
    super()
    this.#config = config
  }

  async init(): Promise<void> {
    await this.#config.pglite.waitReady
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const release = await this.#config.mutex.acquire()
    const connection = new PGliteConnection(this.#config.pglite)
    this.#releases.set(connection, release)
    return connection
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    const release = this.#releases.get(connection)
    this.#releases.delete(connection)
    try {
      // A raw `begin` without its `commit` would otherwise swallow every later query.
      if (!this.#config.pglite.closed && this.#config.pglite.isInTransaction()) {
        await this.#config.pglite.query('rollback')
      }
    } finally {
      release?.()
    }
  }

  async destroy(): Promise<void> {
    await this.#config.onDestroy?.()
  }
}

class PGliteConnection implements DatabaseConnection {
  readonly #pglite: PGlite

  constructor(pglite: PGlite) {
    this.#pglite = pglite
  }

  async executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    let result: Results<R> | undefined
    if (compiledQuery.parameters.length === 0) {
      const results = await this.#pglite.exec(compiledQuery.sql)
      result = results.at(-1) as Results<R> | undefined
    } else {
      result = await this.#pglite.query<R>(compiledQuery.sql, [...compiledQuery.parameters])
    }
    if (result === undefined) return { rows: [] }
    const command = result.command?.toUpperCase()
    const affected = result.rowCount ?? result.affectedRows
    return {
      rows: result.rows,
      ...(command !== undefined && AFFECTED_ROW_COMMANDS.has(command) && affected !== undefined
        ? { numAffectedRows: BigInt(affected) }
        : {}),
    }
  }

  streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('PGliteDialect does not support streaming queries')
  }
}
