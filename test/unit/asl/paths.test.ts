import { describe, expect, it } from 'vitest'
import { AslError } from '../../../engine/asl/errors.js'
import type { JsonObject, JsonValue } from '../../../engine/asl/json.js'
import { Budget, compilePattern } from '../../../engine/asl/paths/filter.js'
import {
  compilePath,
  compileReferencePath,
  PathNotFoundError,
  PathSyntaxError,
  type PathScope,
} from '../../../engine/asl/paths/path.js'

/**
 * JSONPath as AWS evaluates it (Jayway JsonPath). Where Jayway differs from other JSONPath
 * implementations, the case says so: those are the ones most likely to be "fixed" by mistake.
 */

interface Case {
  readonly path: string
  readonly expected: JsonValue | undefined
  readonly why: string
  readonly input?: JsonValue
}

const doc: JsonObject = {
  a: { b: 1, c: [1, 2, 3], d: { b: 2 } },
  items: [{ v: 1, name: 'x' }, { v: 2 }, { v: 3, name: 'z' }, 4, [5, 6]],
  arr: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  'we ird': { 'x.y': 5, "it's": 6 },
  'a-b:c': 7,
  n: null,
  s: 'str',
  e: [],
}

const scope = (input: JsonValue = doc): PathScope => ({
  input,
  context: { Execution: { Id: 'arn:exec', Input: { k: [1, 2] } }, State: { Name: 'S' } },
  variables: { v: { x: 1, list: [10, 20, 30] }, zero: 0 },
})

function value(path: string, input?: JsonValue): JsonValue | undefined {
  return compilePath(path).tryEvaluate(scope(input))
}

function runTable(cases: readonly Case[]): void {
  for (const { path, expected, why, input } of cases) {
    it(`${path} → ${JSON.stringify(expected) ?? 'nothing'}: ${why}`, () => {
      expect(value(path, input)).toEqual(expected)
    })
  }
}

describe('simple paths (direct walk)', () => {
  runTable([
    { path: '$', expected: doc, why: 'the whole input' },
    { path: '$.a.b', expected: 1, why: 'dotted names' },
    { path: "$['a']['b']", expected: 1, why: 'bracket names' },
    { path: '$["a"].d["b"]', expected: 2, why: 'double quotes mix with dots' },
    { path: '$.arr[3]', expected: 3, why: 'an index' },
    { path: '$.arr[ 3 ]', expected: 3, why: 'blanks inside brackets' },
    { path: "$['we ird']['x.y']", expected: 5, why: 'any text in brackets' },
    { path: '$.n', expected: null, why: 'null is a value, not a miss' },
    { path: '$.missing', expected: undefined, why: 'a missing name selects nothing' },
    { path: '$.n.x', expected: undefined, why: 'nothing under null' },
    { path: '$.arr[10]', expected: undefined, why: 'past the end' },
    { path: '$.a[0]', expected: undefined, why: 'an index on an object' },
    { path: '$.arr.x', expected: undefined, why: 'a name on an array' },
  ])

  it('is definite, with AWS bracket form, and evaluate throws PathNotFoundError on a miss', () => {
    const p = compilePath('$.a.c[1]')
    expect(p).toMatchObject({ definite: true, root: 'input', normalized: "$['a']['c'][1]" })
    expect(p.evaluate(scope())).toBe(2)
    const miss = compilePath('$.a.zz')
    expect(() => miss.evaluate(scope())).toThrow(PathNotFoundError)
    expect(() => miss.evaluate(scope())).toThrow("No results for path: $['a']['zz']")
  })
})

describe('roots: $$ and $variable', () => {
  runTable([
    { path: '$$.Execution.Id', expected: 'arn:exec', why: 'the context object' },
    { path: '$$', expected: scope().context, why: 'the whole context object' },
    { path: '$$.Execution.Input.k[*]', expected: [1, 2], why: 'indefinite paths on the context' },
    { path: '$v.x', expected: 1, why: 'a variable' },
    { path: '$zero', expected: 0, why: 'a falsy variable is still a value' },
    { path: '$v.list[-1]', expected: 30, why: 'negative index on a variable' },
    { path: '$v.list[?(@ > 15)]', expected: [20, 30], why: 'a filter on a variable' },
    { path: '$unset', expected: undefined, why: 'an unset variable selects nothing' },
    { path: '$unset[*]', expected: [], why: 'an indefinite path on an unset variable is empty' },
  ])

  it('records the root and variable name', () => {
    expect(compilePath('$$.State.Name')).toMatchObject({ root: 'context' })
    expect(compilePath('$v.list[*]')).toMatchObject({ root: 'variable', variable: 'v' })
  })
})

