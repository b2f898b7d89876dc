import { settleFrame } from '../store/decisions.js'
import type { DecisionPlan } from './decide.js'

/**
 * An execution as this process's last decision about it left it: enough to decide its next
 * event without reading it, as long as nobody else decided meanwhile (the version says).
 */
export interface KnownExecution {
  readonly version: number
  readonly nextEventId: number
  readonly revisionId: number
  readonly live: DecisionPlan['live']
}

/**
 * What this process remembers of running executions, oldest out first past either bound: how
 * many executions, and how many frames in all (a Map keeps its children not started yet here,
 * so a few large Maps must not crowd memory). Forgetting one only costs its next decision a
 * read.
 */
export class KnownExecutions {
  private readonly entries = new Map<string, KnownExecution>()
  private frames = 0

  constructor(
    private readonly maxExecutions = 5000,
    private readonly maxFrames = 100_000,
  ) {}

  has(executionId: string): boolean {
    return this.entries.has(executionId)
  }

  /** The entry, removed: the decision that takes it writes a new one when it commits. */
  take(executionId: string): KnownExecution | undefined {
    const entry = this.entries.get(executionId)
    if (entry) this.forget(executionId)
    return entry
  }

  forget(executionId: string): void {
    const entry = this.entries.get(executionId)
    if (!entry) return
    this.entries.delete(executionId)
    this.frames -= entry.live.frames.length
  }

  /** Keep a copy of what a committed decision left (the decision's rows stay its own). */
  remember(executionId: string, state: KnownExecution): void {
    this.forget(executionId)
    const live = {
      frames: state.live.frames.map((f) => {
        const copy = { ...f }
        settleFrame(copy)
        return copy
      }),
      groups: state.live.groups.map((g) => ({ ...g, isNew: false, dirty: false })),
    }
    this.entries.set(executionId, { ...state, live })
    this.frames += live.frames.length
    while (this.entries.size > this.maxExecutions || this.frames > this.maxFrames) {
      const oldest = this.entries.keys().next().value
      if (oldest === undefined) break
      this.forget(oldest)
    }
  }
}
