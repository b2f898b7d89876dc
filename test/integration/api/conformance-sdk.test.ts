// Every conformance case (../shared/conformance/cases) that the interpreter passes runs again
// through the AWS JSON door with the real @aws-sdk/client-sfn over a socket: CreateStateMachine,
// StartExecution, DescribeExecution and GetExecutionHistory (paged) must give the same status,
// output, error, cause and history as AWS recorded.
import { ExecutionStatus } from '@aws-sdk/client-sfn'
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  SFNClient,
  StartExecutionCommand,
  type HistoryEvent,
} from '@aws-sdk/client-sfn'
import type { FastifyInstance } from 'fastify'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApp } from '../../../api/app.js'
import { parseAwsCredentials } from '../../../api/auth/index.js'
import {
  compileMachine,
  parseResource,
  type JsonObject,
  type JsonValue,
} from '../../../engine/asl/index.js'
import { Engine } from '../../../engine/runtime/engine.js'
import { runInMemory } from '../../../engine/runtime/run-in-memory.js'
import { compareCase, loadCases, type ConformanceCase } from '../../conformance/cases.js'
import { standInHandler } from '../../conformance/stand-ins.js'
import { openTestDatabase, type TestDatabase } from '../../helpers/database.js'

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

describe('conformance through the AWS SDK (pglite)', () => {
  let test: TestDatabase
  let engine: Engine
  let app: FastifyInstance
  let sfn: SFNClient
  let current: ConformanceCase | undefined

  beforeAll(async () => {
    test = await openTestDatabase('pglite', { migrate: true })
    engine = new Engine({
      database: test.database,
      logger: pino({ level: 'silent' }),
      timeScale: 0,
      pollIntervalMs: 20,
      pushHandler: (task) =>
        Promise.resolve(
          standInHandler(current as ConformanceCase)({
            kind: 'ScheduleTask',
            taskId: task.id,
            stateName: task.stateName,
            resource: parseResource(task.resource),
            input: task.input,
            attempt: task.attempt,
            ...(task.timeoutSeconds !== null ? { timeoutSeconds: task.timeoutSeconds } : {}),
          }),
        ),
    })
    await engine.start()
    app = await buildApp({
      service: { engine, database: test.database },
      auth: {
        mode: 'on',
        apiKeys: [],
        awsCredentials: parseAwsCredentials('AKIDCONFORMANCE:conformance-secret'),
      },
    })
    sfn = new SFNClient({
      endpoint: await app.listen({ host: '127.0.0.1', port: 0 }),
      region: 'us-east-1',
      credentials: () =>
        Promise.resolve({ accessKeyId: 'AKIDCONFORMANCE', secretAccessKey: 'conformance-secret' }),
      maxAttempts: 1,
    })
  })

  afterAll(async () => {
    sfn?.destroy()
    await app?.close()
    await engine?.stop({ graceMs: 1000 })
    await test?.dispose()
  })

  let n = 0
  for (const c of cases) {
    it(`${c.category} ${c.id}`, async (t) => {
      if (c.activity || !(await passesInMemory(c))) {
        t.skip()
        return
      }
      current = c
      const { stateMachineArn } = await sfn.send(
        new CreateStateMachineCommand({
          name: `sdk${n++}`,
          definition: JSON.stringify(c.definition),
          roleArn: 'arn:aws:iam::000000000000:role/conformance',
        }),
      )
      const { executionArn } = await sfn.send(
        new StartExecutionCommand({ stateMachineArn, name: 'e', input: JSON.stringify(c.input) }),
      )
      await engine.waitForEnd(executionArn ?? '', 30_000)
      const d = await sfn.send(new DescribeExecutionCommand({ executionArn }))
      expect(d.status).not.toBe(ExecutionStatus.RUNNING)
      const events: HistoryEvent[] = []
      let nextToken: string | undefined
      do {
        const page = await sfn.send(
          new GetExecutionHistoryCommand({ executionArn, maxResults: 100, nextToken }),
        )
        events.push(...(page.events ?? []))
        nextToken = page.nextToken
      } while (nextToken)
      expect(events.map((e) => e.id)).toEqual(events.map((_, i) => i + 1))
      for (const e of events) expect(e.timestamp).toBeInstanceOf(Date)
      const problems = compareCase(c, {
        status: d.status ?? '',
        ...(d.output !== undefined ? { output: JSON.parse(d.output) as JsonValue } : {}),
        ...(d.error !== undefined ? { error: d.error } : {}),
        ...(d.cause !== undefined ? { cause: d.cause } : {}),
        historyEventTypes: events.map((e) => e.type ?? ''),
      })
      expect(problems, problems.join('\n')).toEqual([])
    })
  }
})
