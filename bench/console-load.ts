/**
 * How long the web console's execution page takes to load for an execution with a Map over
 * 1,000 items (about 4,000 history events): from navigation until the graph is coloured and the
 * first page of the history table is shown, in headless Chromium (/usr/bin/chromium) against
 * buildApp() on 127.0.0.1, 7 loads after one warm-up, median and range printed.
 *
 *   npm run build && node dist/bench/console-load.js            (embedded PGlite in a temp dir)
 *   DATABASE_URL=postgres://… node dist/bench/console-load.js   (a server; creates and drops
 *                                                               millrace_bench_console)
 *
 * The browser, the server and the database share this machine's CPU.
 */
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import postgres from 'postgres'
import { chromium } from 'playwright-core'
import { buildApp } from '../api/app.js'
import { DEFAULT_EXTENSIONS } from '../api/extensions.js'
import { Engine } from '../engine/runtime/engine.js'
import * as service from '../engine/service/index.js'
import { migrate, openDatabase } from '../engine/store/index.js'

const CHROMIUM = '/usr/bin/chromium'
const ITEMS = Number(process.env['ITEMS'] ?? 1000)
const LOADS = 7
if (!existsSync(CHROMIUM)) {
  console.log(`console load bench SKIPPED: no Chromium at ${CHROMIUM}`)
  process.exit(0)
}

const serverUrl = process.env['DATABASE_URL']
let databaseUrl: string | undefined
let dataDir: string | undefined
if (serverUrl) {
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} })
  await admin`DROP DATABASE IF EXISTS millrace_bench_console`
  await admin`CREATE DATABASE millrace_bench_console`
  await admin.end()
  const url = new URL(serverUrl)
  url.pathname = '/millrace_bench_console'
  databaseUrl = url.toString()
} else {
  dataDir = await mkdtemp(join(tmpdir(), 'millrace-bench-console-'))
}
const database = await openDatabase({ databaseUrl, dataDir })
await migrate(database)
const logger = pino({ level: 'warn' })
const engine = new Engine({ database, logger })
await engine.start()
const ctx: service.ServiceContext = { engine, database }
const app = await buildApp({ service: ctx, auth: { mode: 'off' }, extensions: DEFAULT_EXTENSIONS })
const origin = await app.listen({ host: '127.0.0.1', port: 0 })

const definition = {
  StartAt: 'Prepare',
  States: {
    Prepare: { Type: 'Pass', Next: 'PriceLines' },
    PriceLines: {
      Type: 'Map',
      ItemsPath: '$.items',
      MaxConcurrency: 50,
      ItemProcessor: {
        StartAt: 'PriceLine',
        States: {
          PriceLine: {
            Type: 'Pass',
            Parameters: { 'label.$': "States.Format('{} x {}', $.qty, $.sku)" },
            End: true,
          },
        },
      },
      ResultPath: '$.lines',
      Next: 'Done',
    },
    Done: { Type: 'Succeed' },
  },
}
const { stateMachineArn } = await service.createStateMachine(ctx, {
  name: 'bench-map',
  definition: JSON.stringify(definition),
})
const items = Array.from({ length: ITEMS }, (_, i) => ({ sku: `SKU-${i}`, qty: (i % 5) + 1 }))
const { executionArn } = await service.startExecution(ctx, {
  stateMachineArn,
  name: 'map-1000',
  input: JSON.stringify({ items }),
})
const ran = Date.now()
await engine.waitForEnd(executionArn)
const { events } = await service.getExecutionHistory(ctx, {
  executionArn,
  reverseOrder: true,
  maxResults: 1,
})
console.log(
  `execution of ${ITEMS} Map iterations: ${events[0]?.id ?? '?'} history events, ran in ${Date.now() - ran} ms`,
)

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
})
const page = await browser.newPage({ viewport: { width: 1280, height: 800 } })
const url = `${origin}/console/state-machines/bench-map/executions/map-1000`
const times: number[] = []
for (let i = 0; i <= LOADS; i++) {
  const started = performance.now()
  await page.goto(url)
  await page.locator('.graph .node[data-state="PriceLine"][data-status="succeeded"]').waitFor()
  await page.locator('tr.event[data-event-id="100"]').waitFor()
  const ms = performance.now() - started
  if (i > 0) times.push(ms) // the first load warms the server's and the browser's caches
}
times.sort((a, b) => a - b)
const median = times[Math.floor(times.length / 2)] ?? 0
console.log(
  `console execution page, ${ITEMS} Map iterations: median ${median.toFixed(0)} ms ` +
    `(min ${times[0]?.toFixed(0)}, max ${times[times.length - 1]?.toFixed(0)}, ${times.length} loads), ` +
    `until the graph is coloured and the first 100 history events are shown`,
)
const started = performance.now()
await fetch(`${origin}/v1/state-machines/bench-map/executions/map-1000/states`)
console.log(`GET …/states alone: ${(performance.now() - started).toFixed(0)} ms`)

await browser.close()
await app.close()
await engine.stop()
await database.close()
if (dataDir) await rm(dataDir, { recursive: true, force: true })
if (serverUrl) {
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} })
  await admin`DROP DATABASE IF EXISTS millrace_bench_console`
  await admin.end()
}
