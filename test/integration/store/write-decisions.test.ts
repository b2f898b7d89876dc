import { pino } from 'pino'
import { afterEach, beforeEach, expect, it } from 'vitest'
import { Engine } from '../../../engine/runtime/engine.js'
import * as service from '../../../engine/service/index.js'
import * as decisions from '../../../engine/store/decisions.js'
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
})
