import { pino } from 'pino'
import { afterAll, beforeAll, expect, it } from 'vitest'
import {
  compileMachine,
  parseResource,
  type JsonObject,
  type JsonValue,
} from '../../../engine/asl/index.js'
import { Engine } from '../../../engine/runtime/engine.js'
import * as service from '../../../engine/service/index.js'
import { runInMemory } from '../../../engine/runtime/run-in-memory.js'
import type { Backend } from '../../../engine/store/index.js'
import { compareCase, loadCases, type ConformanceCase } from '../../conformance/cases.js'
import { standInHandler } from '../../conformance/stand-ins.js'
import { describeEachBackend, openTestDatabase, type TestDatabase } from '../../helpers/database.js'

/**
 * Every conformance case that passes through the interpreter alone must pass through the durable
 * engine too: same status, output, error, cause and history event types, with Waits shortened by
 * the engine's time scale and tasks answered by the same in-process stand-ins.
 */
const cases = loadCases()

async function passesInMemory(c: ConformanceCase): Promise<boolean> {
  try {
    const r = await runInMemory(compileMachine(c.definition as JsonObject), c.input as JsonValue, {
      handler: standInHandler(c),
    })
    return (
      compareCase(c, {
        status: r.status,
        ...(r.output !== undefined ? { output: r.output } : {}),
        ...(r.error !== undefined ? { error: r.error } : {}),
        ...(r.cause !== undefined ? { cause: r.cause } : {}),
        historyEventTypes: r.history.map((e) => e.type),
      }).length === 0
    )
  } catch {
    return false
  }
}

describeEachBackend('conformance through the durable engine', (backend: Backend) => {
  let test: TestDatabase
  let engine: Engine
  let current: ConformanceCase | undefined

  beforeAll(async () => {
    test = await openTestDatabase(backend, { migrate: true })
    engine = new Engine({
      database: test.database,
      logger: pino({ level: 'silent' }),
      timeScale: 0,
      pollIntervalMs: 20,
      pushHandler: (task) => {
        const c = current as ConformanceCase
        return Promise.resolve(
          standInHandler(c)({
            kind: 'ScheduleTask',
            taskId: task.id,
            stateName: task.stateName,
            resource: parseResource(task.resource),
            input: task.input,
            attempt: task.attempt,
            ...(task.timeoutSeconds !== null ? { timeoutSeconds: task.timeoutSeconds } : {}),
          }),
        )
      },
    })
    await engine.start()
  })

  afterAll(async () => {
    await engine.stop({ graceMs: 1000 })
    await test.dispose()
  })

  let n = 0
  for (const c of cases) {
    it(`${c.category} ${c.id}`, async (t) => {
      if (c.activity || !(await passesInMemory(c))) {
        t.skip()
        return
      }
      current = c
      const db = test.database.db
      const ctx = { engine, database: test.database }
      const { stateMachineArn } = await service.createStateMachine(ctx, {
        name: `m${n++}`,
        definition: JSON.stringify(c.definition),
      })
      const { executionArn } = await service.startExecution(ctx, {
        stateMachineArn,
        name: 'e',
        input: JSON.stringify(c.input),
      })
      const status = await engine.waitForEnd(executionArn, 30_000)
      const { id } = await db
        .selectFrom('executions')
        .innerJoin('state_machines', 'state_machines.id', 'executions.state_machine_id')
        .select('executions.id')
        .where('state_machines.name', '=', executionArn.split(':')[6] ?? '')
        .executeTakeFirstOrThrow()
      const row = await db
        .selectFrom('executions')
        .select(['status', 'output', 'error', 'cause'])
        .where('id', '=', id)
        .executeTakeFirstOrThrow()
      const history = await db
        .selectFrom('history_events')
        .select(['event_id', 'type'])
        .where('execution_id', '=', id)
        .orderBy('event_id')
        .execute()
      expect(history.map((h) => h.event_id)).toEqual(history.map((_, i) => i + 1))
      const problems = compareCase(c, {
        status,
        ...(row.output !== null ? { output: row.output } : {}),
        ...(row.error !== null ? { error: row.error } : {}),
        ...(row.cause !== null ? { cause: row.cause } : {}),
        historyEventTypes: history.map((h) => h.type),
      })
      expect(problems, problems.join('\n')).toEqual([])
    })
  }
})
