// Types of pg-cluster.mjs, for the TypeScript tests that start a cluster of their own.

/** The folder holding `postgres` and `initdb` (PostgreSQL 15 first), or undefined. */
export function findBindir(): string | undefined

export interface Cluster {
  /** `postgres://postgres@127.0.0.1:<port>/postgres` */
  readonly url: string
  readonly port: number
  readonly version: string
  readonly dataDir: string
  /** `pg_ctl stop -m fast`, then delete the folder. */
  stop(): void
  /** `pg_ctl restart -m immediate`: a crash-like restart on the same port. */
  restart(): void
}

/**
 * A private cluster in a temp folder on a free port of 127.0.0.1. `durable: false` turns fsync
 * and synchronous commit off.
 */
export function startCluster(
  bindir: string,
  options?: { durable?: boolean; interrupted?: () => boolean },
): Promise<Cluster>