describe('wildcards', () => {
  runTable([
    { path: '$.a.*', expected: [1, [1, 2, 3], { b: 2 }], why: 'values of an object, in key order' },
    { path: '$.a[*]', expected: [1, [1, 2, 3], { b: 2 }], why: '[*] is the same as .*' },
    { path: '$.arr[ * ]', expected: doc['arr'], why: 'elements of an array' },
    { path: '$.items[*].name', expected: ['x', 'z'], why: 'elements without the name are skipped' },
    { path: '$.items[*][0]', expected: [5], why: 'an index skips non-arrays' },
    { path: '$.s[*]', expected: [], why: 'nothing under a string' },
    { path: '$.missing[*]', expected: [], why: 'AWS answers [] (recorded: $.item.items[*] on {})' },
    { path: '$[*]', expected: [], input: {}, why: 'empty input (recorded on AWS)' },
    { path: '$.e[*]', expected: [], why: 'empty array' },
  ])
})

describe('recursive descent', () => {
  runTable([
    { path: '$..b', expected: [1, 2], why: 'every b, parents first' },
    { path: '$.a..b', expected: [1, 2], why: 'below a' },
    { path: '$..name', expected: ['x', 'z'], why: 'inside arrays too' },
    {
      path: '$..[0]',
      expected: [1, { v: 1, name: 'x' }, 5, 0],
      why: 'first element of every array, document order',
    },
    { path: '$..c[1]', expected: [2], why: 'a definite step after the scan' },
    {
      path: "$..['b','d']",
      expected: [{ b: 1, d: { b: 2 } }],
      why: 'Jayway: a final name union matches only objects holding all the names',
    },
    {
      path: '$..[0].v',
      expected: [1, 2, 3],
      why: "Jayway's ScanPathToken hands every element of a matching array to the next step",
    },
    {
      path: '$..*',
      expected: [{ b: 1 }, [2], 1, 2],
      input: { a: { b: 1 }, c: [2] },
      why: 'Jayway: all children of a node, then each child in turn',
    },
    { path: '$..x', expected: [], input: 7, why: 'nothing under a scalar' },
  ])
})

describe('slices (Jayway ArraySliceOperation)', () => {
  runTable([
    { path: '$.arr[1:3]', expected: [1, 2], why: 'from inclusive, to exclusive' },
    { path: '$.arr[7:]', expected: [7, 8, 9], why: 'open end' },
    { path: '$.arr[:2]', expected: [0, 1], why: 'open start' },
    { path: '$.arr[-2:]', expected: [8, 9], why: 'negative start counts from the end' },
    {
      path: '$.arr[:-2]',
      expected: [0, 1, 2, 3, 4, 5, 6, 7],
      why: 'negative end counts from the end',
    },
    { path: '$.arr[-3:-1]', expected: [7, 8], why: 'both negative' },
    {
      path: '$.arr[1:-1]',
      expected: [],
      why: 'Jayway: with both bounds, a negative end is not counted from the end',
    },
    { path: '$.arr[2:100]', expected: [2, 3, 4, 5, 6, 7, 8, 9], why: 'end clamped to the length' },
    { path: '$.arr[0:6:2]', expected: [0, 1, 2, 3, 4, 5], why: 'Jayway ignores a step' },
    { path: '$.arr[5:2]', expected: [], why: 'empty range' },
    { path: '$.a[1:]', expected: [], why: 'a slice of an object selects nothing' },
    { path: '$.items[1:].v', expected: [], input: {}, why: 'recorded on AWS: [] on {}' },
    { path: '$.items[:2].v', expected: [1, 2], why: 'a step after a slice' },
  ])
})

