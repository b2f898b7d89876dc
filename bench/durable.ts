/**
 * Durable-engine benchmark (../shared/bench/README.md): W1 (pass chain), W2 (3 Tasks over HTTP to
 * the echo function), W3 (activities, 4 worker processes using worker-sdk) and W4 (fan-out to the
 * HTTP echo function) against a real PostgreSQL server with durability on, next to the
 * PostgreSQL ceiling measured in the same run with pgbench (one ~500-byte jsonb row inserted per
 * transaction, 16 clients). The echo function and the W3 workers are processes of their own.
 *
 * Needs DATABASE_URL (a server where it may create and drop a database `millrace_bench`).
 * `npm run bench` starts a throwaway cluster and sets it. MILLRACE_BENCH=w2,w4 runs only those
 * workloads (all by default); MILLRACE_BENCH_RUNS sets the runs per workload (default 3).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { pino } from 'pino'
import postgres from 'postgres'
import { buildApp } from '../api/app.js'
import { taskDispatchExtension } from '../api/routes/task-dispatch.js'
import type { JsonValue } from '../engine/asl/index.js'
import { HttpDispatcher } from '../engine/runtime/dispatch/http.js'
import { Engine } from '../engine/runtime/engine.js'
import * as service from '../engine/service/index.js'
import { migrate, openDatabase } from '../engine/store/index.js'
import { cpuSince, sampleCpu, type CpuSample } from './cpu-usage.js'

const serverUrl = process.env['DATABASE_URL']
if (!serverUrl) {
  console.log('durable bench SKIPPED: set DATABASE_URL (npm run bench starts a server itself)')
  process.exit(0)
}
// ../shared sits beside the repository; npm scripts run from the repository root.
const workloads = path.resolve(process.env['MILLRACE_SHARED_DIR'] ?? '../shared', 'bench/workloads')
const read = (file: string) => readFileSync(path.join(workloads, file), 'utf8')

const admin = postgres(serverUrl, { max: 1, onnotice: () => {} })
await admin`DROP DATABASE IF EXISTS millrace_bench`
await admin`CREATE DATABASE millrace_bench`
const benchUrl = withDatabase(serverUrl, 'millrace_bench')

const database = await openDatabase({ databaseUrl: benchUrl, maxConnections: 20 })
await migrate(database)
const logger = pino({ level: 'warn' })
const children: ChildProcess[] = []
const here = import.meta.dirname
const echoPort = (await child(path.join(here, 'echo-server.js'), {}, true)) as number
const dispatcher = new HttpDispatcher({ database, logger, maxConcurrencyPerFunction: 64 })
await dispatcher.start()
const engine = new Engine({ database, logger, pushHandler: dispatcher.handle })
await engine.start()

const ctx = { engine, database }
await service.putFunction(ctx, {
  name: 'millrace-bench-echo',
  url: `http://127.0.0.1:${echoPort}/`,
  maxConcurrency: 64,
})
// W3's workers reach millrace over its API, as any worker does.
const app = await buildApp({
  service: ctx,
  auth: { mode: 'off' },
  extensions: [taskDispatchExtension],
})
const apiUrl = await app.listen({ host: '127.0.0.1', port: 0 })
const { activityArn } = await service.createActivity(ctx, { name: 'millrace-bench-w3' })
for (let i = 0; i < 4; i++) {
  await child(path.join(here, 'w3-worker.js'), {
    MILLRACE_URL: apiUrl,
    ACTIVITY_ARN: activityArn,
    WORKER_NAME: `w3-${i}`,
    CONCURRENCY: '4',
  })
}

async function machine(name: string, definition: string): Promise<string> {
  return (await service.createStateMachine(ctx, { name, definition })).stateMachineArn
}

let seq = 0
async function runOne(stateMachineArn: string, input: string): Promise<number> {
  const t0 = performance.now()
  const { executionArn } = await service.startExecution(ctx, {
    stateMachineArn,
    name: `e${seq++}`,
    input,
  })
  const status = await engine.waitForEnd(executionArn)
  if (status !== 'SUCCEEDED') throw new Error(`execution ended ${status}`)
  return performance.now() - t0
}

async function closedLoop(m: string, input: string, total: number, lanes: number) {
  const latencies: number[] = []
  let next = 0
  const cpu = sampleCpu(childPids())
  const t0 = performance.now()
  await Promise.all(
    Array.from({ length: lanes }, async () => {
      while (next < total) {
        next++
        latencies.push(await runOne(m, input))
      }
    }),
  )
  const seconds = (performance.now() - t0) / 1000
  return {
    perSecond: total / seconds,
    ...percentiles(latencies),
    cpu: perExecution(cpuSince(cpu, childPids()), total),
  }
}

function pgbenchCeiling(): number | undefined {
  const script = path.join(tmpdir(), 'millrace-bench-insert.sql')
  writeFileSync(
    script,
    `INSERT INTO bench_rows(body) VALUES ('{"orderId":"ORD-2026-000123","customer":{"id":"C-98765","tier":"gold","region":"eu-west-1"},"items":[{"sku":"SKU-1","qty":2},{"sku":"SKU-2","qty":1}],"counter":0,"note":"${'n'.repeat(300)}"}'::jsonb);\n`,
  )
  const psql = spawnSync('psql', [
    benchUrl,
    '-qc',
    'CREATE TABLE IF NOT EXISTS bench_rows (id bigserial primary key, body jsonb)',
  ])
  if (psql.status !== 0) return undefined
  const pgbench = findPgbench()
  if (!pgbench) return undefined
  const r = spawnSync(pgbench, ['-n', '-c', '16', '-j', '2', '-T', '5', '-f', script, benchUrl], {
    encoding: 'utf8',
  })
  const m = /tps = ([\d.]+)/.exec(r.stdout)
  return m ? Number(m[1]) : undefined
}

function findPgbench(): string | undefined {
  for (const p of ['/usr/lib/postgresql/15/bin/pgbench', 'pgbench']) {
    if (spawnSync(p, ['--version']).status === 0) return p
  }
  return undefined
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number
const fmt = (n: number, d = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d })

/**
 * W3: a closed loop like closedLoop, also measuring dispatch latency: from the moment the
 * execution's first decision has committed (startExecution returned: the task is visible) to the
 * moment a worker holds the task (`heldAt`, which the worker writes into its output).
 */
