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
import type postgres from 'postgres'
import { AFFECTED_ROW_COMMANDS, SqlTransactions } from './sql-transactions.js'

export interface ServerDialectConfig {
  /**
   * Makes one postgres.js client of exactly one connection (`max: 1`). `onClose` must be called
   * whenever that connection closes (postgres.js's `onclose` option).
   */
  readonly connect: (onClose: () => void) => postgres.Sql
  /** How many such connections at most. */
  readonly maxConnections: number
}

/** How the connections of a store are used right now (for metrics). */
export interface PoolStats {
  /** The most connections the store opens (LISTEN's own connection aside). */
  readonly max: number
  /** Lent to a query or a transaction. */
  readonly inUse: number
  /** Open and free. */
  readonly idle: number
  /** Queries and transactions waiting for a connection. */
  readonly waiting: number
}

/**
 * A kysely dialect for a PostgreSQL server over postgres.js that survives the server going away
 * (a restart, a dropped connection) without taking the process down or splitting a transaction.
 *
 * Why not kysely-postgres-js: it runs every query on a connection from postgres.js's `reserve()`,
 * and postgres.js 3.4.9 goes on sending a reservation's queries to its connection after that
 * connection has closed. The write then runs on a null socket inside a setImmediate, an
 * uncaught TypeError that kills the process (porsager/postgres#1154, #1208; seen here with
 * `pg_ctl restart -m immediate` under two engines, both died). Releasing such a reservation also
 * puts a connection without a socket back into the pool, and a connection that closed while a
 * small write was buffered keeps a stale write timer and never connects again.
 *
 * Here every connection is a postgres.js client of its own with one connection, lent to one
 * kysely connection (one query, or one transaction) at a time; no reservations. A client whose
 * connection closed, or whose query failed other than with an SQL error, is never used again:
 * it is ended and replaced by a new one. So a transaction whose connection dropped between two
 * statements fails as a whole, instead of postgres.js reconnecting and running its remaining
 * statements on a new session, outside any transaction.
 */
export class ServerDialect implements Dialect {
  readonly #config: ServerDialectConfig
  #driver: ServerDriver | undefined

  constructor(config: ServerDialectConfig) {
    this.#config = config
  }

  /** How the connections are used now: read at a metrics scrape, never on a hot path. */
  stats(): PoolStats {
    return (
      this.#driver?.stats() ?? { max: this.#config.maxConnections, inUse: 0, idle: 0, waiting: 0 }
    )
  }

  createAdapter(): DialectAdapter {
    return new PostgresAdapter()
  }

  createDriver(): Driver {
    this.#driver = new ServerDriver(this.#config)
    return this.#driver
  }

  createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    return new PostgresIntrospector(db)
  }

  createQueryCompiler(): QueryCompiler {
    return new PostgresQueryCompiler()
  }
}

/** One postgres.js client of one connection, and whether it may be used again. */
interface Client {
  readonly sql: postgres.Sql
  /** Its connection closed or failed: end it, make a new one. */
  broken: boolean
}

class ServerDriver extends SqlTransactions implements Driver {
  readonly #config: ServerDialectConfig
  readonly #clients = new Set<Client>()
  readonly #idle: Client[] = []
  readonly #waiting: { resolve: (c: Client) => void; reject: (e: Error) => void }[] = []
  #destroyed = false

  constructor(config: ServerDialectConfig) {
    super()
    this.#config = config
  }

  async init(): Promise<void> {}

  stats(): PoolStats {
    let idle = 0
    for (const client of this.#idle) if (!client.broken) idle++
    return {
      max: this.#config.maxConnections,
      inUse: this.#clients.size - this.#idle.length,
      idle,
      waiting: this.#waiting.length,
    }
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    if (this.#destroyed) throw new Error('The database is closed')
    let client: Client | undefined
    while ((client = this.#idle.pop()) !== undefined && client.broken) this.#discard(client)
    client ??=
      this.#clients.size < this.#config.maxConnections
        ? this.#create()
        : await new Promise<Client>((resolve, reject) => this.#waiting.push({ resolve, reject }))
    return new ServerConnection(client)
  }

  override async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    // A lost connection has rolled the transaction back already; sending anything is harmful.
    if ((connection as ServerConnection).client.broken) return
    await super.rollbackTransaction(connection)
  }

  releaseConnection(connection: DatabaseConnection): Promise<void> {
    const { client } = connection as ServerConnection
    if (client.broken || this.#destroyed) {
      this.#discard(client)
      // Its place is free: a new client for whoever waits.
      if (!this.#destroyed && this.#waiting.length > 0) {
        this.#waiting.shift()?.resolve(this.#create())
      }
      return Promise.resolve()
    }
    const next = this.#waiting.shift()
    if (next) next.resolve(client)
    else this.#idle.push(client)
    return Promise.resolve()
  }

  async destroy(): Promise<void> {
    this.#destroyed = true
    for (const w of this.#waiting.splice(0)) w.reject(new Error('The database is closed'))
    const clients = [...this.#clients]
    this.#clients.clear()
    this.#idle.length = 0
    await Promise.all(clients.map((c) => c.sql.end({ timeout: 5 }).catch(() => {})))
  }

  #create(): Client {
    const client: Client = {
      sql: this.#config.connect(() => {
        client.broken = true
      }),
      broken: false,
    }
    this.#clients.add(client)
    return client
  }

  #discard(client: Client): void {
    if (!this.#clients.delete(client)) return
    // Nothing is in flight on it: it is ended at once, a dead socket included.
    client.sql.end({ timeout: 0 }).catch(() => {})
  }
}

class ServerConnection implements DatabaseConnection {
  constructor(readonly client: Client) {}

  async executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    if (this.client.broken) throw connectionLost()
    let result: postgres.RowList<postgres.Row[]>
    try {
      // Without parameters postgres.js uses the simple protocol: several statements may be sent
      // at once (migrations rely on this). With parameters the statement is prepared once per
      // connection and then only bound, so its text is parsed once (the engine's CPU), though
      // PostgreSQL may plan it again at each execution; the decision write functions
      // (migrations/0002) keep plans of their own.
      const parameters = compiledQuery.parameters as postgres.ParameterOrJSON<never>[]
      result = await this.client.sql.unsafe(
        compiledQuery.sql,
        [...parameters],
        parameters.length > 0 ? { prepare: true } : {},
      )
    } catch (error) {
      if (!isStatementError(error)) this.client.broken = true
      throw error
    }
    return {
      rows: [...result] as R[],
      ...(AFFECTED_ROW_COMMANDS.has(result.command) && result.count !== null
        ? { numAffectedRows: BigInt(result.count) }
        : {}),
    }
  }

  streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('ServerDialect does not support streaming queries')
  }
}

/**
 * An error PostgreSQL reported about the statement, its session intact (a constraint, a
 * deadlock, a serialization failure). Anything else (a closed socket, a FATAL error, a timeout)
 * says nothing good about the connection.
 */
function isStatementError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false
  const e = error as { name?: unknown; severity?: unknown }
  return e.name === 'PostgresError' && e.severity === 'ERROR'
}

function connectionLost(): Error {
  return Object.assign(new Error('The connection to the database was lost'), {
    code: 'CONNECTION_CLOSED',
  })
}
