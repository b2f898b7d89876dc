import { describe, expect, it } from 'vitest'
import {
  compileJsonata,
  compileJsonataTemplate,
  evaluateJsonataTemplate,
  isJsonataExpression,
  JsonataSyntaxError,
  QueryEvaluationError,
  toJson,
  type JsonataBindings,
} from '../../../engine/asl/jsonata/index.js'
import { unsafeRegexReason } from '../../../engine/asl/jsonata/regex-safety.js'
import type { JsonValue } from '../../../engine/asl/index.js'

/**
 * The JSONata engine below the states: which strings are expressions, templates and the field
 * paths AWS names, the result as JSON, AWS's bounds (depth, work, memory) and refused regexes.
 */
const ENV = { now: Date.UTC(2024, 0, 1), uuid: () => 'u', random: () => 0.5 }

function bindings(
  input: JsonValue = {},
  variables: Record<string, JsonValue> = {},
): JsonataBindings {
  return { states: { input }, variables, env: ENV }
}

function evaluate(template: JsonValue, field = 'Output', input: JsonValue = {}): JsonValue {
  return evaluateJsonataTemplate(compileJsonataTemplate(template, field), bindings(input))
}

function causeOf(f: () => unknown): string {
  try {
    f()
  } catch (err) {
    if (err instanceof QueryEvaluationError) return err.cause
    throw err
  }
  throw new Error('expected a QueryEvaluationError')
}

describe('isJsonataExpression: the whole string is {% ... %}', () => {
  it.each([
    ['{% $states.input %}', true],
    ['{%$states.input%}', true],
    ['{%\n1\n%}', true],
    [' {% $states.input %} ', false],
    ['Hello {% $x %}', false],
    ['{% incomplete', false],
    ['$states.input', false],
  ])('%j → %s', (text, expected) => {
    expect(isJsonataExpression(text)).toBe(expected)
  })

  it('an expression that does not parse is a JsonataSyntaxError with the library code', () => {
    expect(() => compileJsonata('{% a[1,2) %}')).toThrow(JsonataSyntaxError)
    expect(() => compileJsonata('{% a[1,2) %}')).toThrow(/^S0\d{3}: /)
    expect(() => compileJsonata('{%   %}')).toThrow(/empty/)
  })
})

describe('templates: constants as written, expressions evaluated, AWS field paths', () => {
  it('evaluates expressions at any depth and keeps everything else', () => {
    expect(
      evaluate(
        {
          a: '{% $states.input.n + 1 %}',
          b: [1, '{% $states.input.n %}', { c: '{% true %}' }],
          plain: '$states.input',
          spaced: ' {% 1 %} ',
          n: null,
        },
        'Output',
        { n: 41 },
      ),
    ).toEqual({
      a: 42,
      b: [1, 41, { c: true }],
      plain: '$states.input',
      spaced: ' {% 1 %} ',
      n: null,
    })
  })

  it.each([
    [{ v: '{% $states.input.missing %}' }, 'Output', 'Output/v'],
    [{ a: { b: '{% $states.input.missing %}' } }, 'Output', 'Output/a/b'],
    ['{% $states.input.missing %}', 'Output', 'Output'],
    [{ values: ['{% $states.input.missing %}', 1] }, 'Output', 'Output/values[0]'],
    [{ a: { b: [[1, '{% $states.input.missing %}']] } }, 'Output', 'Output/a/b[0][1]'],
    [{ x: { y: '{% $states.input.missing %}' } }, 'Assign', 'Assign/x/y'],
    [{ FunctionName: '{% $states.input.missing %}' }, 'Arguments', 'Arguments/FunctionName'],
  ])('%j in %s names the field %s', (template, field, path) => {
    expect(causeOf(() => evaluate(template, field))).toBe(
      `The JSONata expression '$states.input.missing' specified for the field '${path}' returned nothing (undefined).`,
    )
  })

  it('a null is a value, in objects, arrays and alone', () => {
    expect(evaluate({ v: '{% $states.input.bar %}' }, 'Output', { bar: null })).toEqual({ v: null })
    expect(evaluate(['{% null %}', 1])).toEqual([null, 1])
    expect(evaluate('{% null %}')).toBeNull()
  })

  it('a library error keeps its code, joined with ". "', () => {
    expect(causeOf(() => evaluate({ v: "{% $sum(['a']) %}" }))).toBe(
      `The JSONata expression '$sum(['a'])' specified for the field 'Output/v' threw an error during evaluation. T0412: Argument 1 of function "sum" must be an array of "numbers"`,
    )
  })

  it('variables are read by name, $states is reserved', () => {
    const t = compileJsonataTemplate('{% $x + $states.input.y %}', 'Output')
    expect(evaluateJsonataTemplate(t, bindings({ y: 2 }, { x: 40 }))).toBe(42)
  })
})

