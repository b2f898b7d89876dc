import { describe, expect, it } from 'vitest'
import { StatementBatcher } from '../../../engine/runtime/statement-batcher.js'

/** A statement that answers when released, recording the batches it was sent. */
function gatedStatement(failWhen: (items: readonly number[]) => boolean = () => false) {
  const batches: number[][] = []
  const gates: (() => void)[] = []
  const send = async (items: readonly number[]) => {
    batches.push([...items])
    await new Promise<void>((resolve) => gates.push(resolve))
    if (failWhen(items)) throw new Error(`refused ${items.join(',')}`)
    return items.map((n) => n * 10)
  }
  const releaseAll = async () => {
    while (gates.length > 0) {
      gates.splice(0).forEach((open) => open())
      await new Promise((r) => setTimeout(r, 0))
    }
  }
  return { batches, send, releaseAll }
}

/** The end of the current event-loop turn (after the batcher's own setImmediate). */
const nextTurn = () => new Promise((resolve) => setImmediate(resolve))

describe('StatementBatcher', () => {
  it('sends the calls of one turn together, and those that wait meanwhile together next', async () => {
    const s = gatedStatement()
    const batcher = new StatementBatcher(s.send, { maxInFlight: 1, maxBatch: 100 })
    const first = [1, 2].map((n) => batcher.add(n))
    expect(s.batches).toEqual([])
    await nextTurn()
    expect(s.batches).toEqual([[1, 2]])
    const waiting = [3, 4].map((n) => batcher.add(n))
    await nextTurn()
    expect(s.batches).toEqual([[1, 2]])
    await s.releaseAll()
    expect(await Promise.all(first)).toEqual([10, 20])
    expect(await Promise.all(waiting)).toEqual([30, 40])
    expect(s.batches).toEqual([
      [1, 2],
      [3, 4],
    ])
  })

  it('sends a lone call at the end of its turn', async () => {
    const s = gatedStatement()
    const batcher = new StatementBatcher(s.send, { maxInFlight: 1, maxBatch: 100 })
    const lone = batcher.add(7)
    await nextTurn()
    expect(s.batches).toEqual([[7]])
    await s.releaseAll()
    expect(await lone).toBe(70)
  })

  it('keeps maxInFlight statements running and at most maxBatch calls in one', async () => {
    const s = gatedStatement()
    const batcher = new StatementBatcher(s.send, { maxInFlight: 2, maxBatch: 2 })
    const results = [1, 2, 3, 4, 5, 6].map((n) => batcher.add(n))
    await nextTurn()
    expect(s.batches).toEqual([
      [1, 2],
      [3, 4],
    ])
    await s.releaseAll()
    expect(await Promise.all(results)).toEqual([10, 20, 30, 40, 50, 60])
    expect(s.batches).toEqual([
      [1, 2],
      [3, 4],
      [5, 6],
    ])
  })

  it('sends each call of a failed statement alone, so only the bad one fails', async () => {
    const s = gatedStatement((items) => items.includes(3))
    const batcher = new StatementBatcher(s.send, { maxInFlight: 1, maxBatch: 100 })
    const first = batcher.add(1)
    await nextTurn()
    const rest = [2, 3, 4].map((n) => batcher.add(n).catch((err: Error) => err.message))
    await s.releaseAll()
    expect(await first).toBe(10)
    expect(await Promise.all(rest)).toEqual([20, 'refused 3', 40])
    expect(s.batches).toEqual([[1], [2, 3, 4], [2], [3], [4]])
  })
})
