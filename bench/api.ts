/**
 * HTTP overhead of the API (../shared/bench/README.md, W1): the same closed loop of W1
 * executions (2,000 per run, 16 in flight, after 200 warm-up) driven three ways in one run, on
 * one engine and one database:
 *
 * - service: `startExecution` + `engine.waitForEnd` in process (no HTTP);
 * - REST: `POST /v1/state-machines/w1/executions` over a socket on 127.0.0.1, then waitForEnd
 *   in process (the cost of one REST call on top of the service);
 * - AWS: `StartSyncExecution` over the socket: start and end in one HTTP round trip.
 *
 * The server listens in this process, so the client's and the server's HTTP work share its CPU,
 * as they would share a 2-core machine. The client is node:http with keep-alive (as the AWS SDK's
 * node-http-handler): Node 20's fetch costs about 2.5× as much CPU per request (GET /health,
 * 16 in flight, client and server in one process: ~1,960 req/s with fetch, ~4,900 with
 * node:http), which would be charged to the server here. Auth is on (a bearer key), as
 * `millrace serve` runs.
 * Needs DATABASE_URL (a server where it may create and drop `millrace_bench_api`).
 */
import { readFileSync } from 'node:fs'
import http from 'node:http'
import path from 'node:path'
import { pino } from 'pino'
import postgres from 'postgres'
import { buildApp } from '../api/app.js'
import { parseApiKeys } from '../api/auth/index.js'
import { Engine } from '../engine/runtime/engine.js'
import * as service from '../engine/service/index.js'
import { migrate, openDatabase } from '../engine/store/index.js'

const serverUrl = process.env['DATABASE_URL']
if (!serverUrl) {
  console.log('API bench SKIPPED: set DATABASE_URL (npm run bench starts a server itself)')
  process.exit(0)
}
const workloads = path.resolve(process.env['MILLRACE_SHARED_DIR'] ?? '../shared', 'bench/workloads')
const read = (file: string) => readFileSync(path.join(workloads, file), 'utf8')

const admin = postgres(serverUrl, { max: 1, onnotice: () => {} })
await admin`DROP DATABASE IF EXISTS millrace_bench_api`
await admin`CREATE DATABASE millrace_bench_api`
const url = new URL(serverUrl)
url.pathname = '/millrace_bench_api'

const database = await openDatabase({ databaseUrl: url.toString(), maxConnections: 20 })
await migrate(database)
const logger = pino({ level: 'warn' })
const engine = new Engine({ database, logger })
await engine.start()
const ctx = { engine, database }
const KEY = 'bench-key-0123456789abcdef'
const app = await buildApp({
  service: ctx,
  logger,
  auth: { mode: 'on', apiKeys: parseApiKeys(KEY), awsCredentials: [] },
})
const base = await app.listen({ host: '127.0.0.1', port: 0 })

const { stateMachineArn } = await service.createStateMachine(ctx, {
  name: 'w1',
  definition: read('w1-pass-chain.asl.json'),
})
// StartSyncExecution runs EXPRESS machines only, as on AWS: the same definition as one.
const express = await service.createStateMachine(ctx, {
  name: 'w1-express',
  definition: read('w1-pass-chain.asl.json'),
  type: 'EXPRESS',
})
const input = read('input-small.json')
const inputValue = JSON.parse(input) as unknown

const agent = new http.Agent({ keepAlive: true, maxSockets: 16 })

function post(
  pathname: string,
  body: unknown,
  headers: Record<string, string>,
): Promise<Record<string, unknown>> {
  const payload = Buffer.from(JSON.stringify(body), 'utf8')
  return new Promise((resolve, reject) => {
    const request = http.request(
      `${base}${pathname}`,
      {
        method: 'POST',
        agent,
        headers: {
          authorization: `Bearer ${KEY}`,
          'content-length': payload.length,
          ...headers,
        },
      },
      (response) => {
        const chunks: Buffer[] = []
        response.on('data', (chunk: Buffer) => chunks.push(chunk))
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8')
          if ((response.statusCode ?? 500) >= 300) {
            reject(new Error(`${pathname}: ${response.statusCode} ${text}`))
          } else resolve(JSON.parse(text) as Record<string, unknown>)
        })
        response.on('error', reject)
      },
    )
    request.on('error', reject)
    request.end(payload)
  })
}

type Mode = 'service' | 'rest' | 'aws'
const runners: Record<Mode, () => Promise<void>> = {
  async service() {
    const { executionArn } = await service.startExecution(ctx, { stateMachineArn, input })
    if ((await engine.waitForEnd(executionArn)) !== 'SUCCEEDED') throw new Error('not SUCCEEDED')
  },
  async rest() {
    const started = await post(
      '/v1/state-machines/w1/executions',
      { input: inputValue },
      { 'content-type': 'application/json' },
    )
    if ((await engine.waitForEnd(String(started['executionArn']))) !== 'SUCCEEDED') {
      throw new Error('not SUCCEEDED')
    }
  },
  async aws() {
    const ended = await post(
      '/',
      { stateMachineArn: express.stateMachineArn, input },
      {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': 'AWSStepFunctions.StartSyncExecution',
      },
    )
    if (ended['status'] !== 'SUCCEEDED') throw new Error(`ended ${String(ended['status'])}`)
  },
}

async function closedLoop(mode: Mode, total: number, lanes: number) {
  const latencies: number[] = []
  let next = 0
  const t0 = performance.now()
  await Promise.all(
    Array.from({ length: lanes }, async () => {
      while (next < total) {
        next++
        const start = performance.now()
        await runners[mode]()
        latencies.push(performance.now() - start)
      }
    }),
  )
  const seconds = (performance.now() - t0) / 1000
  latencies.sort((a, b) => a - b)
  const pct = (p: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] as number
  return { perSecond: total / seconds, p50: pct(0.5), p99: pct(0.99) }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number
const fmt = (n: number, d = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d })

const modes: Mode[] = ['service', 'rest', 'aws']
for (const mode of modes) await closedLoop(mode, 200, 16) // warm-up
const runs: Record<Mode, { perSecond: number; p50: number; p99: number }[]> = {
  service: [],
  rest: [],
  aws: [],
}
// Interleaved, so drift in the database (table growth, autovacuum) touches every mode alike.
for (let i = 0; i < 3; i++)
  for (const mode of modes) runs[mode].push(await closedLoop(mode, 2000, 16))

const labels: Record<Mode, string> = {
  service: 'service layer (no HTTP)        ',
  rest: 'REST start + wait in process   ',
  aws: 'AWS StartSyncExecution over HTTP',
}
const serviceRate = median(runs.service.map((r) => r.perSecond))
console.log('\nW1 through the API vs through the service layer (same run), median of 3 runs')
for (const mode of modes) {
  const rates = runs[mode].map((r) => r.perSecond)
  const rate = median(rates)
  console.log(
    `  ${labels[mode]}  ${fmt(rate)} exec/s (min ${fmt(Math.min(...rates))}, max ${fmt(Math.max(...rates))}); ` +
      `p50 ${fmt(median(runs[mode].map((r) => r.p50)), 1)} ms, p99 ${fmt(median(runs[mode].map((r) => r.p99)), 1)} ms` +
      (mode === 'service'
        ? ''
        : `; ${fmt((1 - rate / serviceRate) * 100, 0)}% below the service layer`),
  )
}

agent.destroy()
await app.close()
await engine.stop()
await database.close()
await admin`DROP DATABASE IF EXISTS millrace_bench_api`
await admin.end()
