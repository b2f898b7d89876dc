import { compileMachine, type CompiledMachine, type JsonObject } from '../asl/index.js'

/**
 * Compiled definitions by revision id. A revision never changes, so an entry never goes stale;
 * the cache only bounds memory (least recently used out first).
 */
export class MachineCache {
  private readonly entries = new Map<number, CompiledMachine>()

  constructor(private readonly capacity = 500) {}

  get(
    revisionId: number,
    definitionText: () => Promise<string>,
  ): Promise<CompiledMachine> | CompiledMachine {
    const hit = this.entries.get(revisionId)
    if (hit) {
      this.entries.delete(revisionId)
      this.entries.set(revisionId, hit)
      return hit
    }
    return definitionText().then((text) =>
      this.put(revisionId, compileMachine(JSON.parse(text) as JsonObject)),
    )
  }

  put(revisionId: number, machine: CompiledMachine): CompiledMachine {
    this.entries.set(revisionId, machine)
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value as number
      this.entries.delete(oldest)
    }
    return machine
  }
}