describe('indexes and unions', () => {
  runTable([
    { path: '$.arr[-1]', expected: 9, why: 'negative index from the end' },
    { path: '$.arr[-11]', expected: undefined, why: 'before the start' },
    { path: '$.arr[0,2]', expected: [0, 2], why: 'index union' },
    { path: '$.arr[0, -1, 42]', expected: [0, 9], why: 'out-of-range members are skipped' },
    {
      path: "$['a','s']",
      expected: { a: doc['a'] as JsonValue, s: 'str' },
      why: 'Jayway: a final name union is one object holding the names',
    },
    { path: "$['s','missing']", expected: { s: 'str' }, why: 'absent names are left out' },
    { path: "$['a','s'][0]", expected: [], why: 'a non-final name union iterates (no arrays)' },
    {
      path: "$['items','arr'][0]",
      expected: [{ v: 1, name: 'x' }, 0],
      why: 'in the written order',
    },
  ])

  it('marks unions definite only when they merge into one object', () => {
    expect(compilePath("$['a','s']").definite).toBe(true)
    expect(compilePath('$.arr[0,1]').definite).toBe(false)
    expect(compilePath('$.arr[-1]').definite).toBe(true)
  })
})

describe('length()', () => {
  runTable([
    { path: '$.arr.length()', expected: 10, why: 'array length' },
    { path: '$.a.length()', expected: 3, why: 'key count of an object' },
    { path: '$.s.length()', expected: null, why: 'Jayway answers null for a string' },
    { path: '$.missing.length()', expected: undefined, why: 'nothing to measure' },
    { path: '$.items[*].length()', expected: [2, 1, 2, null, 2], why: 'per node after [*]' },
  ])
})

describe('syntax Jayway accepts', () => {
  runTable([
    { path: "$.['a'].b", expected: 1, why: "'.' before a bracket" },
    { path: '$.a-b:c', expected: 7, why: 'a dotted name runs to the next . [ or (' },
    { path: "$['we ird']['it\\'s']", expected: 6, why: 'escaped quote in a bracket name' },
    { path: '$.a.b  ', expected: 1, why: 'trailing blanks are trimmed' },
    {
      path: '$[?(@.v == 2)]',
      expected: [{ v: 2 }],
      input: [{ v: 1 }, { v: 2 }],
      why: 'filter at the root',
    },
    {
      path: '$.[?(@.v == 2)].v',
      expected: [2],
      input: [{ v: 1 }, { v: 2 }],
      why: "'.' before a filter (used in an AWS-validated definition)",
    },
  ])

  it('keeps AWS bracket forms for indefinite paths', () => {
    expect(compilePath('$.a[*]..b[1:][?(@.x)].c[0,1]').normalized).toBe(
      "$['a'][*]..['b'][1:][?]['c'][0,1]",
    )
  })
})

const users: JsonValue = {
  min: 1998,
  flag: 'yes',
  users: [
    { year: 1997, name: 'User1997', status: 0, tags: ['a', 'b'], email: 'a@x.org' },
    { year: 1998, name: 'user1998', status: 0, tags: [], nick: null },
    { year: 1999, last: 'User1999', status: 1, tags: ['c'], flag: true },
    { year: '2000', name: 'Ünïcode', status: 2 },
  ],
}

interface FilterCase {
  readonly filter: string
  readonly years: readonly JsonValue[]
  readonly why: string
}

