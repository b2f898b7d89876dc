import { sql } from 'kysely'
import { pino } from 'pino'
import { afterEach, beforeEach, expect, it } from 'vitest'
import { Engine } from '../../../engine/runtime/engine.js'
import * as service from '../../../engine/service/index.js'
import * as decisions from '../../../engine/store/decisions.js'
import { toJsonb } from '../../../engine/store/schema.js'
import * as work from '../../../engine/store/work.js'
import { describeEachBackend, openTestDatabase, type TestDatabase } from '../../helpers/database.js'

const PARKED = { StartAt: 'Nap', States: { Nap: { Type: 'Wait', Seconds: 3600, End: true } } }

/** A decision that only appends one history event (enough to see whether it was written). */
function appendEvent(
  executionId: string,
  version: number,
  nextEventId: number,
  transitions: decisions.TaskTransition[] = [],
): decisions.DecisionWrite {
  return {
    writeSet: {
      executionId,
      frames: [],
      groups: [],
      history: [
        { id: nextEventId, previousEventId: nextEventId - 1, type: 'Marker', timestamp: 0 },
      ],
      tasks: [],
      timers: [],
      nextEventId: nextEventId + 1,
    },
    checks: { version, transitions, cleanup: { all: false, frames: [] }, notify: [] },
  }
}

