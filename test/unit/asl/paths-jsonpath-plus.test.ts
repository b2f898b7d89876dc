import { JSONPath } from 'jsonpath-plus'
import { describe, expect, it } from 'vitest'
import { AslError } from '../../../engine/asl/errors.js'
import type { JsonObject, JsonValue } from '../../../engine/asl/json.js'
import {
  compilePath,
  compilePathFor,
  pathEvaluator,
  PathSyntaxError,
  type PathScope,
} from '../../../engine/asl/paths/path.js'

/**
 * compilePath hands some paths to jsonpath-plus and keeps the rest on its own Jayway evaluator
 * (AWS evaluates JSONPath with Jayway JsonPath). This differential test runs both evaluators over
 * a corpus of paths × documents: on every path routed to jsonpath-plus they must agree exactly
 * (same values, same nodes, same order), so the routing cannot drift from Jayway's semantics. The
 * forms on which they disagree, found by this corpus, are recorded in DISAGREEMENTS below.
 */

/** Path steps the corpus combines: names, wildcards, `..`, indexes, unions, slices, length(). */
const FRAGMENTS = [
  '.a',
  '.b',
  "['a']",
  "['x y']",
  '.length',
  "['0']",
  "['a.b']",
  '.*',
  '[*]',
  '..a',
  '..b',
  '..*',
  '..[0]',
  '..[1:]',
  "..['a','b']",
  '..length',
  '[0]',
  '[1]',
  '[-1]',
  '[-2]',
  '[5]',
  '[-5]',
  '[0,1]',
  '[1,0]',
  '[-1,-2]',
  '[0,-1]',
  '[0,0]',
  '[1:]',
  '[-2:]',
  '[:2]',
  '[:-1]',
  '[:0]',
  '[1:3]',
  '[-3:-1]',
  '[-2:2]',
  '[1:-1]',
  '[0:0]',
  '[2:1]',
  '[0:6:2]',
  '[-10:]',
  '[:10]',
  '[5:]',
  "['a','b']",
  "['b','a']",
  "['a','a']",
  '.length()',
]

/**
 * Keys spelled like the steps jsonpath-plus is handed for the fragments above (an index `i` goes
 * as the slice `i:i+1`): it reads a step after a name or a wildcard as a literal key first.
 */
const LITERAL_KEYS = [
  '*',
  '..',
  '$',
  'a,b',
  'b,a',
  '0:1',
  '1:2',
  '-1:',
  '-2:-1',
  '5:6',
  '-5:-4',
  '0:1,1:2',
  '-1:,-2:-1',
  '1:',
  '-2:',
  ':2',
  ':-1',
  '1:3',
  '-3:-1',
  '0:6',
  '-10:',
  ':10',
  '5:',
]

function literal(inner: JsonValue): JsonObject {
  const out: JsonObject = {}
  LITERAL_KEYS.forEach((k, i) => (out[k] = `key${i}`))
  return { ...out, a: inner, b: [inner, 'bs'], 'x y': [inner] }
}

const DOCS: Readonly<Record<string, JsonValue>> = {
  mixed: {
    a: { b: 1, c: [1, 2, 3], d: { b: 2 }, 'x y': 'blank' },
    items: [{ a: 1, b: 'x' }, { a: 2 }, { a: 3, b: 'z' }, 4, [5, 6]],
    b: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    n: null,
    s: 'str',
    e: [],
  },
  arrays: [[1, [2, 3]], [[4], 5], 'str', { a: [6, { a: 7 }] }, null, []],
  'numeric keys': { 0: 'zero', 1: 'one', a: { 0: [9], length: 2, b: { 1: 'x' } }, b: ['x', 'y'] },
  'literal keys': literal(literal({ a: 1, b: [2, 3] })),
  strings: { a: 'abc', b: ['xy', 'z', ''], length: 1, 0: 'r0', 'a.b': 'dotted' },
  falsy: { a: 0, b: [false, null, '', 0, true], 'x y': [null, [0]] },
  'missing data': { other: { c: 1 } },
  'empty object': {},
  'empty array': [],
  null: null,
  zero: 0,
  'empty string': '',
  string: 'str',
  true: true,
}