describe('toJson: the library value as AWS writes it', () => {
  it.each<[unknown, JsonValue | undefined]>([
    [1, 1],
    [-0, 0],
    [Infinity, 'Infinity'],
    [-Infinity, '-Infinity'],
    [NaN, 'NaN'],
    [
      [1, undefined, 2],
      [1, 2],
    ],
    [{ a: 1, b: undefined }, { a: 1 }],
    [Object.assign([1, 2], { sequence: true }), [1, 2]],
    [() => 1, undefined],
    [{ _jsonata_lambda: true }, undefined],
    [/x/, undefined],
  ])('%o → %j', (value, expected) => {
    expect(toJson(value)).toEqual(expected)
  })

  it('a function is an unsupported result type', () => {
    expect(causeOf(() => evaluate('{% function($x){$x} %}'))).toBe(
      `The JSONata expression 'function($x){$x}' specified for the field 'Output' returned an unsupported result type.`,
    )
  })

  it('1/0 is "Infinity", as AWS writes it', () => {
    expect(evaluate('{% 1/0 %}')).toBe('Infinity')
  })
})

describe("AWS's evaluation bounds", () => {
  const refused = (expr: string) => causeOf(() => evaluate(`{% ${expr} %}`))
  const DEPTH =
    'threw an error during evaluation: Stack overflow error: Check for non-terminating recursive function. Consider rewriting as tail-recursive'

  it.each([
    ['an addition chain of 100 terms', '1' + '+1'.repeat(99), 100],
    ['99 parentheses', '('.repeat(99) + '1' + ')'.repeat(99), 1],
    ['99 chained functions', '1' + '~>$string'.repeat(99), '1'],
    [
      'a non-tail recursion 31 deep',
      '($f := function($x){ $x <= 0 ? 0 : 1 + $f($x-1) }; $f(31))',
      31,
    ],
  ])('depth: %s passes', (_why, expr, expected) => {
    expect(evaluate(`{% ${expr} %}`)).toEqual(expected)
  })

  it.each([
    ['an addition chain of 101 terms', '1' + '+1'.repeat(100)],
    ['100 parentheses', '('.repeat(100) + '1' + ')'.repeat(100)],
    ['100 nested arrays', '['.repeat(100) + '1' + ']'.repeat(100)],
    ['100 chained functions', '1' + '~>$string'.repeat(100)],
    ['a non-tail recursion 32 deep', '($f := function($x){ $x <= 0 ? 0 : 1 + $f($x-1) }; $f(32))'],
  ])('depth: %s is refused at 100, as on AWS', (_why, expr) => {
    expect(refused(expr)).toBe(
      `The JSONata expression '${expr}' specified for the field 'Output' ${DEPTH}`,
    )
  })

  it('memory: [1..873782] passes and one element more is refused, as on AWS', () => {
    expect(evaluate('{% [1..873782] ~> $count() %}')).toBe(873782)
    expect(refused('[1..873783] ~> $count()')).toMatch(
      /threw an error during evaluation: Expression evaluation memory limit exceeded: Check for excessive memory usage$/,
    )
  })

  it('memory: a string doubled 22 times passes, 23 times is refused', () => {
    const f = (n: number) =>
      `($f := function($s, $n){ $n = 0 ? $s : $f($s & $s, $n - 1) }; $length($f('x', ${n})))`
    expect(evaluate(`{% ${f(22)} %}`)).toBe(4194304)
    expect(refused(f(23))).toMatch(/memory limit exceeded/)
  })

  it('work: an endless tail recursion ends with the timeout message', { timeout: 60_000 }, () => {
    expect(refused('($f := function($x){ $f($x+1) }; $f(1))')).toMatch(
      /threw an error during evaluation: Expression evaluation timeout: Check for infinite loop$/,
    )
  })

  it('work: a 20,000-item transform stays within the bound', { timeout: 60_000 }, () => {
    const items = Array.from({ length: 20_000 }, (_, i) => ({ a: i, c: [1, 2, 3] }))
    const out = evaluate('{% $states.input.items.{"a": a * 2, "s": $sum(c)} %}', 'Output', {
      items,
    })
    expect(Array.isArray(out) && out.length).toBe(20_000)
  })
})

describe('regular expressions that backtrack without bound are refused', () => {
  it.each([
    ['(a+)+$', 'a repeated group contains a repetition'],
    ['(\\w+\\s?)*$', 'a repeated group contains a repetition'],
    ['(?:x*y?)+', 'a repeated group contains a repetition'],
    ['(.*,){20}', 'a repeated group contains a repetition'],
    ['(a)\\1', 'it uses a back-reference'],
  ])('/%s/ (%s)', (source, reason) => {
    expect(unsafeRegexReason(source)).toBe(reason)
  })

  it.each([
    '^hello\\$',
    '^[a-z]+@[a-z]+\\.com$',
    '(ab|cd)+',
    '(a+)',
    '\\d+-\\d+',
    '[(+)]*',
    '(a){3}',
  ])('/%s/ is allowed', (source) => {
    expect(unsafeRegexReason(source)).toBeUndefined()
  })

  it('a refused pattern fails the field, a safe one runs', () => {
    expect(causeOf(() => evaluate('{% $match("aaaa!", /(a+)+$/) %}'))).toMatch(
      /threw an error during evaluation\. D1004: The regular expression \/\(a\+\)\+\$\/ is refused/,
    )
    expect(evaluate('{% $contains("hello$world", /^hello\\$/) %}')).toBe(true)
  })
})
