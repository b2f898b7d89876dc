/**
 * Interpreter benchmark (issue: "npm run bench times the interpreter alone"): W1, ten Pass states,
 * run in one process through the in-memory driver. Prints transitions/s as the median of 3 runs,
 * and beside it a same-run baseline — a JSON round trip of the input per transition, the work a
 * naive interpreter does to isolate state data — so the figure can be read as a ratio on a noisy
 * machine.
 */
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { compileMachine, type JsonObject, type JsonValue } from '../engine/asl/index.js'
import { runInMemory } from '../engine/runtime/run-in-memory.js'

// ../shared sits beside the repository; npm scripts run from the repository root.
const workloads = path.resolve(process.env['MILLRACE_SHARED_DIR'] ?? '../shared', 'bench/workloads')
const read = (file: string) =>
  JSON.parse(readFileSync(path.join(workloads, file), 'utf8')) as JsonValue

const machine = compileMachine(read('w1-pass-chain.asl.json') as JsonObject)
const input = read('input-small.json')
const TRANSITIONS_PER_EXECUTION = 10
const EXECUTIONS = 20_000

let seq = 0
const options = { uuid: () => `id-${seq++}`, random: () => 0.5 }

async function interpreterRun(): Promise<number> {
  const t0 = process.hrtime.bigint()
  for (let i = 0; i < EXECUTIONS; i++) {
    const r = await runInMemory(machine, input, options)
    if (r.status !== 'SUCCEEDED') throw new Error(`execution ${i} ended ${r.status}`)
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9
  return (EXECUTIONS * TRANSITIONS_PER_EXECUTION) / seconds
}

function baselineRun(): number {
  const text = JSON.stringify(input)
  const t0 = process.hrtime.bigint()
  let sink = 0
  for (let i = 0; i < EXECUTIONS * TRANSITIONS_PER_EXECUTION; i++) {
    sink += JSON.stringify(JSON.parse(text)).length
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9
  if (sink === 0) throw new Error('unreachable')
  return (EXECUTIONS * TRANSITIONS_PER_EXECUTION) / seconds
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number

await interpreterRun() // warm-up
const interp: number[] = []
const base: number[] = []
for (let i = 0; i < 3; i++) {
  interp.push(await interpreterRun())
  base.push(baselineRun())
}
const fmt = (n: number) => Math.round(n).toLocaleString('en-US')
const m = median(interp)
console.log('W1 pass-chain, interpreter alone (in-memory driver, one process)')
console.log(
  `  transitions/s   median ${fmt(m)}  (min ${fmt(Math.min(...interp))}, max ${fmt(Math.max(...interp))})`,
)
console.log(`  executions/s    median ${fmt(m / TRANSITIONS_PER_EXECUTION)}`)
console.log(`  per Pass state  ${(1e6 / m).toFixed(2)} µs`)
console.log(`  baseline (JSON round trip per transition, same run) median ${fmt(median(base))}/s`)
console.log(
  `  ratio to baseline ${(m / median(base)).toFixed(2)}x; to the 85,000/s interpreter peer ${(m / 85_000).toFixed(2)}x`,
)