describe('filters', () => {
  const cases: readonly FilterCase[] = [
    // comparisons
    { filter: '@.status == 0', years: [1997, 1998], why: 'equality with a number' },
    { filter: '@.status==0', years: [1997, 1998], why: 'no blanks needed' },
    { filter: '0 == @.status', years: [1997, 1998], why: 'literal on the left' },
    { filter: "@.name == 'User1997'", years: [1997], why: 'single-quoted string' },
    { filter: '@.name == "User1997"', years: [1997], why: 'double-quoted string' },
    { filter: '@.status != 0', years: [1999, '2000'], why: 'inequality' },
    { filter: '@.status < 1', years: [1997, 1998], why: 'less than' },
    { filter: '@.status <= 1', years: [1997, 1998, 1999], why: 'less or equal' },
    { filter: '@.status > 1', years: ['2000'], why: 'greater than' },
    { filter: '@.status >= 1', years: [1999, '2000'], why: 'greater or equal' },
    {
      filter: '@.year >= 1998',
      years: [1998, 1999],
      why: "'2000' is a string: no ordering across types",
    },
    { filter: "@.name < 'V'", years: [1997], why: 'strings order by UTF-16 code units' },
    { filter: '@.flag == true', years: [1999], why: 'boolean literal' },
    { filter: '@.nick == null', years: [1998], why: 'null literal matches null only' },
    { filter: '@.year == -1.5e3', years: [], why: 'number forms parse' },
    { filter: "@.tags == ['a', 'b']", years: [1997], why: 'arrays compare deeply' },
    { filter: '@.year > $.min', years: [1999], why: '$ is the document the path runs on' },
    { filter: '@.year == @.status', years: [], why: 'path against path' },
    // Jayway's mixed-type equality and missing values
    { filter: "@.year == '1997'", years: [1997], why: 'Jayway: a number equals a decimal string' },
    { filter: "'1998' == @.year", years: [1998], why: "Jayway: a string equals a number's text" },
    { filter: '@.year == 2000', years: ['2000'], why: 'and the other way round' },
    { filter: '@.status == false', years: [], why: 'but never a boolean' },
    { filter: '@.last == 0', years: [], why: 'a missing field equals nothing' },
    {
      filter: "@.last != 'User1999'",
      years: [1997, 1998, '2000'],
      why: 'Jayway: != is not ==, so a missing field passes (ValueNodes.UndefinedNode)',
    },
    { filter: '@.last < 1', years: [], why: 'a missing field orders with nothing' },
    // existence
    { filter: '@.name', years: [1997, 1998, '2000'], why: 'existence test' },
    { filter: '@.nick', years: [1998], why: 'a null value exists' },
    { filter: '!@.name', years: [1999], why: 'absence test' },
    { filter: "@['name']", years: [1997, 1998, '2000'], why: 'bracket name' },
    { filter: '@.tags[0]', years: [1997, 1999], why: 'index inside a filter' },
    { filter: "@.tags[-1] == 'b'", years: [1997], why: 'negative index inside a filter' },
    { filter: '$.flag', years: [1999], why: 'Jayway: an existence test on $ reads the item' },
    // logic
    { filter: '@.status == 0 && @.name', years: [1997, 1998], why: 'and' },
    { filter: '@.status == 1 || @.nick == null', years: [1998, 1999], why: 'or' },
    { filter: '!(@.status == 0)', years: [1999, '2000'], why: 'not' },
    { filter: '!!@.name', years: [1997, 1998, '2000'], why: 'double negation' },
    {
      filter: '@.status == 0 && (@.year == 1998 || @.email)',
      years: [1997, 1998],
      why: 'parentheses',
    },
    { filter: '(@.status == 2) || @.year == 1997', years: [1997, '2000'], why: 'leading group' },
    // regex: Java's matches(), the whole value must match
    { filter: '@.name =~ /User.*/', years: [1997], why: 'regex, whole-value match' },
    { filter: '@.name =~ /User/', years: [], why: 'a partial match is not a match' },
    { filter: '@.name =~ /user.*/i', years: [1997, 1998], why: 'case-insensitive flag' },
    {
      filter: '@.name =~ /[a-z]+\\d{4}/i',
      years: [1997, 1998],
      why: 'classes and counted repeats',
    },
    { filter: '@.name =~ /ü.*/iu', years: ['2000'], why: 'Unicode case folding with u' },
    { filter: '@.name =~ /ü.*/i', years: [], why: 'without u, Java folds ASCII only' },
    { filter: '@.year =~ /199[89]/', years: [1998, 1999], why: 'numbers match as their text' },
    { filter: '@.tags =~ /c/', years: [1999], why: 'an array matches if any element does' },
    { filter: '@.email =~ /^[^@]+@x\\.org$/', years: [1997], why: 'anchors and escapes' },
    { filter: '@.email =~ /a@(x|y)\\.(org|com)/', years: [1997], why: 'alternation in groups' },
    { filter: '/User.*/ =~ @.name', years: [1997], why: 'pattern on the left' },
    {
      filter: '@.missing =~ /.*/',
      years: [1997, 1998, 1999, '2000'],
      why: 'Jayway matches "" for a missing value',
    },
    // in, nin, size, empty, length()
    { filter: '@.status in [1, 2]', years: [1999, '2000'], why: 'in' },
    { filter: '@.name in [\'User1997\', "user1998"]', years: [1997, 1998], why: 'in with strings' },
    { filter: '@.status nin [1, 2]', years: [1997, 1998], why: 'nin' },
    { filter: "'a' in @.tags", years: [1997], why: 'in a list read from the item' },
    { filter: '@.status in @.missing', years: [], why: 'Jayway rejects the item: not a list' },
    { filter: '@.status nin @.missing', years: [], why: 'also for nin (the test throws)' },
    { filter: '@.tags size 2', years: [1997], why: 'size of an array' },
    { filter: '@.name size 8', years: [1997, 1998], why: 'size of a string' },
    { filter: '@.tags empty true', years: [1998], why: 'empty' },
    { filter: '@.tags empty false', years: [1997, 1999], why: 'not empty' },
    { filter: '@.tags.length() > 1', years: [1997], why: 'length() inside a filter' },
    { filter: '@.length() == 3', years: ['2000'], why: 'length() of the item (key count)' },
  ]
  for (const { filter, years, why } of cases) {
    it(`[?(${filter})] → ${JSON.stringify(years)}: ${why}`, () => {
      const found = value(`$.users[?(${filter})]`, users) as JsonValue[]
      expect(found.map((u) => (u as { year: JsonValue }).year)).toEqual(years)
    })
  }

  runTable([
    {
      path: '$.users[?(@.status == 0)]',
      input: {
        users: [
          { year: 1997, status: 0 },
          { year: 1998, status: 1 },
        ],
      },
      expected: [{ year: 1997, status: 0 }],
      why: 'the recorded AWS case',
    },
    {
      path: '$.users[?(@.year < 1999)].name',
      input: users,
      expected: ['User1997', 'user1998'],
      why: 'then a name',
    },
    { path: '$.users[?(@.x)]', input: { users: [] }, expected: [], why: 'no elements' },
    { path: '$.users[?(@.x)]', input: {}, expected: [], why: 'nothing to filter is []' },
    { path: '$.users[?(@.x)]', input: { users: 5 }, expected: [], why: 'a scalar is not filtered' },
    {
      path: '$.user[?(@.active)]',
      input: { user: { active: true } },
      expected: [{ active: true }],
      why: 'Jayway: on an object the filter tests the object itself',
    },
    {
      path: '$.user[?(@.active == false)]',
      input: { user: { active: true } },
      expected: [],
      why: 'and can fail',
    },
    {
      path: '$.n[?(@ > 2)]',
      input: { n: [1, 2, 3, 4] },
      expected: [3, 4],
      why: '@ is the element',
    },
    { path: '$..[?(@.status == 1)].year', input: users, expected: [1999], why: 'after a scan' },
    {
      path: '$.users[?(@.status == 0)][?(@.tags empty false)].year',
      input: users,
      expected: [1997],
      why: 'filters chain',
    },
  ])

  it('is indefinite and prints as [?]', () => {
    const p = compilePath('$.users[?(@.status == 0)]')
    expect(p.definite).toBe(false)
    expect(p.normalized).toBe("$['users'][?]")
  })
})

