/**
 * Groups calls into shared statements. The calls of one event-loop turn go together, sent at the
 * end of that turn (setImmediate), and a call that arrives while `maxInFlight` statements are
 * running waits: all that waited go together in the next one. Under load many calls share a
 * round trip and a commit; a lone call waits for nothing but the end of its turn. When a shared
 * statement fails, each of its calls is sent alone, so one bad call fails only itself.
 *
 * Why the end of the turn: the task results a turn reads (several answers arrive in one poll of
 * the event loop) then share a statement instead of the first going alone. In the W2 benchmark
 * that cut PostgreSQL's CPU per execution by about 15% and the engine's by about 8%.
 */
export class StatementBatcher<T, R> {
  private readonly queue: Pending<T, R>[] = []
  private inFlight = 0
  private pumpScheduled = false

  constructor(
    /** Sends one statement for the items; answers one result per item, in their order. */
    private readonly send: (items: readonly T[]) => Promise<readonly R[]>,
    private readonly limits: { readonly maxInFlight: number; readonly maxBatch: number },
  ) {}

  add(item: T): Promise<R> {
    return new Promise((resolve, reject) => {
      this.queue.push({ item, resolve, reject })
      if (!this.pumpScheduled) {
        this.pumpScheduled = true
        setImmediate(() => {
          this.pumpScheduled = false
          this.pump()
        })
      }
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
