// The web console in a real browser: Debian's Chromium driven by playwright-core, against
// buildApp() listening on 127.0.0.1 with the engine dispatching Tasks to function endpoints
// served by this test over HTTP. Screenshots are written to a folder the test prints.
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import type { ServerResponse } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { pino } from 'pino'
import { chromium, type Browser, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApp } from '../../api/app.js'
import { parseApiKeys } from '../../api/auth/api-keys.js'
import { inspectExtension } from '../../api/console/inspect-routes.js'
import { taskDispatchExtension } from '../../api/routes/task-dispatch.js'
import { HttpDispatcher } from '../../engine/runtime/dispatch/http.js'
import { Engine } from '../../engine/runtime/engine.js'
import type * as service from '../../engine/service/index.js'
import { openTestDatabase, type TestDatabase } from '../helpers/database.js'
import { startFunctionServer, type FunctionServer } from '../helpers/function-server.js'

const CHROMIUM = '/usr/bin/chromium'
const API_KEY = 'console-test-key-0123456789'
const fnArn = (name: string) => `arn:aws:lambda:us-east-1:000000000000:function:${name}`

const describeWithChromium = existsSync(CHROMIUM) ? describe : describe.skip
if (!existsSync(CHROMIUM)) {
  console.warn(
    `[millrace] web console e2e: SKIPPED: no Chromium at ${CHROMIUM} (apt-get install chromium)`,
  )
}

/** Retries, a caught failure, a Choice, a Parallel and a Map; it ends SUCCEEDED. */
function orderDefinition(suffix: string) {
  return {
    Comment: 'The console e2e example',
    StartAt: 'Route',
    States: {
      Route: {
        Type: 'Choice',
        Choices: [{ Variable: '$.kind', StringEquals: 'order', Next: 'Fetch' }],
        Default: 'Reject',
      },
      Reject: { Type: 'Fail', Error: 'Order.Unknown', Cause: 'not an order' },
      Fetch: {
        Type: 'Task',
        Resource: fnArn(`flaky-${suffix}`),
        Retry: [
          { ErrorEquals: ['States.ALL'], IntervalSeconds: 1, MaxAttempts: 3, BackoffRate: 1 },
        ],
        ResultPath: '$.fetched',
        Next: 'Charge',
      },
      Charge: {
        Type: 'Task',
        Resource: fnArn(`boom-${suffix}`),
        Retry: [{ ErrorEquals: ['States.ALL'], IntervalSeconds: 1, MaxAttempts: 1 }],
        Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.chargeError', Next: 'Recover' }],
        Next: 'Done',
      },
      Recover: { Type: 'Pass', Result: 'invoice sent', ResultPath: '$.recovered', Next: 'Both' },
      Both: {
        Type: 'Parallel',
        Branches: [
          { StartAt: 'Notify', States: { Notify: { Type: 'Pass', End: true } } },
          { StartAt: 'Audit', States: { Audit: { Type: 'Pass', End: true } } },
        ],
        ResultPath: null,
        Next: 'Lines',
      },
      Lines: {
        Type: 'Map',
        ItemsPath: '$.items',
        ItemProcessor: { StartAt: 'Price', States: { Price: { Type: 'Pass', End: true } } },
        ResultPath: '$.priced',
        Next: 'Done',
      },
      Done: { Type: 'Succeed' },
    },
  }
}

interface Server {
  readonly url: string
  readonly app: FastifyInstance
  readonly ctx: service.ServiceContext
  close(): Promise<void>
}

