// The service layer over a test database: an Engine (timers shortened), its context, and small
// helpers to assert error codes and wait for executions to end.
import { randomBytes } from 'node:crypto'
import pino from 'pino'
import { expect } from 'vitest'
import { Engine, type EngineOptions, type PushHandler } from '../../engine/runtime/engine.js'
import {
  createActivity,
  describeExecution,
  type DescribeExecutionResponse,
  type ServiceContext,
} from '../../engine/service/index.js'
import type { Backend, Database, JsonValue } from '../../engine/store/index.js'
import { openTestDatabase, type TestDatabase } from './database.js'

export const REGION = 'us-east-1'
export const ACCOUNT = '123456789012'
export const ROLE = `arn:aws:iam::${ACCOUNT}:role/service-test`

/** Echoes a push task's input back as its output, adding `echoed: true`. */
export const echoHandler: PushHandler = (task) => {
  const input = task.input
  const output: JsonValue =
    input !== null && typeof input === 'object' && !Array.isArray(input)
      ? { ...input, echoed: true }
      : { value: input, echoed: true }
  return Promise.resolve({ kind: 'succeeded', output })
}

export interface ServiceHarness {
  readonly test: TestDatabase
  readonly engine: Engine
  readonly ctx: ServiceContext
}

/**
 * A migrated database on `backend` and an Engine on it (not started: call `engine.start()`).
 * Timers run 1,000 times faster (a 5 s Wait lasts 5 ms); the loops poll every 50 ms. `more`
 * adds engine options made from the database (metrics, say).
 *
 * @example
 * const h = await openServiceHarness('pglite')
 * await h.engine.start()
 */
export async function openServiceHarness(
  backend: Backend,
  more: (database: Database) => Partial<EngineOptions> = () => ({}),
): Promise<ServiceHarness> {
  const test = await openTestDatabase(backend, { migrate: true })
  const engine = new Engine({
    database: test.database,
    logger: pino({ level: 'silent' }),
    region: REGION,
    accountId: ACCOUNT,
    timeScale: 0.001,
    pollIntervalMs: 50,
    pushHandler: echoHandler,
    ...more(test.database),
  })
  const ctx = { engine, database: test.database }
  // PARKED's activity exists (a Task on an activity that does not exist fails at once).
  await createActivity(ctx, { name: 'nobody-polls-this' })
  return { test, engine, ctx }
}

/** A name no other test uses: `prefix-<random hex>`. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`
}

/** Definition text of a JSON value. */
export function def(definition: unknown): string {
  return JSON.stringify(definition)
}

/** A definition that ends at once: Pass with a Result. */
export const PASS = def({
  StartAt: 'P',
  States: { P: { Type: 'Pass', Result: { ok: true }, ResultPath: '$.pass', End: true } },
})

/**
 * A definition whose executions stay RUNNING until stopped: an activity task that no worker
 * polls. No timer is involved, so nothing about it depends on time.
 */
export const PARKED = def({
  StartAt: 'Park',
  States: {
    Park: {
      Type: 'Task',
      Resource: `arn:aws:states:${REGION}:${ACCOUNT}:activity:nobody-polls-this`,
      End: true,
    },
  },
})

/** Awaits `promise` and asserts it rejects with a MillraceError of `code`; answers the error. */
export async function expectCode(
  promise: Promise<unknown>,
  code: string,
): Promise<{ code: string; message: string; details: Record<string, unknown> }> {
  let caught: unknown
  try {
    await promise
  } catch (err) {
    caught = err
  }
  expect(caught, `expected ${code}`).toBeDefined()
  expect(caught).toMatchObject({ name: 'MillraceError', code })
  return caught as { code: string; message: string; details: Record<string, unknown> }
}

/**
 * Polls describeExecution until the execution has ended. The deadline only keeps a broken
 * engine from hanging the suite; no test asserts how long it took.
 */
export async function waitForEnd(
  ctx: ServiceContext,
  executionArn: string,
  deadlineMs = 30_000,
): Promise<DescribeExecutionResponse> {
  const until = Date.now() + deadlineMs
  for (;;) {
    const d = await describeExecution(ctx, { executionArn })
    if (d.status !== 'RUNNING') return d
    if (Date.now() > until) throw new Error(`${executionArn} still RUNNING after ${deadlineMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}
