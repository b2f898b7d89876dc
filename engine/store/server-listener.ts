import postgres from 'postgres'

interface Subscriber {
  readonly onNotify: (payload: string) => void
  readonly onListening: (() => void) | undefined
}

/** postgres.js calls `onnotify` for every NOTIFY its connections receive; its types omit it. */
interface ListenOnlyOptions {
  readonly onnotify: (channel: string, payload: string) => void
}

export interface ServerListenerOptions {
  readonly applicationName: string
  /** First wait before subscribing again after the connection dropped (default 100 ms). */
  readonly minRetryMs?: number
  /** Longest wait between two attempts (default 5 s). */
  readonly maxRetryMs?: number
}

/**
 * LISTEN on a PostgreSQL server over one dedicated postgres.js connection that comes back.
 *
 * postgres.js has `sql.listen`, which re-subscribes once when its connection closes; but when
 * that one attempt fails (the server is still restarting), the subscription is gone for good,
 * with no error (postgres.js 3.4.9, tried against a restarted PostgreSQL 15). Here a dropped
 * connection is followed by attempts with a doubling delay until LISTEN succeeds, and then
 * every subscriber's `onListening` runs, so it can poll for what it missed meanwhile.
 *
 * Each channel is LISTENed once however many subscribers it has, and UNLISTENed with the last.
 */
export class ServerListener {
  readonly #sql: postgres.Sql
  readonly #channels = new Map<string, Set<Subscriber>>()
  readonly #minRetryMs: number
  readonly #maxRetryMs: number
  #retryTimer: NodeJS.Timeout | undefined
  #resubscribing = false
  #failures = 0
  #closed = false

  constructor(databaseUrl: string, config: ServerListenerOptions) {
    this.#minRetryMs = config.minRetryMs ?? 100
    this.#maxRetryMs = config.maxRetryMs ?? 5_000
    const options: postgres.Options<Record<string, never>> & ListenOnlyOptions = {
      max: 1,
      // a LISTEN connection looks idle forever: never close it for being idle or old
      idle_timeout: 0,
      max_lifetime: null,
      fetch_types: false,
      connection: { application_name: config.applicationName },
      onnotice: () => {},
      onnotify: (channel, payload) => this.#dispatch(channel, payload),
      onclose: () => this.#connectionLost(),
    }
    this.#sql = postgres(databaseUrl, options)
  }

  /**
   * Subscribes; resolves once the server has the LISTEN. Rejects if it can't be reached now.
   * `channel` must already be validated (a lower-case identifier).
   */
  async listen(
    channel: string,
    onNotify: (payload: string) => void,
    onListening?: () => void,
  ): Promise<() => Promise<void>> {
    if (this.#closed) throw new Error('The database is closed')
    const subscriber: Subscriber = { onNotify, onListening }
    let subscribers = this.#channels.get(channel)
    const first = subscribers === undefined
    subscribers ??= new Set()
    subscribers.add(subscriber)
    this.#channels.set(channel, subscribers)
    if (first) {
      try {
        await this.#sql.unsafe(`listen "${channel}"`)
      } catch (error) {
        this.#remove(channel, subscriber)
        throw error
      }
    }
    subscriber.onListening?.()
    return async () => {
      if (this.#remove(channel, subscriber) && !this.#closed) {
        // If the connection is down the server has forgotten the LISTEN already, and the
        // channel is no longer in the map, so nothing subscribes it again.
        await this.#sql.unsafe(`unlisten "${channel}"`).catch(() => {})
      }
    }
  }

  async close(): Promise<void> {
    this.#closed = true
    clearTimeout(this.#retryTimer)
    this.#channels.clear()
    await this.#sql.end({ timeout: 5 })
  }

  /** Removes a subscriber; true when it was the channel's last one. */
  #remove(channel: string, subscriber: Subscriber): boolean {
    const subscribers = this.#channels.get(channel)
    if (!subscribers?.delete(subscriber)) return false
    if (subscribers.size > 0) return false
    this.#channels.delete(channel)
    return true
  }

  #dispatch(channel: string, payload: string): void {
    for (const subscriber of this.#channels.get(channel) ?? []) subscriber.onNotify(payload)
  }

  #connectionLost(): void {
    if (this.#closed || this.#channels.size === 0) return
    this.#scheduleResubscribe()
  }

  #scheduleResubscribe(): void {
    if (this.#closed || this.#retryTimer !== undefined || this.#resubscribing) return
    const delay = Math.min(this.#maxRetryMs, this.#minRetryMs * 2 ** this.#failures)
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined
      void this.#resubscribe()
    }, delay)
  }

  async #resubscribe(): Promise<void> {
    const channels = [...this.#channels.keys()]
    if (this.#closed || channels.length === 0) return
    this.#resubscribing = true
    let ok = false
    try {
      // no parameters: postgres.js sends it with the simple protocol, several statements at once
      await this.#sql.unsafe(channels.map((channel) => `listen "${channel}";`).join(' '))
      ok = true
    } catch {
      this.#failures++
    } finally {
      this.#resubscribing = false
    }
    if (!ok) {
      this.#scheduleResubscribe()
      return
    }
    this.#failures = 0
    for (const channel of channels) {
      for (const subscriber of this.#channels.get(channel) ?? []) subscriber.onListening?.()
    }
  }
}
