import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'

/**
 * The shared conformance cases (recorded on AWS) and the comparison rules of
 * ../shared/conformance/README.md. Read at run time from ../shared; never copied into the repo.
 */
export const CASES_DIR = path.resolve(import.meta.dirname, '../../../shared/conformance/cases')

export interface ConformanceCase {
  readonly id: string
  readonly file: string
  readonly category: string
  readonly definition: Record<string, unknown>
  readonly input: unknown
  readonly placeholders?: boolean
  readonly functions?: Record<string, string>
  readonly activity?: {
    readonly name: string
    readonly deleteBeforeStart?: boolean
    readonly script: readonly Record<string, unknown>[]
  }
  readonly expected: {
    readonly status: string
    readonly output?: unknown
    readonly error?: string | null
    readonly cause?: unknown
    readonly historyEventTypes?: readonly string[]
  }
}

/**
 * Cases millrace is known to answer differently from the recording, each with the reason. They
 * run as expected failures: a new failure fails the suite, and so does one of these starting to
 * pass (then it leaves this list).
 */
export const KNOWN_DIFFERENCES: Readonly<Record<string, string>> = {
  'scenarios.test_base_scenarios.test_parallel_state_nested':
    'the recording has one ParallelStateExited for two nested Parallel states that both exit; ' +
    'every other Parallel recording has one per state, so millrace writes both',
}