describe('refused paths', () => {
  const refused: readonly [string, string][] = [
    ['$.a[(@.length-1)]', "uses a script expression '[(...)]'"],
    ['$.a[ (1)]', "uses a script expression '[(...)]'"],
    ['$.a[?(@.x + 1 > 2)]', "unexpected '+'"],
    ['$.a[?(@.x.match(/a/))]', "the function 'match(…)' is not supported"],
    ['$.a[?]', "placeholder filters '[?]'"],
    ['$.a[?(@.x)', "expected ']'"],
    ['$.a[?@.x]', "a filter must be written '[?(...)]'"],
    ['$.a[?(@.x == 1) && (@.y)]', "expected ']'"],
    ['$.a[?(true)]', 'expected a relational operator'],
    ['$.a[?(!@.x == 1)]', "'!' before a path negates an existence test"],
    ["$.a[?(@.x subsetof ['a'])]", "the operator 'subsetof' is not supported"],
    ['$.a[?(@.x === 1)]', "unsupported operator '==='"],
    ['$.a[?(@..x)]', "'..' is not supported inside a filter"],
    ['$.a[?(@.x[*])]', 'names and indexes only'],
    ['$.a[?(@.x[?(@.y)])]', 'names and indexes only'],
    ['$.a[?($$.x == 1)]', "only '@' and '$' paths"],
    ['$.a[?(@.x == {"a": 1})]', 'object literals are not supported'],
    ["$.a[?(@.x == 'open)]", 'unterminated string'],
    ['$.a[?(@.x =~ /(a)\\1/)]', 'backreferences are not supported'],
    ['$.a[?(@.x =~ /a(?=b)/)]', 'lookaround'],
    ['$.a[?(@.x =~ /a++/)]', 'possessive quantifiers'],
    ['$.a[?(@.x =~ /\\p{L}/)]', 'Unicode property classes'],
    ['$.a[?(@.x =~ /[a-z&&[^b]]/)]', 'unions and intersections'],
    ['$.a[?(@.x =~ /a/x)]', "flag 'x' is not supported"],
    ['$.a[?(@.x =~ /(a{1000}){1000}/)]', 'too large'],
    ['$.a[?(@.x =~ /a{5000}/)]', 'repetition counts above 1000'],
    ['$.a[?(@.x =~ /*a/)]', 'dangling meta character'],
    ['$.a.min()', "the function 'min(…)' is not supported"],
    ['$.a.length().b', "'.length()' must end the path"],
    ['$..a.length()', "after a leading '..'"],
    ['$.', "must not end with '.' or '..'"],
    ['$..', "must not end with '.' or '..'"],
    ['$...a', "'.' at position 3 is not valid"],
    ['$.a b', 'bracket notation'],
    ['$a b', "expected '.' or '[' after the root"],
    ['$x', ''], // a variable: valid
    ['$[:]', 'not a valid slice'],
    ['$[::2]', 'not a valid slice'],
    ['$[1,]', 'is not an array index'],
    ['$[a]', "unexpected 'a' after '['"],
    ["$['a", 'unterminated name'],
    ['$#', "expected '.' or '[' after the root"],
  ]
  for (const [path, message] of refused) {
    if (message === '') {
      it(`${path} compiles`, () => expect(() => compilePath(path)).not.toThrow())
      continue
    }
    it(`${path}: ${message}`, () => {
      expect(() => compilePath(path)).toThrow(PathSyntaxError)
      expect(() => compilePath(path)).toThrow(message)
    })
  }

  it('names the path in the error', () => {
    expect(() => compilePath('$.a[(@.length-1)]')).toThrow(
      "The path '$.a[(@.length-1)]' uses a script expression '[(...)]', which millrace does not evaluate",
    )
  })
})