async function w3Loop(m: string, input: string, total: number, lanes: number) {
  const latencies: number[] = []
  const visible = new Map<string, number>()
  let next = 0
  const cpu = sampleCpu(childPids())
  const t0 = performance.now()
  await Promise.all(
    Array.from({ length: lanes }, async () => {
      while (next < total) {
        next++
        const start = performance.now()
        const name = `e${seq++}`
        const { executionArn } = await service.startExecution(ctx, {
          stateMachineArn: m,
          name,
          input,
        })
        visible.set(name, performance.timeOrigin + performance.now())
        if ((await engine.waitForEnd(executionArn)) !== 'SUCCEEDED') throw new Error('W3 failed')
        latencies.push(performance.now() - start)
      }
    }),
  )
  const seconds = (performance.now() - t0) / 1000
  const used = perExecution(cpuSince(cpu, childPids()), total)
  const rows = await database.db
    .selectFrom('executions')
    .select(['name', 'output'])
    .where('name', 'in', [...visible.keys()])
    .execute()
  const dispatch = rows
    .map((r) => (r.output as { heldAt: number }).heldAt - (visible.get(r.name) as number))
    .map((ms) => Math.max(0, ms))
  return {
    perSecond: total / seconds,
    ...percentiles(latencies),
    dispatch: percentiles(dispatch),
    cpu: used,
  }
}

const childPids = () => children.flatMap((c) => (c.pid === undefined ? [] : [c.pid]))

function perExecution(cpu: CpuSample, executions: number): CpuSample {
  return {
    engine: cpu.engine / executions,
    postgres: cpu.postgres / executions,
    children: cpu.children / executions,
  }
}

/** Median CPU ms per execution over runs: where a workload's time goes. */
function cpuLine(runs: readonly { cpu: CpuSample }[], childName?: string): string {
  const m = (pick: (c: CpuSample) => number) => fmt(median(runs.map((r) => pick(r.cpu))), 2)
  return (
    `CPU per execution: engine ${m((c) => c.engine)} ms, PostgreSQL ${m((c) => c.postgres)} ms` +
    (childName === undefined ? '' : `, ${childName} ${m((c) => c.children)} ms`)
  )
}

function percentiles(values: number[]): { p50: number; p99: number } {
  const sorted = [...values].sort((a, b) => a - b)
  const pct = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0
  return { p50: pct(0.5), p99: pct(0.99) }
}

const only = new Set((process.env['MILLRACE_BENCH'] ?? 'w1,w2,w3,w4').split(','))
const runs = Number(process.env['MILLRACE_BENCH_RUNS'] ?? 3)
const repeat = async <T>(run: () => Promise<T>): Promise<T[]> => {
  const results: T[] = []
  for (let i = 0; i < runs; i++) results.push(await run())
  return results
}

const w1 = await machine('w1', read('w1-pass-chain.asl.json'))
const w2 = await machine('w2', read('w2-task-chain.asl.json'))
const w3 = await machine('w3', read('w3-activity.asl.json'))
const w4 = await machine('w4', read('w4-fan-out.asl.json'))
const small = read('input-small.json')
const fanout = read('input-fanout.json')
const fanout40 = JSON.stringify({
  ...(JSON.parse(fanout) as object),
  items: (JSON.parse(fanout) as { items: JsonValue[] }).items.slice(0, 40),
})