export function loadCases(): ConformanceCase[] {
  return readdirSync(CASES_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map(
      (file) =>
        ({
          ...(JSON.parse(readFileSync(path.join(CASES_DIR, file), 'utf8')) as object),
          file,
        }) as ConformanceCase,
    )
}

export interface Actual {
  readonly status: string
  readonly output?: unknown
  readonly error?: string
  readonly cause?: string
  readonly historyEventTypes: readonly string[]
}

/** Every difference between what ran and what AWS recorded; empty when they agree. */
export function compareCase(c: ConformanceCase, actual: Actual): string[] {
  const problems: string[] = []
  const e = c.expected
  const ph = c.placeholders === true
  if (actual.status !== e.status) problems.push(`status ${actual.status}, expected ${e.status}`)
  if (e.status === 'SUCCEEDED' && 'output' in e && !matches(e.output, actual.output, ph)) {
    problems.push(`output ${JSON.stringify(actual.output)}\n  expected ${JSON.stringify(e.output)}`)
  }
  if (e.status === 'FAILED') {
    const expError = e.error ?? undefined
    if (!textMatches(expError, actual.error, ph))
      problems.push(`error ${actual.error}, expected ${expError}`)
    if (!causeMatches(e.cause, actual.cause, ph)) {
      problems.push(`cause ${JSON.stringify(actual.cause)}\n  expected ${JSON.stringify(e.cause)}`)
    }
  }
  if (e.historyEventTypes) {
    const text = JSON.stringify(c.definition)
    const unordered = /"Type"\s*:\s*"(Parallel|Map)"/.test(text)
    const exp = unordered ? [...e.historyEventTypes].sort() : e.historyEventTypes
    const act = unordered ? [...actual.historyEventTypes].sort() : actual.historyEventTypes
    if (JSON.stringify(exp) !== JSON.stringify(act)) {
      problems.push(
        `history ${JSON.stringify(actual.historyEventTypes)}\n  expected ${JSON.stringify(e.historyEventTypes)}`,
      )
    }
  }
  return problems
}

function causeMatches(expected: unknown, actual: string | undefined, ph: boolean): boolean {
  if (expected === null || expected === undefined) return actual === undefined
  if (typeof expected === 'string') return textMatches(expected, actual, ph)
  if (actual === undefined) return false
  let parsed: unknown
  try {
    parsed = JSON.parse(actual)
  } catch {
    return false
  }
  return matches(expected, parsed, ph)
}

function textMatches(
  expected: string | undefined,
  actual: string | undefined,
  ph: boolean,
): boolean {
  if (expected === undefined) return actual === undefined
  if (actual === undefined) return false
  if (!ph) return expected === actual
  return placeholderPattern(expected).test(actual)
}

/** Deep equality with the README's wildcards and the Lambda error-payload rule. */
export function matches(expected: unknown, actual: unknown, ph: boolean, key?: string): boolean {
  if (
    ph &&
    key !== undefined &&
    typeof expected === 'string' &&
    expected.toLowerCase() === key.toLowerCase()
  ) {
    return actual !== undefined
  }
  if (isLambdaError(expected)) {
    let a = actual
    if (typeof a === 'string') {
      try {
        a = JSON.parse(a)
      } catch {
        return false
      }
    }
    if (!isRecord(a)) return false
    const extra = Object.keys(a).filter(
      (k) => !['errorType', 'errorMessage', 'requestId', 'stackTrace'].includes(k),
    )
    return (
      extra.length === 0 &&
      a['errorType'] === expected['errorType'] &&
      a['errorMessage'] === expected['errorMessage']
    )
  }
  if (
    typeof expected === 'string' &&
    typeof actual === 'string' &&
    looksLikeLambdaErrorText(expected)
  ) {
    return matches(JSON.parse(expected), actual, ph, key)
  }
  if (ph && typeof expected === 'string') {
    if (expected === 'timestamp' || expected === 'datetime') return true
    // The recordings also redact context-object times as 'start-time' / 'entered-time'; the
    // README does not list them, but they stand for a timestamp AWS produced.
    if (/^[a-z]+-time$/.test(expected))
      return typeof actual === 'string' && !Number.isNaN(Date.parse(actual))
    if (typeof actual !== 'string') return false
    return placeholderPattern(expected).test(actual)
  }
  if (Array.isArray(expected)) {
    return (
      Array.isArray(actual) &&
      actual.length === expected.length &&
      expected.every((v, i) => matches(v, actual[i], ph))
    )
  }
  if (isRecord(expected)) {
    if (!isRecord(actual)) return false
    const ek = Object.keys(expected)
    if (ek.length !== Object.keys(actual).length) return false
    return ek.every((k) => Object.hasOwn(actual, k) && matches(expected[k], actual[k], ph, k))
  }
  return expected === actual
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function isLambdaError(v: unknown): v is Record<string, unknown> {
  if (!isRecord(v)) return false
  const keys = Object.keys(v)
  return (
    keys.includes('errorType') &&
    keys.includes('errorMessage') &&
    (keys.includes('requestId') || keys.includes('stackTrace')) &&
    keys.every((k) => ['errorType', 'errorMessage', 'requestId', 'stackTrace'].includes(k))
  )
}

function looksLikeLambdaErrorText(s: string): boolean {
  if (!s.startsWith('{')) return false
  try {
    return isLambdaError(JSON.parse(s))
  } catch {
    return false
  }
}

const patternCache = new Map<string, RegExp>()

/** A placeholder text as a pattern: `<anything>` any non-empty text, a 12-digit account, dates. */
function placeholderPattern(expected: string): RegExp {
  let re = patternCache.get(expected)
  if (re) return re
  let source = ''
  const tokens = expected.split(/(<[^<>]+>|111111111111|snf_role_arn|\bdate\b)/)
  for (const t of tokens) {
    if (t === '') continue
    if (/^<[^<>]+>$/.test(t)) source += '[\\s\\S]+?'
    else if (t === '111111111111') source += '\\d{12}'
    else if (t === 'snf_role_arn') source += '[\\s\\S]*?'
    else if (t === 'date') source += '\\d{4}-\\d{2}-\\d{2}[T ][0-9:.]+(?:Z|[+-]\\d{2}:?\\d{2})?'
    else source += t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
  }
  re = new RegExp(`^${source}$`)
  patternCache.set(expected, re)
  return re
}
