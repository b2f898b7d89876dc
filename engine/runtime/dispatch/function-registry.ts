import { findFunction, type FunctionRow } from '../../store/functions.js'
import type { Database, Unlisten } from '../../store/index.js'

/** NOTIFY channel the function use cases send on a put or delete (payload: the name). */
export const FUNCTIONS_CHANNEL = 'millrace_functions'

/**
 * The function registry as the HTTP dispatcher reads it: a row per name, cached so a push task
 * costs no query. While a LISTEN on {@link FUNCTIONS_CHANNEL} is in place a put or delete drops
 * the cached row at once (any engine's change); without one a row is kept `ttlMs` at most.
 * Unknown names are never cached: a function registered a moment ago is found.
 */
export class FunctionRegistry {
  private readonly cache = new Map<string, { row: FunctionRow; at: number }>()
  private readonly pending = new Map<string, Promise<FunctionRow | undefined>>()
  private listening = false

  constructor(
    private readonly database: Database,
    private readonly ttlMs = 1000,
  ) {}

  async listen(): Promise<Unlisten> {
    const unlisten = await this.database.listen(
      FUNCTIONS_CHANNEL,
      (name) => this.cache.delete(name),
      {
        onListening: () => {
          // Changes made while the subscription was down are unknown: forget everything.
          this.cache.clear()
          this.listening = true
        },
      },
    )
    return async () => {
      this.listening = false
      await unlisten()
    }
  }

  async lookup(name: string): Promise<FunctionRow | undefined> {
    const hit = this.cache.get(name)
    const maxAge = this.listening ? 60_000 : this.ttlMs
    if (hit && Date.now() - hit.at < maxAge) return hit.row
    let p = this.pending.get(name)
    if (!p) {
      p = findFunction(this.database.db, name).finally(() => this.pending.delete(name))
      this.pending.set(name, p)
    }
    const row = await p
    if (row) this.cache.set(name, { row, at: Date.now() })
    else this.cache.delete(name)
    return row
  }
}