describeEachBackend('writeDecisions: many executions in one statement', (backend) => {
  let test: TestDatabase
  let heads: { id: string; version: number; next_event_id: number }[]

  beforeEach(async () => {
    test = await openTestDatabase(backend, { migrate: true })
    const engine = new Engine({ database: test.database, logger: pino({ level: 'silent' }) })
    const ctx = { engine, database: test.database }
    const { stateMachineArn } = await service.createStateMachine(ctx, {
      name: 'parked',
      definition: JSON.stringify(PARKED),
    })
    for (const name of ['a', 'b', 'c'])
      await service.startExecution(ctx, { stateMachineArn, name, input: '{}' })
    heads = await test.database.db
      .selectFrom('executions')
      .select(['id', 'version', 'next_event_id'])
      .orderBy('name')
      .execute()
  })

  afterEach(async () => {
    await test.dispose()
  })

  const markers = async () =>
    (
      await test.database.db
        .selectFrom('history_events')
        .select('execution_id')
        .where('type', '=', 'Marker')
        .execute()
    )
      .map((r) => r.execution_id)
      .sort()

  it('writes each decision whose version holds and answers the ones refused', async () => {
    const [a, b, c] = heads as [(typeof heads)[0], (typeof heads)[0], (typeof heads)[0]]
    const refused = await decisions.writeDecisions(test.database.db, [
      appendEvent(a.id, a.version, a.next_event_id),
      appendEvent(b.id, b.version + 7, b.next_event_id), // another decision came first
      appendEvent(c.id, c.version, c.next_event_id),
    ])
    expect([...refused]).toEqual([b.id])
    expect(await markers()).toEqual([a.id, c.id].sort())
    const versions = await test.database.db
      .selectFrom('executions')
      .select(['id', 'version'])
      .orderBy('name')
      .execute()
    expect(versions.map((v) => v.version)).toEqual([a.version + 1, b.version, c.version + 1])
  })

  it('writes nothing at all when a task attempt is no longer as a decision saw it', async () => {
    const [a, b] = heads as [(typeof heads)[0], (typeof heads)[0]]
    const write = decisions.writeDecisions(test.database.db, [
      appendEvent(a.id, a.version, a.next_event_id),
      appendEvent(b.id, b.version, b.next_event_id, [
        { taskId: crypto.randomUUID(), from: 'SCHEDULED', to: 'SUCCEEDED' },
      ]),
    ])
    await expect(write).rejects.toBeInstanceOf(decisions.FencingError)
    expect(await markers()).toEqual([])
  })

  /** Give execution `a`'s frame a push task leased to engine-a (as a scheduling decision does). */
  async function pushTaskOnFrame(
    executionId: string,
  ): Promise<{ frameId: string; taskId: string }> {
    const taskId = crypto.randomUUID()
    const frame = await test.database.db
      .updateTable('frames')
      .set({
        push_task: toJsonb({
          id: taskId,
          state_name: 'Call',
          attempt: 1,
          resource: 'arn:f',
          input: {},
          timeout_seconds: null,
        }),
        lease_owner: 'engine-a',
        lease_until: new Date(Date.now() + 60_000),
        dispatch_count: 1,
      })
      .where('execution_id', '=', executionId)
      .returning('id')
      .executeTakeFirstOrThrow()
    return { frameId: frame.id, taskId }
  }

  const heldTask = async (frameId: string) =>
    (
      await test.database.db
        .selectFrom('frames')
        .select(sql<string | null>`push_task->>'id'`.as('task'))
        .where('id', '=', frameId)
        .executeTakeFirstOrThrow()
    ).task

  it('answers a push task kept on its frame once, and only under its lease', async () => {
    const [a] = heads as [(typeof heads)[0]]
    const { frameId, taskId } = await pushTaskOnFrame(a.id)
    const [frame] = await decisions.loadFrames(test.database.db, [frameId])
    if (!frame) throw new Error('the execution has a frame')
    const transition = (leaseOwner: string): decisions.TaskTransition => ({
      taskId,
      pushFrameId: frameId,
      from: 'SCHEDULED',
      to: 'SUCCEEDED',
      leaseOwner,
      dispatchCount: 1,
    })
    // The answer moves the frame on (as applying it does): the frame's update checks the lease.
    const answer = (leaseOwner: string, version: number, nextEventId: number) => {
      const w = appendEvent(a.id, version, nextEventId, [transition(leaseOwner)])
      frame.dirty = true
      frame.push = null
      return { ...w, writeSet: { ...w.writeSet, frames: [frame] } }
    }
    // An answer whose decision leaves the frame alone (it no longer waits for the task): refused
    // before anything is sent.
    const unchanged = appendEvent(a.id, a.version, a.next_event_id, [transition('engine-a')])
    expect([...(await decisions.writeDecisions(test.database.db, [unchanged]))]).toEqual([a.id])
    expect(await markers()).toEqual([])
    expect(await heldTask(frameId)).toBe(taskId)
    // Another engine's lease (taken over): refused, nothing written.
    await expect(
      decisions.writeDecisions(test.database.db, [answer('engine-b', a.version, a.next_event_id)]),
    ).rejects.toBeInstanceOf(decisions.FencingError)
    expect(await markers()).toEqual([])
    expect(await heldTask(frameId)).toBe(taskId)

    const refused = await decisions.writeDecisions(test.database.db, [
      answer('engine-a', a.version, a.next_event_id),
    ])
    expect([...refused]).toEqual([])
    expect(await markers()).toEqual([a.id])
    expect(await heldTask(frameId)).toBeNull()
    // The same answer again, even at the execution's new version: the frame no longer holds it.
    await expect(
      decisions.writeDecisions(test.database.db, [
        answer('engine-a', a.version + 1, a.next_event_id + 1),
      ]),
    ).rejects.toBeInstanceOf(decisions.FencingError)
    expect(await markers()).toEqual([a.id])
  })

  it("checks a push task's lease in the update of its frame when the decision changes the frame", async () => {
    const [a] = heads as [(typeof heads)[0]]
    const { frameId, taskId } = await pushTaskOnFrame(a.id)
    const decide = async (leaseOwner: string) => {
      const [frame] = await decisions.loadFrames(test.database.db, [frameId])
      if (!frame) throw new Error('the execution has a frame')
      expect(frame.pushTaskId).toBe(taskId)
      const w = appendEvent(a.id, a.version, a.next_event_id, [
        { taskId, pushFrameId: frameId, from: 'SCHEDULED', to: 'FAILED', leaseOwner },
      ])
      const changed = {
        ...frame,
        dirty: true,
        push: null,
        snapshot: { ...frame.snapshot, status: 'RUNNING', answered: true },
      }
      return decisions.writeDecisions(test.database.db, [
        { ...w, writeSet: { ...w.writeSet, frames: [changed] } },
      ])
    }
    await expect(decide('engine-b')).rejects.toBeInstanceOf(decisions.FencingError)
    expect(await heldTask(frameId)).toBe(taskId)
    expect(await markers()).toEqual([])

    await decide('engine-a')
    expect(await heldTask(frameId)).toBeNull()
    const row = await test.database.db
      .selectFrom('frames')
      .select(['snapshot', 'lease_owner', 'lease_until', 'dispatch_count'])
      .where('id', '=', frameId)
      .executeTakeFirstOrThrow()
    expect(row).toMatchObject({
      snapshot: { answered: true },
      lease_owner: null,
      lease_until: null,
      dispatch_count: null,
    })
  })

  it('closes a push task kept on its frame (a timeout) once, with its timer', async () => {
    const [a] = heads as [(typeof heads)[0]]
    const { frameId, taskId } = await pushTaskOnFrame(a.id)
    const db = test.database.db
    await db
      .insertInto('timers')
      .values({
        id: crypto.randomUUID(),
        execution_id: a.id,
        frame_id: frameId,
        task_id: taskId,
        reason: 'TaskTimeout',
        fire_at: new Date(),
      })
      .execute()
    const timedOut = { kind: 'timed-out', heartbeat: false } as const
    const close = (guard: work.TaskGuard) =>
      db
        .transaction()
        .execute((trx) => work.closeTasks(trx, [{ taskId, result: timedOut, guard, frameId }]))
    expect((await close({ leaseOwner: 'engine-b' })).get(taskId)).toBeUndefined()
    expect(await heldTask(frameId)).toBe(taskId)
    expect((await close({})).get(taskId)).toEqual({ frameId, wasScheduled: true })
    expect(await heldTask(frameId)).toBeNull()
    expect(
      await db.selectFrom('timers').select('id').where('task_id', '=', taskId).execute(),
    ).toEqual([])
    expect((await close({})).get(taskId)).toBeUndefined()
  })
})