describe('regular expressions (java.util.regex semantics on a linear-time NFA)', () => {
  const table: readonly [string, string, string, boolean][] = [
    ['abc', '', 'abc', true],
    ['abc', '', 'abcd', false],
    ['a.c', '', 'a\nc', false],
    ['a.c', 's', 'a\nc', true],
    ['a*', '', '', true],
    ['(ab)+', '', 'ababab', true],
    ['(ab)+?', '', 'abab', true],
    ['a{2,3}', '', 'aaaa', false],
    ['a{2,}', '', 'aaaa', true],
    ['a{0}b', '', 'b', true],
    ['colou?r', '', 'color', true],
    ['[^0-9]+', '', 'abc', true],
    ['[^0-9]+', '', 'ab1', false],
    ['[a-]+', '', 'a-a', true],
    ['\\d+\\.\\d*', '', '3.14', true],
    ['\\w+', '', 'é', false],
    ['\\s', '', '\u000b', true],
    ['\\bfoo\\b.*', '', 'foo bar', true],
    ['.*\\Bfoo', '', 'xfoo', true],
    ['abc$', '', 'abc\n', false],
    ['abc$\\n', '', 'abc\n', true],
    ['^a$\\n^b$', 'm', 'a\nb', true],
    ['\\Qa.b\\E', '', 'a.b', true],
    ['\\Qa.b\\E', '', 'axb', false],
    ['\\Qab\\E+', '', 'abbb', true],
    ['\\x41\\u0042\\x{43}\\0104', '', 'ABCD', true],
    ['(?:a|b)(?<n>c)', '', 'bc', true],
    ['[A-Z]+', 'i', 'abc', true],
    ['\\/', '', '/', true],
    ['😀+', '', '😀😀', true],
    ['.', '', '😀', true],
  ]
  for (const [source, flags, input, expected] of table) {
    it(`/${source}/${flags} on ${JSON.stringify(input)} → ${expected}`, () => {
      expect(compilePattern(source, flags).matches(input, new Budget(1_000_000))).toBe(expected)
    })
  }

  it('does not backtrack catastrophically', () => {
    const evil = 'a'.repeat(50_000) + '!'
    for (const source of ['(a+)+$', '(a|a)*b', '(a*)*b', '(a|aa)+c', '(.*a){20}']) {
      expect(compilePattern(source, '').matches(evil, new Budget(10_000_000))).toBe(false)
    }
  })
})