/** Every path of one and two fragments, and 2,500 of three drawn by a fixed seed. */
function corpus(): string[] {
  const paths = new Set<string>()
  for (const a of FRAGMENTS) {
    paths.add('$' + a)
    for (const b of FRAGMENTS) paths.add('$' + a + b)
  }
  let seed = 1
  const pick = (): string => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31
    return FRAGMENTS[Math.floor((seed / 2 ** 31) * FRAGMENTS.length)] as string
  }
  for (let i = 0; i < 2500; i++) paths.add('$' + pick() + pick() + pick())
  return [...paths]
}

const scope = (input: JsonValue): PathScope => ({ input, context: {} })

type Outcome = JsonValue | undefined | { thrown: string }

function outcome(evaluate: () => JsonValue | undefined): Outcome {
  try {
    return evaluate()
  } catch (err) {
    return { thrown: err instanceof Error ? `${err.name}: ${err.message}` : String(err) }
  }
}

/** Exact agreement: the same nodes (by identity) in the same order. */
function same(x: Outcome, y: Outcome): boolean {
  if (Object.is(x, y)) return true
  if (Array.isArray(x) && Array.isArray(y)) {
    return x.length === y.length && x.every((v, i) => Object.is(v, y[i]))
  }
  return JSON.stringify(x) === JSON.stringify(y)
}

interface Difference {
  readonly path: string
  readonly doc: string
  readonly jayway: Outcome
  readonly plus: Outcome
}

interface Run {
  readonly routed: string[]
  readonly differences: Difference[]
  readonly inexpressible: string[]
}

function runCorpus(): Run {
  const routed: string[] = []
  const differences: Difference[] = []
  const inexpressible: string[] = []
  for (const path of corpus()) {
    let jayway, plus
    try {
      jayway = compilePathFor(path, 'jayway')
    } catch (err) {
      if (!(err instanceof PathSyntaxError)) throw err
      continue // not a valid path for either
    }
    try {
      plus = compilePathFor(path, 'jsonpath-plus')
    } catch (err) {
      if (!(err instanceof PathSyntaxError)) throw err
      inexpressible.push(path)
      continue
    }
    if (pathEvaluator(path) === 'jsonpath-plus') routed.push(path)
    for (const [doc, input] of Object.entries(DOCS)) {
      const j = outcome(() => jayway.tryEvaluate(scope(input)))
      const p = outcome(() => plus.tryEvaluate(scope(input)))
      if (!same(j, p)) differences.push({ path, doc, jayway: j, plus: p })
    }
  }
  return { routed, differences, inexpressible }
}

const show = (d: Difference): string =>
  `${d.path} on ${d.doc}: Jayway ${JSON.stringify(d.jayway)}, jsonpath-plus ${JSON.stringify(d.plus)}`

describe('jsonpath-plus against the Jayway evaluator (differential)', () => {
  const run = runCorpus()
  const routed = new Set(run.routed)

  it('agree exactly on every path routed to jsonpath-plus', () => {
    const diverging = run.differences.filter((d) => routed.has(d.path)).map(show)
    expect(diverging).toEqual([])
  })

  it('route a real share of the corpus, every kind of step included', () => {
    expect(run.routed.length).toBeGreaterThan(800)
    for (const form of ['[*]', '.*', '..a', '..*', '[-1]', '[0,1]', '[-1,-2]', '[1:3]', '[:-1]']) {
      expect(run.routed.some((p) => p.includes(form))).toBe(true)
    }
    expect(run.routed).toContain("$['a','b'].a")
    expect(run.routed).toContain('$[0:6:2]')
  })

  it('route to the Jayway evaluator what jsonpath-plus cannot be given', () => {
    for (const path of run.inexpressible) expect(pathEvaluator(path)).not.toBe('jsonpath-plus')
    expect(run.inexpressible).toContain('$.a.length()')
    expect(run.inexpressible).toContain("$['a.b']")
  })

  it('find the disagreements recorded below (the corpus is not blind to them)', () => {
    const differing = new Set(run.differences.map((d) => d.path))
    for (const path of [
      '$.a[*]',
      '$[*][0]',
      '$.a..b',
      '$[*].length',
      "$[*]['0']",
      "$['a','b']",
      '$..[0].a',
      '$[1:-1]',
      '$[-2:2]',
      '$[:0]',
      '$[0:0]',
    ]) {
      expect(differing.has(path), path).toBe(true)
    }
  })
})

interface Disagreement {
  readonly path: string
  readonly input: JsonValue
  readonly jayway: JsonValue | undefined
  readonly plus: JsonValue | undefined
  readonly why: string
}