if (only.has('w1')) await closedLoop(w1, small, 200, 16) // warm-up
const w1Runs = only.has('w1') ? await repeat(() => closedLoop(w1, small, 2000, 16)) : []
if (only.has('w2')) await closedLoop(w2, small, 200, 16) // warm-up
const w2Runs = only.has('w2') ? await repeat(() => closedLoop(w2, small, 2000, 16)) : []
if (only.has('w3')) await w3Loop(w3, small, 50, 16) // warm-up
const w3Runs = only.has('w3') ? await repeat(() => w3Loop(w3, small, 2000, 16)) : []
const w3Single = only.has('w3') ? await w3Loop(w3, small, 300, 1) : undefined
if (only.has('w4')) await runOne(w4, fanout40)
const w4Runs = only.has('w4') ? await repeat(async () => (await runOne(w4, fanout)) / 1000) : []
const ceiling = pgbenchCeiling()
const rss = process.memoryUsage().rss

const w1Rates = w1Runs.map((r) => r.perSecond)
const w2Rates = w2Runs.map((r) => r.perSecond)
const w3Rates = w3Runs.map((r) => r.perSecond)
const range = (xs: number[], d = 0) =>
  `${fmt(median(xs), d)} (min ${fmt(Math.min(...xs), d)}, max ${fmt(Math.max(...xs), d)})`
console.log(
  `Durable engine on PostgreSQL (fsync on, synchronous_commit on), median of ${runs} run(s)`,
)
if (w1Runs.length > 0) {
  console.log(
    `  W1 pass-chain  ${range(w1Rates)} exec/s; ${fmt(median(w1Rates) * 10)} transitions/s; ` +
      `p50 ${fmt(median(w1Runs.map((r) => r.p50)), 1)} ms, p99 ${fmt(median(w1Runs.map((r) => r.p99)), 1)} ms`,
  )
  console.log(`                 ${cpuLine(w1Runs)}`)
}
if (w2Runs.length > 0) {
  console.log(
    `  W2 task-chain  ${range(w2Rates)} exec/s; ` +
      `p50 ${fmt(median(w2Runs.map((r) => r.p50)), 1)} ms, p99 ${fmt(median(w2Runs.map((r) => r.p99)), 1)} ms (3 Tasks over HTTP)`,
  )
  console.log(`                 ${cpuLine(w2Runs, 'echo function')}`)
}
if (w3Single !== undefined) {
  console.log(
    `  W3 activity    ${range(w3Rates)} exec/s; ` +
      `p50 ${fmt(median(w3Runs.map((r) => r.p50)), 1)} ms, p99 ${fmt(median(w3Runs.map((r) => r.p99)), 1)} ms; ` +
      `dispatch p50 ${fmt(median(w3Runs.map((r) => r.dispatch.p50)), 1)} ms, p99 ${fmt(median(w3Runs.map((r) => r.dispatch.p99)), 1)} ms; ` +
      `1 in flight: dispatch p50 ${fmt(w3Single.dispatch.p50, 1)} ms, p99 ${fmt(w3Single.dispatch.p99, 1)} ms`,
  )
  console.log(`                 ${cpuLine(w3Runs, 'workers')}`)
}
if (w4Runs.length > 0) console.log(`  W4 fan-out     ${range(w4Runs, 2)} s`)
const ratio = (rates: number[], c: number) => (rates.length > 0 ? fmt(median(rates) / c, 3) : '-')
if (ceiling !== undefined) {
  console.log(
    `  PostgreSQL ceiling (pgbench, 1 jsonb row per commit, 16 clients): ${fmt(ceiling)} tps`,
  )
  console.log(
    `  W1 / ceiling: ${ratio(w1Rates, ceiling)}; W2 / ceiling: ${ratio(w2Rates, ceiling)}; W3 / ceiling: ${ratio(w3Rates, ceiling)}`,
  )
}
console.log(`  peak RSS ${fmt(rss / 1024 / 1024)} MB`)

for (const c of children) c.kill('SIGTERM')
await app.close()
await engine.stop()
await dispatcher.close()
await database.close()
await admin`DROP DATABASE IF EXISTS millrace_bench`
await admin.end()

function withDatabase(url: string, name: string): string {
  const u = new URL(url)
  u.pathname = `/${name}`
  return u.toString()
}

/** Starts a bench process (compiled, beside this file); answers its {"port"} line if asked. */
function child(
  file: string,
  env: Record<string, string>,
  waitForPort = false,
): Promise<number | undefined> {
  const c = spawn(process.execPath, [file], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  children.push(c)
  if (!waitForPort) return Promise.resolve(undefined)
  return new Promise((resolve, reject) => {
    let text = ''
    c.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      text += chunk
      const nl = text.indexOf('\n')
      if (nl >= 0) resolve((JSON.parse(text.slice(0, nl)) as { port: number }).port)
    })
    c.once('exit', (code) => reject(new Error(`${file} exited with ${code}`)))
  })
}
