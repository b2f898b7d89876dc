import { describe, expect, it } from 'vitest'
import { KnownExecutions, type KnownExecution } from '../../../engine/runtime/known-executions.js'
import type { FrameRow } from '../../../engine/store/decisions.js'

function frame(id: string): FrameRow {
  return {
    id,
    groupId: null,
    childIndex: null,
    input: null,
    snapshot: null,
    version: 3,
    isNew: true,
    dirty: true,
    status: 'RUNNING',
    pushTaskId: null,
  }
}

function state(frames: number): KnownExecution {
  return {
    version: 1,
    nextEventId: 7,
    revisionId: 1,
    live: { frames: Array.from({ length: frames }, (_, i) => frame(`f${i}`)), groups: [] },
  }
}

describe('KnownExecutions', () => {
  it('keeps a clean copy: the decision goes on owning its rows', () => {
    const known = new KnownExecutions()
    const s = state(1)
    known.remember('a', s)
    const kept = known.take('a')
    expect(kept?.live.frames[0]).toMatchObject({ id: 'f0', isNew: false, dirty: false, version: 3 })
    expect(s.live.frames[0]).toMatchObject({ isNew: true, dirty: true })
    expect(kept?.live.frames[0]).not.toBe(s.live.frames[0])
  })

  it('keeps the push task each write left on its frame', () => {
    const known = new KnownExecutions()
    const s = state(3)
    const [scheduled, answered, untouched] = s.live.frames as [FrameRow, FrameRow, FrameRow]
    scheduled.push = {
      id: 't2',
      stateName: 'Call',
      attempt: 1,
      resource: 'arn:aws:lambda:us-east-1:123456789012:function:echo',
      input: null,
      timeoutSeconds: null,
      leaseOwner: 'engine-a',
      leaseUntil: new Date(),
    }
    answered.pushTaskId = 't1'
    answered.push = null
    untouched.pushTaskId = 't0'
    known.remember('a', s)
    const kept = known.take('a')?.live.frames ?? []
    expect(kept.map((f) => f.pushTaskId)).toEqual(['t2', null, 't0'])
    expect(kept.map((f) => f.push)).toEqual([undefined, undefined, undefined])
  })

  it('take removes the entry; forget and a second take find nothing', () => {
    const known = new KnownExecutions()
    known.remember('a', state(1))
    expect(known.has('a')).toBe(true)
    expect(known.take('a')).toBeDefined()
    expect(known.has('a')).toBe(false)
    expect(known.take('a')).toBeUndefined()
    known.remember('b', state(1))
    known.forget('b')
    expect(known.has('b')).toBe(false)
  })

  it('drops the oldest executions past the execution bound', () => {
    const known = new KnownExecutions(2, 1000)
    for (const id of ['a', 'b', 'c']) known.remember(id, state(1))
    expect(['a', 'b', 'c'].map((id) => known.has(id))).toEqual([false, true, true])
  })

  it('drops the oldest executions past the frame bound, counting replaced entries once', () => {
    const known = new KnownExecutions(100, 10)
    known.remember('a', state(4))
    known.remember('b', state(4))
    known.remember('b', state(4)) // replaces b: still 8 frames in all
    expect([known.has('a'), known.has('b')]).toEqual([true, true])
    known.remember('c', state(4)) // 12 > 10: a goes
    expect(['a', 'b', 'c'].map((id) => known.has(id))).toEqual([false, true, true])
    known.remember('big', state(11)) // larger than the bound alone: nothing is kept
    expect(['b', 'c', 'big'].map((id) => known.has(id))).toEqual([false, false, false])
  })
})
