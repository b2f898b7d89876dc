import type { Database, Unlisten } from '../store/index.js'
import { activityNames } from '../store/activities.js'

/** NOTIFY channel: an activity was created or deleted. */
export const ACTIVITIES_CHANNEL = 'millrace_activities'

/**
 * Which activities exist, for decisions: AWS fails a Task on a deleted activity with
 * States.Runtime before scheduling it, and a decision cannot wait for a query in the middle of
 * the interpreter's step. The names are loaded before a decision (one small query), kept while a
 * LISTEN on {@link ACTIVITIES_CHANNEL} says nothing changed, and for one second at most without
 * one (an engine that is not started).
 */
export class ActivityNames {
  private arns: Set<string> | undefined
  private loadedAt = 0
  private generation = 0
  private listening = false
  private loading: Promise<void> | undefined

  constructor(
    private readonly database: Database,
    private readonly arnOf: (name: string) => string,
  ) {}

  /** Keep the names while subscribed; every notification drops them. */
  async listen(): Promise<Unlisten> {
    const unlisten = await this.database.listen(ACTIVITIES_CHANNEL, () => this.invalidate(), {
      onListening: () => {
        this.listening = true
        this.invalidate()
      },
    })
    return async () => {
      this.listening = false
      await unlisten()
    }
  }

  /** Forget the names: the next decision reads them again. */
  invalidate(): void {
    this.generation++
    this.arns = undefined
  }

  /**
   * Make sure the names are loaded and fresh enough for a decision. A read that a notification
   * overtook is read again (a few times; then it is used: it is at most that change behind).
   */
  async ready(): Promise<void> {
    for (let attempt = 1; !this.fresh(); attempt++) {
      const lastChance = attempt >= 5
      this.loading ??= this.load(lastChance).finally(() => {
        this.loading = undefined
      })
      await this.loading
      if (lastChance) return
    }
  }

  private fresh(): boolean {
    return this.arns !== undefined && (this.listening || Date.now() - this.loadedAt < 1000)
  }

  /** Whether an activity ARN names an existing activity; true when the names are not loaded. */
  readonly exists = (arn: string): boolean => this.arns?.has(arn) ?? true

  private async load(evenIfOvertaken: boolean): Promise<void> {
    const generation = this.generation
    const names = await activityNames(this.database.db)
    // A change notified while reading may be missing from what was read: read again.
    if (generation !== this.generation && !evenIfOvertaken) return
    this.arns = new Set(names.map(this.arnOf))
    this.loadedAt = Date.now()
  }
}
