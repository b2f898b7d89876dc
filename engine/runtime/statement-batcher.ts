/**
 * Groups calls into shared statements. A call that arrives while `maxInFlight` statements are
 * running waits, and all that waited go together in the next one: under load many calls share
 * a round trip and a commit, and a lone call is sent at once, so batching adds no latency. When
 * a shared statement fails, each of its calls is sent alone, so one bad call fails only itself.
 */
export class StatementBatcher<T, R> {
  private readonly queue: Pending<T, R>[] = []
  private inFlight = 0

  constructor(
    /** Sends one statement for the items; answers one result per item, in their order. */
    private readonly send: (items: readonly T[]) => Promise<readonly R[]>,
    private readonly limits: { readonly maxInFlight: number; readonly maxBatch: number },
  ) {}

  add(item: T): Promise<R> {
    return new Promise((resolve, reject) => {
      this.queue.push({ item, resolve, reject })
      this.pump()
    })
  }

  private pump(): void {
    while (this.inFlight < this.limits.maxInFlight && this.queue.length > 0) {
      const batch = this.queue.splice(0, this.limits.maxBatch)
      this.inFlight++
      void this.flush(batch).finally(() => {
        this.inFlight--
        this.pump()
      })
    }
  }

  private async flush(batch: readonly Pending<T, R>[]): Promise<void> {
    try {
      const results = await this.send(batch.map((p) => p.item))
      batch.forEach((p, i) => p.resolve(results[i] as R))
    } catch (err) {
      if (batch.length === 1) {
        batch[0]?.reject(err)
        return
      }
      await Promise.all(batch.map((p) => this.flush([p])))
    }
  }
}

interface Pending<T, R> {
  readonly item: T
  readonly resolve: (result: R) => void
  readonly reject: (err: unknown) => void
}