describe('hostile inputs finish', () => {
  it('scans a document nested 100,000 deep', () => {
    let deep: JsonValue = {}
    for (let i = 0; i < 100_000; i++) deep = { a: deep }
    expect((value('$..a', deep) as JsonValue[]).length).toBe(100_000)
    expect((value('$..[?(@.a)]', deep) as JsonValue[]).length).toBe(100_000)
    expect(value('$' + '.a'.repeat(100_000), deep)).toEqual({})
    expect(value('$' + '.a'.repeat(100_001), deep)).toBeUndefined()
  })

  it('compiles and runs very long paths', () => {
    expect(value('$' + '.a-:'.repeat(50_000))).toBeUndefined()
    expect(value('$' + '[*]'.repeat(50_000))).toEqual([])
    expect(value('$' + "['x']".repeat(50_000) + '[*]')).toEqual([])
    expect(() => compilePath('$.a' + ' '.repeat(100_000) + 'x')).toThrow(PathSyntaxError)
    expect(() => compilePath('$.x[1' + ' '.repeat(100_000) + '2]')).toThrow(PathSyntaxError)
    expect(() => compilePath('$.x[?(@.v == ' + '1'.repeat(100_000) + 'e)]')).toThrow(
      PathSyntaxError,
    )
  })

  it('refuses deep nesting at compile time instead of overflowing the stack', () => {
    expect(() =>
      compilePath('$[?(' + '('.repeat(10_000) + '@.a' + ')'.repeat(10_000) + ')]'),
    ).toThrow('nests deeper')
    expect(() => compilePath('$[?(' + '!'.repeat(10_000) + '(@.a))]')).toThrow('nests deeper')
    expect(() =>
      compilePath('$[?(@.a =~ /' + '('.repeat(1_000) + 'a' + ')'.repeat(1_000) + '/)]'),
    ).toThrow('nest deeper')
  })

  it('keeps runtime string checks linear', () => {
    const input = { x: [{ v: 1, s: '1'.repeat(200_000) + 'x' }] }
    expect(value('$.x[?(@.v == @.s)]', input)).toEqual([])
  })

  it('fails the state, not the engine, when a path would take too long', () => {
    let deep: JsonValue = []
    for (let i = 0; i < 5_000; i++) deep = [deep, i]
    const p = compilePath('$..*..*')
    let failure: unknown
    try {
      p.tryEvaluate(scope(deep))
    } catch (err) {
      failure = err
    }
    expect(failure).toBeInstanceOf(AslError)
    expect(failure).toMatchObject({ error: 'States.Runtime' })
    expect((failure as AslError).cause).toContain("The JSONPath '$..*..*' is too costly")
  })
})

describe('compileReferencePath', () => {
  it('answers segments for names and indexes', () => {
    expect(compileReferencePath("$.a['b'][2]")).toEqual(['a', 'b', 2])
    expect(compileReferencePath("$['it\\'s']")).toEqual(["it's"])
    expect(compileReferencePath('$')).toEqual([])
  })

  it('refuses anything that can select several nodes', () => {
    for (const p of [
      '$.a[*]',
      '$..a',
      '$.a[0:1]',
      '$.a[?(@.x)]',
      "$['a','b']",
      '$.a[-1]',
      '$$.a',
    ]) {
      expect(() => compileReferencePath(p)).toThrow(PathSyntaxError)
    }
  })
})