/**
 * Where jsonpath-plus, given the path array compilePath would build, selects something else than
 * Jayway: each of these forms stays on the Jayway evaluator.
 */
const DISAGREEMENTS: readonly Disagreement[] = [
  {
    path: '$.a[*]',
    input: { a: { '*': 1, b: 2 } },
    jayway: [1, 2],
    plus: [1],
    why: 'after a name, jsonpath-plus first reads the next step as a literal key',
  },
  {
    path: '$[*][0]',
    input: [{ '0:1': 'key' }, ['x']],
    jayway: ['x'],
    plus: ['key', 'x'],
    why: 'after a wildcard too (an index goes as the slice 0:1)',
  },
  {
    path: '$.a..b',
    input: { a: { '..': { b: 1 }, c: { b: 2 } } },
    jayway: [1, 2],
    plus: [1],
    why: "and for '..' (a key named '..')",
  },
  {
    path: '$[*].length',
    input: ['abc', [1, 2], { length: 7 }],
    jayway: [7],
    plus: [3, 2, 7],
    why: 'jsonpath-plus finds `length` on arrays and strings; Jayway reads names on objects only',
  },
  {
    path: "$[*]['0']",
    input: ['abc', ['x'], { 0: 'zero' }],
    jayway: ['zero'],
    plus: ['a', 'x', 'zero'],
    why: 'and their indexes, for a name made of digits',
  },
  {
    path: "$['a','b']",
    input: { a: 1, b: 2, c: 3 },
    jayway: { a: 1, b: 2 },
    plus: 1,
    why: 'Jayway merges a final name union into one object (definite: the first of [1, 2])',
  },
  {
    path: '$..[0].v',
    input: [{ v: 1 }, { v: 2 }],
    jayway: [1, 2],
    plus: [1],
    why: "Jayway's `..` hands every element of a matching array to the step after the index",
  },
  {
    path: '$[1:-1]',
    input: [0, 1, 2, 3],
    jayway: [],
    plus: [1, 2],
    why: 'with both bounds, Jayway does not count a negative end from the end',
  },
  {
    path: '$[-2:2]',
    input: [0, 1, 2, 3],
    jayway: [2, 3, 0, 1],
    plus: [],
    why: 'Jayway walks from a negative start up to a positive end, wrapping around',
  },
  {
    path: '$[:0]',
    input: [0, 1],
    jayway: [],
    plus: [0, 1],
    why: 'jsonpath-plus reads an end of 0 as "to the end"',
  },
  {
    path: '$[0:0]',
    input: [0, 1],
    jayway: [],
    plus: [0, 1],
    why: 'with a start too',
  },
]

describe('recorded disagreements (each stays on the Jayway evaluator)', () => {
  for (const { path, input, jayway, plus, why } of DISAGREEMENTS) {
    it(`${path}: ${why}`, () => {
      expect(compilePath(path).tryEvaluate(scope(input))).toEqual(jayway)
      expect(compilePathFor(path, 'jsonpath-plus').tryEvaluate(scope(input))).toEqual(plus)
      expect(pathEvaluator(path)).toBe('jayway')
    })
  }

  it('cannot hand jsonpath-plus a filter, length() or a name its syntax would parse', () => {
    for (const path of ['$.a[?(@.b)]', '$.a.length()', "$['a.b']", "$['it\\'s'][*]", '$.a-b:c']) {
      expect(() => compilePathFor(path, 'jsonpath-plus')).toThrow(PathSyntaxError)
      expect(pathEvaluator(path)).not.toBe('jsonpath-plus')
    }
  })
})

