// The whole example in one command: an embedded database, millrace (engine + API) on
// 127.0.0.1:8080, the function endpoints and the activity worker as processes of their own,
// one execution of fulfil-order.asl.json, its history, and a clean stop.
// Run: npx tsx examples/tasks/demo.ts
import { spawn, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { pino } from 'pino'
import { buildApp } from '../../api/app.js'
import { setUpTaskDispatch, taskDispatchExtension } from '../../api/routes/task-dispatch.js'
import { Engine } from '../../engine/runtime/engine.js'
import * as service from '../../engine/service/index.js'
import { migrate, openDatabase } from '../../engine/store/index.js'

const here = import.meta.dirname
const log = pino({ level: 'warn' })
const database = await openDatabase({
  dataDir: mkdtempSync(path.join(tmpdir(), 'millrace-example-')),
})
await migrate(database)
const dispatch = await setUpTaskDispatch({
  database,
  logger: log,
  env: process.env,
  configFile: path.join(here, 'millrace.json'),
})
const engine = new Engine({ database, logger: log, pushHandler: dispatch.pushHandler })
await engine.start()
const ctx = { engine, database }
await dispatch.applyConfig(ctx)
const app = await buildApp({
  service: ctx,
  auth: { mode: 'off' },
  extensions: [taskDispatchExtension],
})
const url = await app.listen({ host: '127.0.0.1', port: Number(process.env['PORT'] ?? 8080) })
console.log(`millrace on ${url}`)

const children: ChildProcess[] = ['functions.ts', 'worker.ts'].map((file) =>
  spawn(process.execPath, ['--import', 'tsx', path.join(here, file)], {
    stdio: 'inherit',
    env: { ...process.env, MILLRACE_URL: url },
  }),
)

// Wait for the function endpoints to listen (else the first call fails and Retry steps in).
const functionsPort = Number(process.env['FUNCTIONS_PORT'] ?? 9000)
for (let i = 0; i < 100; i++) {
  const up = await fetch(`http://127.0.0.1:${functionsPort}/`).then(
    () => true,
    () => false,
  )
  if (up) break
  await new Promise((r) => setTimeout(r, 100))
}

try {
  const { stateMachineArn } = await service.createStateMachine(ctx, {
    name: 'fulfil-order',
    definition: readFileSync(path.join(here, 'fulfil-order.asl.json'), 'utf8'),
  })
  const { executionArn } = await service.startExecution(ctx, {
    stateMachineArn,
    input: readFileSync(path.join(here, 'order.json'), 'utf8'),
  })
  console.log(`started ${executionArn}`)
  await engine.waitForEnd(executionArn, 120_000)
  const d = await service.describeExecution(ctx, { executionArn })
  const { events } = await service.getExecutionHistory(ctx, { executionArn, maxResults: 1000 })
  console.log('\nhistory:')
  for (const e of events) console.log(`  ${String(e.id).padStart(3)}  ${e.type}`)
  console.log(
    `\n${d.status}${d.output ? `  ${d.output}` : ''}${d.error ? `  ${d.error}: ${d.cause}` : ''}`,
  )
} finally {
  for (const child of children) child.kill('SIGTERM')
  await app.close()
  await engine.stop()
  await dispatch.close()
  await database.close()
}