async function startServer(consoleDir: string, auth: boolean): Promise<Server> {
  const test: TestDatabase = await openTestDatabase('pglite', { migrate: true })
  const logger = pino({ level: process.env['CONSOLE_TEST_LOG'] ?? 'silent' })
  const dispatcher = new HttpDispatcher({ database: test.database, logger })
  await dispatcher.start()
  const engine = new Engine({
    database: test.database,
    logger,
    // Retry intervals of 1 s last 100 ms.
    timeScale: 0.1,
    pollIntervalMs: 100,
    pushHandler: dispatcher.handle,
  })
  await engine.start()
  const ctx: service.ServiceContext = { engine, database: test.database }
  const app = await buildApp({
    service: ctx,
    auth: auth
      ? { mode: 'on', apiKeys: parseApiKeys(API_KEY), awsCredentials: [] }
      : { mode: 'off' },
    extensions: [taskDispatchExtension, inspectExtension],
    consoleDir,
  })
  const url = await app.listen({ host: '127.0.0.1', port: 0 })
  return {
    url,
    app,
    ctx,
    async close() {
      await app.close()
      await engine.stop({ graceMs: 1000 })
      await dispatcher.close()
      await test.dispose()
    },
  }
}

describeWithChromium('web console in Chromium', () => {
  let consoleDir: string
  let shots: string
  let server: Server
  let fns: FunctionServer
  let browser: Browser
  let page: Page
  const suffix = randomBytes(3).toString('hex')
  const machine = `orders-${suffix}`
  const gates: ServerResponse[] = []

  const rest = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${server.url}/v1${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
    const text = await res.text()
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`)
    return text === '' ? undefined : (JSON.parse(text) as Record<string, unknown>)
  }

  const finished = async (execution: string) => {
    for (;;) {
      const d = await rest('GET', `/state-machines/${machine}/executions/${execution}`)
      if (d?.['status'] !== 'RUNNING') return d
      await new Promise((r) => setTimeout(r, 50))
    }
  }

  beforeAll(async () => {
    consoleDir = await mkdtemp(join(tmpdir(), 'millrace-console-build-'))
    execFileSync(process.execPath, ['scripts/build-console.mjs', consoleDir], { stdio: 'pipe' })
    shots = join(tmpdir(), `millrace-console-screenshots-${suffix}`)
    await mkdir(shots, { recursive: true })
    console.log(`[millrace] web console screenshots: ${shots}`)
    fns = await startFunctionServer()
    // Answers once the test releases it: the execution stays RUNNING until then.
    fns.route(`/gate-${suffix}`, (call, res) => {
      gates.push(res)
      res.on('close', () => undefined)
      void call
    })
    server = await startServer(consoleDir, false)
    await rest('PUT', `/functions/flaky-${suffix}`, { url: `${fns.origin}/flaky/2/${suffix}` })
    await rest('PUT', `/functions/boom-${suffix}`, { url: `${fns.origin}/raise_custom_exception` })
    await rest('PUT', `/functions/gate-${suffix}`, { url: `${fns.origin}/gate-${suffix}` })
    await rest('POST', '/state-machines', { name: machine, definition: orderDefinition(suffix) })
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
    })
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } })
    page.on('pageerror', (err) => console.error(`[browser] ${err.message}`))
    page.on('console', (m) => {
      if (m.type() === 'error') console.error(`[browser console] ${m.text()}`)
    })
  })

  afterAll(async () => {
    for (const res of gates) if (!res.writableEnded) res.destroy()
    await browser?.close()
    await server?.close()
    await fns?.close()
    if (consoleDir) await rm(consoleDir, { recursive: true, force: true })
  })

  const nodeStatus = (state: string) =>
    page.locator(`.graph .node[data-state="${state}"]`).getAttribute('data-status')

  it('shows each state of an execution that retried, caught a failure and succeeded', async () => {
    await rest('POST', `/state-machines/${machine}/executions`, {
      name: 'order-1',
      input: { kind: 'order', items: [{ sku: 'TEA' }, { sku: 'MUG' }, { sku: 'KETTLE' }] },
    })
    expect(await finished('order-1')).toMatchObject({ status: 'SUCCEEDED' })

    await page.goto(`${server.url}/console/state-machines/${machine}/executions/order-1`)
    await page.locator('#execution-status .pill').getByText('succeeded').waitFor()
    await page.locator('.graph .node[data-state="Done"][data-status="succeeded"]').waitFor()
    const expected: Record<string, string> = {
      Route: 'succeeded',
      Reject: 'not_reached',
      Fetch: 'succeeded',
      Charge: 'caught',
      Recover: 'succeeded',
      Both: 'succeeded',
      Notify: 'succeeded',
      Audit: 'succeeded',
      Lines: 'succeeded',
      Price: 'succeeded',
      Done: 'succeeded',
    }
    const seen: Record<string, string | null> = {}
    for (const state of Object.keys(expected)) seen[state] = await nodeStatus(state)
    expect(seen).toEqual(expected)
    // Two retries of Fetch and one of Charge, as badges.
    await expect(
      page.locator('.graph .node[data-state="Fetch"] .badge').textContent(),
    ).resolves.toBe('↻ 2')
    await expect(
      page.locator('.graph .node[data-state="Charge"] .badge').textContent(),
    ).resolves.toBe('↻ 1')
    // Choice rules label their edges.
    await expect(
      page.locator('.graph .edge-label', { hasText: '$.kind == "order"' }).count(),
    ).resolves.toBe(1)
    await expect(page.locator('.graph .edge-label', { hasText: 'Default' }).count()).resolves.toBe(
      1,
    )

    // The history lists the events in order.
    const ids: number[] = []
    for (const tr of await page.locator('tr.event').all()) {
      ids.push(Number(await tr.getAttribute('data-event-id')))
    }
    expect(ids.length).toBeGreaterThan(20)
    expect(ids).toEqual([...ids].sort((a, b) => a - b))
    expect(ids[0]).toBe(1)
    const types = await page.locator('tr.event .event-type').allTextContents()
    expect(types[0]).toBe('ExecutionStarted')
    expect(types[types.length - 1]).toBe('ExecutionSucceeded')
    expect(types.filter((t) => t === 'LambdaFunctionFailed')).toHaveLength(4)
    await page.screenshot({ path: join(shots, 'execution.png'), fullPage: true })
  })

  it('selecting the caught state shows its error, cause and attempts', async () => {
    // Keyboard: focus the graph's tab stop, then Enter on Charge (reached by clicking here).
    await page.locator('.graph .node[data-state="Charge"]').click()
    await page.locator('#state-title', { hasText: 'Charge' }).waitFor()
    const panel = page.locator('.state-panel')
    await expect(panel.locator('.pill').first().textContent()).resolves.toBe('caught')
    await expect(panel.getByText('CustomException').first().isVisible()).resolves.toBe(true)
    const attempts = panel.locator('tr.attempt')
    await expect(attempts.count()).resolves.toBe(2)
    const firstAttempt = await attempts.nth(0).locator('td').allTextContents()
    expect(firstAttempt[0]).toBe('1')
    expect(firstAttempt[1]).toBe('failed')
    expect(firstAttempt[8]).toBe('CustomException')
    await expect(panel.getByText(fnArn(`boom-${suffix}`)).isVisible()).resolves.toBe(true)
    // The selection is in the URL, so the link can be shared.
    expect(new URL(page.url()).searchParams.get('state')).toBe('Charge')
    await page.screenshot({ path: join(shots, 'execution-caught-state.png') })

    // Arrow keys move between states; Enter selects.
    await page.locator('.graph .node[data-state="Charge"]').focus()
    await page.keyboard.press('ArrowDown')
    await page.keyboard.press('Enter')
    await page.locator('#state-title', { hasText: 'Recover' }).waitFor()

    // A Map shows its iterations.
    await page.locator('.graph .node[data-state="Lines"]').click()
    await page.locator('#state-title', { hasText: 'Lines' }).waitFor()
    await expect(page.locator('.state-panel tbody tr').count()).resolves.toBe(3)
    await page.screenshot({ path: join(shots, 'execution-map-selected.png'), fullPage: true })
  })

  it('filters the history by event type', async () => {
    await page.locator('#history-type').selectOption('LambdaFunctionFailed')
    await page.locator('tr.event').nth(4).waitFor({ state: 'detached' })
    const types = await page.locator('tr.event .event-type').allTextContents()
    expect(types).toEqual(Array(4).fill('LambdaFunctionFailed'))
  })

  it('updates a running execution’s page by itself when it finishes', async () => {
    const liveMachine = `live-${suffix}`
    await rest('POST', '/state-machines', {
      name: liveMachine,
      definition: {
        StartAt: 'Hold',
        States: {
          Hold: { Type: 'Task', Resource: fnArn(`gate-${suffix}`), Next: 'After' },
          After: { Type: 'Pass', End: true },
        },
      },
    })
    await rest('POST', `/state-machines/${liveMachine}/executions`, {
      name: 'live-1',
      input: { n: 1 },
    })
    await page.goto(`${server.url}/console/state-machines/${liveMachine}/executions/live-1`)
    await page.locator('.graph .node[data-state="Hold"][data-status="running"]').waitFor()
    await expect(page.locator('#stop-button').isVisible()).resolves.toBe(true)
    await expect(nodeStatus('After')).resolves.toBe('not_reached')
    for (;;) {
      if (gates.length > 0) break
      await new Promise((r) => setTimeout(r, 20))
    }
    const gate = gates.shift()
    gate?.writeHead(200, { 'content-type': 'application/json' })
    gate?.end(JSON.stringify({ released: true }))
    // No reload: the page polls and redraws.
    await page
      .locator('#execution-status .pill', { hasText: 'succeeded' })
      .waitFor({ timeout: 15_000 })
    await page.locator('.graph .node[data-state="After"][data-status="succeeded"]').waitFor()
    await expect(page.locator('#stop-button').count()).resolves.toBe(0)
    await expect(page.locator('tr.event .event-type').last().textContent()).resolves.toBe(
      'ExecutionSucceeded',
    )
  })

  it('lists state machines and shows a machine page with its executions and start form', async () => {
    await page.goto(`${server.url}/console/`)
    await page.locator('a', { hasText: machine }).click()
    await page.locator('h1', { hasText: machine }).waitFor()
    await page.locator('.graph .node[data-state="Charge"]').waitFor()
    await page.locator('a', { hasText: 'order-1' }).waitFor()
    // The start form checks the JSON before sending it.
    await page.locator('#start-input').fill('{"kind": ')
    await page.locator('#start-input-status', { hasText: 'Not valid JSON' }).waitFor()
    await expect(page.locator('.start-form button[type=submit]').isDisabled()).resolves.toBe(true)
    await page.locator('#start-input').fill('{"kind": "other"}')
    await page.locator('#start-name').fill('rejected-1')
    await page.locator('.start-form button[type=submit]').click()
    await page.waitForURL(/\/executions\/rejected-1$/)
    await page.locator('#execution-status .pill', { hasText: 'failed' }).waitFor()
    await page.locator('.graph .node[data-state="Reject"][data-status="failed"]').waitFor()
    await page.goto(`${server.url}/console/state-machines/${machine}`)
    await page.locator('a', { hasText: 'rejected-1' }).waitFor()
    await page.screenshot({ path: join(shots, 'state-machine.png'), fullPage: true })
    // A narrow window still shows the page (one column).
    await page.setViewportSize({ width: 420, height: 800 })
    await page.goto(`${server.url}/console/state-machines/${machine}/executions/order-1`)
    await page.locator('.graph .node[data-state="Done"][data-status="succeeded"]').waitFor()
    await page.screenshot({ path: join(shots, 'execution-narrow.png'), fullPage: false })
    await page.setViewportSize({ width: 1280, height: 800 })
  })

  it('asks for the API key when the server needs one and sends it as a bearer token', async () => {
    const secured = await startServer(consoleDir, true)
    try {
      const fresh = await browser.newPage({ viewport: { width: 1280, height: 800 } })
      await fresh.goto(`${secured.url}/console/`)
      await fresh.locator('dialog #api-key').fill(API_KEY)
      await fresh.locator('dialog button[type=submit]').click()
      await fresh.locator('h1', { hasText: 'State machines' }).waitFor()
      // Kept for the browser session only (the page's sessionStorage).
      await expect(
        fresh.evaluate("globalThis.sessionStorage.getItem('millrace.apiKey')"),
      ).resolves.toBe(API_KEY)
      await fresh.close()
    } finally {
      await secured.close()
    }
  })
})