describe('what the path array handed to jsonpath-plus avoids', () => {
  const plain = (path: string, json: JsonValue): unknown =>
    JSONPath({ path, json, wrap: true, eval: false })

  it('a plain index reads an object key "0"; the slice 0:1 reads arrays only, as Jayway does', () => {
    expect(plain('$[0:][0]', [['x'], { 0: 'zero' }])).toEqual(['x', 'zero'])
    expect(compilePath('$[0:][0]').tryEvaluate(scope([['x'], { 0: 'zero' }]))).toEqual(['x'])
    expect(pathEvaluator('$[0:][0]')).toBe('jsonpath-plus')
  })

  it('a negative index selects nothing in jsonpath-plus; as a slice it works', () => {
    expect(plain('$[-1]', [1, 2])).toEqual([])
    expect(compilePath('$[-1]').tryEvaluate(scope([1, 2]))).toBe(2)
    expect(pathEvaluator('$[-1]')).toBe('jsonpath-plus')
  })

  it("a slice's step is dropped when parsing, as Jayway ignores it", () => {
    expect(plain('$[0:6:2]', [0, 1, 2, 3, 4, 5, 6])).toEqual([0, 2, 4])
    expect(compilePath('$[0:6:2]').tryEvaluate(scope([0, 1, 2, 3, 4, 5, 6]))).toEqual([
      0, 1, 2, 3, 4, 5,
    ])
  })

  it('jsonpath-plus answers undefined on a falsy document; a path over a scalar selects []', () => {
    expect(JSONPath({ path: '$[*]', json: 0, wrap: true, eval: false })).toBeUndefined()
    for (const input of [0, '', false, null, 'str', 7]) {
      expect(compilePath('$[*]').tryEvaluate(scope(input))).toEqual([])
      expect(compilePath('$[-1]').tryEvaluate(scope(input))).toBeUndefined()
    }
  })

  it('roots: $$ and $variable route the same way', () => {
    const s: PathScope = { input: {}, context: [{ a: 1 }, { a: 2 }], variables: { v: [3, 4] } }
    expect(pathEvaluator('$$[*].a')).toBe('jsonpath-plus')
    expect(compilePath('$$[*].a').tryEvaluate(s)).toEqual([1, 2])
    expect(compilePath('$v[-1]').tryEvaluate(s)).toBe(4)
    expect(compilePath('$unset[*]').tryEvaluate(s)).toEqual([])
    expect(compilePath('$unset[-1]').tryEvaluate(s)).toBeUndefined()
  })
})

describe('jsonpath-plus safeguards', () => {
  it('keeps AWS bracket forms whichever evaluator runs the path', () => {
    expect(compilePath('$[*].a[-1]').normalized).toBe("$[*]['a'][-1]")
    expect(compilePath('$..*').normalized).toBe('$..[*]')
    expect(compilePath("$['a','b'].c").normalized).toBe("$['a','b']['c']")
  })

  it('scans a document too deep for its recursion on the Jayway evaluator', () => {
    let deep: JsonValue = {}
    for (let i = 0; i < 20_000; i++) deep = { a: deep }
    expect(() => JSONPath<unknown>({ path: '$..a', json: deep, wrap: true, eval: false })).toThrow(
      RangeError,
    )
    expect(pathEvaluator('$..a')).toBe('jsonpath-plus')
    expect((compilePath('$..a').tryEvaluate(scope(deep)) as JsonValue[]).length).toBe(20_000)
  })

  it('leaves multiplying unions to the Jayway evaluator and its step budget', () => {
    let nested: JsonValue = [0]
    for (let i = 0; i < 30; i++) nested = [nested]
    const path = '$' + '[0,0]'.repeat(30)
    expect(pathEvaluator(path)).toBe('jayway')
    expect(() => compilePath(path).tryEvaluate(scope(nested))).toThrow(AslError)
    expect(pathEvaluator('$[0,1][0,1]')).toBe('jsonpath-plus')
  })

  it('selects the same nodes on documents around the depth and size limits', () => {
    const chain = (depth: number, bottom: JsonValue): JsonValue => {
      let out = bottom
      for (let i = 0; i < depth; i++) out = { a: out, i }
      return out
    }
    const wide = (n: number): JsonValue => Array.from({ length: n }, (_, i) => ({ a: i, v: [i] }))
    for (const input of [
      chain(63, [1, 2]),
      chain(64, [1, 2]),
      chain(65, [1, 2]),
      chain(
        30,
        Array.from({ length: 4_000 }, (_, i) => i),
      ),
      chain(
        30,
        Array.from({ length: 40_000 }, (_, i) => i),
      ),
      wide(15_000),
      wide(60_000),
    ]) {
      for (const path of ['$..a', '$..*']) {
        const found = compilePath(path).tryEvaluate(scope(input)) as JsonValue[]
        const expected = compilePathFor(path, 'jayway').tryEvaluate(scope(input)) as JsonValue[]
        expect(found.length).toBe(expected.length)
        expect(found.every((v, i) => Object.is(v, expected[i]))).toBe(true)
      }
    }
  })
})
