import { afterAll, describe, expect, it } from 'vitest'
import { compileMachine, type JsonObject, type JsonValue } from '../../../engine/asl/index.js'
import { runInMemory } from '../../../engine/runtime/run-in-memory.js'
import {
  compareCase,
  KNOWN_DIFFERENCES,
  loadCases,
  type ConformanceCase,
} from '../../conformance/cases.js'
import { standInHandler } from '../../conformance/stand-ins.js'

/**
 * Every case recorded on AWS under ../shared/conformance/cases, run through the interpreter alone
 * with a virtual clock (Wait finishes at once) and in-process stand-ins for Lambda functions and
 * activity workers: JSONPath and JSONata cases, with and without workflow variables.
 */
const cases = loadCases()

const tally = new Map<string, { passed: number; failed: number; skipped: number }>()

function count(c: ConformanceCase, outcome: 'passed' | 'failed' | 'skipped'): void {
  const row = tally.get(c.category) ?? { passed: 0, failed: 0, skipped: 0 }
  row[outcome]++
  tally.set(c.category, row)
}

async function runCase(c: ConformanceCase): Promise<string[]> {
  const machine = compileMachine(c.definition as JsonObject)
  const result = await runInMemory(machine, c.input as JsonValue, { handler: standInHandler(c) })
  return compareCase(c, {
    status: result.status,
    ...(result.output !== undefined ? { output: result.output } : {}),
    ...(result.error !== undefined ? { error: result.error } : {}),
    ...(result.cause !== undefined ? { cause: result.cause } : {}),
    historyEventTypes: result.history.map((e) => e.type),
  })
}

describe('conformance (interpreter, recorded on AWS)', () => {
  for (const c of cases) {
    const known = KNOWN_DIFFERENCES[c.id]
    const test = known === undefined ? it : it.fails
    test(`${c.category} ${c.id}${known === undefined ? '' : ' (known difference)'}`, async () => {
      let problems: string[]
      try {
        problems = await runCase(c)
      } catch (err) {
        problems = [`threw ${(err as Error).stack ?? String(err)}`]
      }
      count(c, problems.length === 0 ? 'passed' : 'failed')
      expect(problems, problems.join('\n')).toEqual([])
    })
  }

  afterAll(() => {
    const rows = [...tally.entries()].sort(([a], [b]) => a.localeCompare(b))
    const total = { passed: 0, failed: 0, skipped: 0 }
    const lines = rows.map(([category, r]) => {
      total.passed += r.passed
      total.failed += r.failed
      total.skipped += r.skipped
      return `${category.padEnd(20)} ${String(r.passed).padStart(6)} ${String(r.failed).padStart(6)} ${String(r.skipped).padStart(7)}`
    })
    const header = `${'category'.padEnd(20)} ${'passed'.padStart(6)} ${'failed'.padStart(6)} ${'skipped'.padStart(7)}`
    const footer = `${'all'.padEnd(20)} ${String(total.passed).padStart(6)} ${String(total.failed).padStart(6)} ${String(total.skipped).padStart(7)}`
    console.log(['', header, ...lines, footer].join('\n'))
  })
})
