import { ISSUE_CODES, type IssueSink, type Pointer } from './issues.js'

/**
 * The definition as JSON: text that parses, no duplicate keys, a JSON value (no cycles, functions
 * or `undefined`), nesting AWS can hold, and the size limit.
 */

/**
 * AWS: CreateStateMachine / ValidateStateMachineDefinition `definition`, "Length Constraints:
 * Maximum length of 1048576" — measured on the text as characters (UTF-16 code units), which is
 * also the "1 MB" hard quota of the Step Functions quotas page.
 */
export const MAX_DEFINITION_LENGTH = 1_048_576

/** Deeper JSON than this is refused before any recursive pass could exhaust the stack. */
export const MAX_JSON_DEPTH = 256

/** Parses definition text. Answers undefined (with issues) when there is nothing to validate. */
export function parseDefinitionText(text: string, sink: IssueSink): { value: unknown } | undefined {
  if (text.trim() === '') {
    sink.error(ISSUE_CODES.MISSING_DESCRIPTION, '', 'The definition is empty')
    return undefined
  }
  checkLength(text.length, sink)
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (err) {
    sink.error(
      ISSUE_CODES.INVALID_JSON_DESCRIPTION,
      '',
      `The definition is not valid JSON: ${(err as Error).message}`,
    )
    return undefined
  }
  if (!checkDepth(value, sink)) return undefined
  findDuplicateKeys(text, (path, key) => {
    if (isStatesObject(path)) {
      sink.error(
        ISSUE_CODES.DUPLICATE_STATE_NAME,
        [...path, key],
        `State name '${key}' appears more than once in the same States object; state names ` +
          `must be unique`,
      )
    } else {
      sink.error(
        ISSUE_CODES.SCHEMA_VALIDATION_FAILED,
        [...path, key],
        `Field '${key}' appears more than once in the same object; only the last one would count`,
      )
    }
  })
  return { value }
}

/** `/States`, `/States/P/Branches/0/States`, `/States/M/ItemProcessor/States` and the like. */
function isStatesObject(path: Pointer): boolean {
  const n = path.length
  if (path[n - 1] !== 'States') return false
  if (n === 1) return true
  const parent = path[n - 2]
  if (parent === 'ItemProcessor' || parent === 'Iterator') return true
  return typeof parent === 'number' && path[n - 3] === 'Branches'
}

/** Checks a value handed over as an object is plain JSON; false means stop validating. */
export function checkJsonValue(value: unknown, sink: IssueSink): boolean {
  const problems: { at: Pointer; message: string }[] = []
  const ancestors = new Set<object>()
  let tooDeep = false
  const visit = (v: unknown, at: Pointer): void => {
    if (problems.length >= 20 || tooDeep) return
    if (at.length > MAX_JSON_DEPTH) {
      tooDeep = true
      return
    }
    switch (typeof v) {
      case 'string':
      case 'boolean':
        return
      case 'number':
        if (!Number.isFinite(v)) problems.push({ at, message: `${String(v)} is not a JSON number` })
        return
      case 'object':
        break
      case 'bigint':
      case 'function':
      case 'symbol':
      case 'undefined':
        problems.push({ at, message: `a ${typeof v} is not a JSON value` })
        return
    }
    if (v === null) return
    if (ancestors.has(v)) {
      problems.push({ at, message: 'the value refers to itself (a cycle), which JSON cannot hold' })
      return
    }
    const proto = Object.getPrototypeOf(v) as unknown
    if (!Array.isArray(v) && proto !== Object.prototype && proto !== null) {
      problems.push({ at, message: 'only plain objects, arrays and primitives are JSON values' })
      return
    }
    ancestors.add(v)
    if (Array.isArray(v)) v.forEach((item, i) => visit(item, [...at, i]))
    else for (const [k, item] of Object.entries(v)) visit(item, [...at, k])
    ancestors.delete(v)
  }
  visit(value, [])
  if (tooDeep) {
    sink.error(
      ISSUE_CODES.TOO_DEEPLY_NESTED,
      '',
      `The definition nests JSON more than ${MAX_JSON_DEPTH} levels deep`,
    )
    return false
  }
  for (const p of problems) {
    sink.error(
      ISSUE_CODES.INVALID_JSON_DESCRIPTION,
      p.at,
      `The definition is not JSON: ${p.message}`,
    )
  }
  if (problems.length > 0) return false
  checkLength(JSON.stringify(value)?.length ?? 0, sink)
  return true
}

function checkLength(length: number, sink: IssueSink): void {
  if (length > MAX_DEFINITION_LENGTH) {
    sink.error(
      ISSUE_CODES.DEFINITION_TOO_LARGE,
      '',
      `The definition is ${length} characters long; AWS accepts at most ${MAX_DEFINITION_LENGTH} ` +
        `(1 MB)`,
    )
  }
}

function checkDepth(value: unknown, sink: IssueSink): boolean {
  const depth = (v: unknown, d: number): number => {
    if (d > MAX_JSON_DEPTH || typeof v !== 'object' || v === null) return d
    let max = d
    for (const item of Array.isArray(v) ? v : Object.values(v)) {
      max = Math.max(max, depth(item, d + 1))
      if (max > MAX_JSON_DEPTH) break
    }
    return max
  }
  if (depth(value, 0) > MAX_JSON_DEPTH) {
    sink.error(
      ISSUE_CODES.TOO_DEEPLY_NESTED,
      '',
      `The definition nests JSON more than ${MAX_JSON_DEPTH} levels deep`,
    )
    return false
  }
  return true
}

/**
 * Scans JSON text that is known to be valid and reports keys repeated within one object, which
 * JSON.parse silently collapses to the last one.
 */
function findDuplicateKeys(text: string, report: (path: Pointer, key: string) => void): void {
  let i = 0
  const space = (): void => {
    while (
      i < text.length &&
      (text[i] === ' ' || text[i] === '\n' || text[i] === '\r' || text[i] === '\t')
    )
      i++
  }
  const string = (): string => {
    const start = i
    i++
    while (text[i] !== '"') i += text[i] === '\\' ? 2 : 1
    i++
    return JSON.parse(text.slice(start, i)) as string
  }
  const value = (path: Pointer): void => {
    space()
    const c = text[i]
    if (c === '{') object(path)
    else if (c === '[') array(path)
    else if (c === '"') string()
    else
      while (
        i < text.length &&
        !',]}'.includes(text[i] as string) &&
        text[i] !== ' ' &&
        text[i] !== '\n' &&
        text[i] !== '\r' &&
        text[i] !== '\t'
      )
        i++
  }
  const object = (path: Pointer): void => {
    i++
    space()
    if (text[i] === '}') {
      i++
      return
    }
    const seen = new Set<string>()
    for (;;) {
      space()
      const key = string()
      if (seen.has(key)) report(path, key)
      seen.add(key)
      space()
      i++ // ':'
      value([...path, key])
      space()
      if (text[i++] !== ',') return
    }
  }
  const array = (path: Pointer): void => {
    i++
    space()
    if (text[i] === ']') {
      i++
      return
    }
    for (let k = 0; ; k++) {
      value([...path, k])
      space()
      if (text[i++] !== ',') return
    }
  }
  value([])
}
