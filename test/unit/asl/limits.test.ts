import { describe, expect, it } from 'vitest'
import { compileMachine } from '../../../engine/asl/index.js'
import { runInMemory } from '../../../engine/runtime/run-in-memory.js'

/** AWS's quotas: 25,000 history events per execution, 256 KiB per state input or output. */
describe('limits', () => {
  const loop = (until: number) =>
    compileMachine({
      StartAt: 'Count',
      States: {
        Count: {
          Type: 'Pass',
          Parameters: { 'n.$': 'States.MathAdd($.n, 1)' },
          Next: 'More',
        },
        More: {
          Type: 'Choice',
          Choices: [{ Variable: '$.n', NumericLessThan: until, Next: 'Count' }],
          Default: 'Done',
        },
        Done: { Type: 'Succeed' },
      },
    })

  it('fails the execution with ExecutionFailed as event 25,000 when the history is full', async () => {
    const result = await runInMemory(loop(100_000), { n: 0 })
    expect(result.status).toBe('FAILED')
    expect(result.error).toBe('States.Runtime')
    expect(result.cause).toBe('The execution reached the maximum number of history events (25000).')
    expect(result.history).toHaveLength(25_000)
    expect(result.history.at(-1)).toMatchObject({ id: 25_000, type: 'ExecutionFailed' })
  })

  it('lets an execution whose 25,000th event is ExecutionSucceeded succeed', async () => {
    // ExecutionStarted + 4 events per loop + Choice exit to Done (2) + Succeed (2) + ExecutionSucceeded
    // = 1 + 4n + 2 ... pick n so that the last event is exactly 25,000: 4 × 6,248 + 8 = 25,000.
    const result = await runInMemory(loop(6_249), { n: 0 })
    expect(result.history.at(-1)).toMatchObject({ type: 'ExecutionSucceeded' })
    expect(result.status).toBe('SUCCEEDED')
    expect(result.history.length).toBeLessThanOrEqual(25_000)
  })

  it('fails a state whose output passes 256 KiB with States.DataLimitExceeded, catchable', async () => {
    const machine = compileMachine({
      StartAt: 'Grow',
      States: {
        Grow: {
          Type: 'Pass',
          Parameters: { 'a.$': '$.s', 'b.$': '$.s' },
          Next: 'After',
        },
        After: { Type: 'Succeed' },
      },
    })
    const result = await runInMemory(machine, { s: 'x'.repeat(140_000) })
    expect(result.status).toBe('FAILED')
    expect(result.error).toBe('States.DataLimitExceeded')
  })
})
