import { describe, expect, it } from 'vitest'
import { validateDefinition, type JsonObject } from '../../../engine/asl/index.js'

/**
 * Validation of JSONata-mode definitions: fields that belong to the other query language (the
 * misplaced-field rules), a JSONPath state under a JSONata machine, and the expressions themselves
 * (parse errors, references to the absent context item, `$$`, `$states.errorOutput` outside a
 * Catch).
 *
 * AWS: "Transforming data with JSONata in Step Functions" (JSONPath fields are not allowed in
 * JSONata states, and the other way round).
 */

const LAMBDA = 'arn:aws:lambda:us-east-1:123456789012:function:f'

/** State S, and a state Next for Catch and Choice to go to (unreachable otherwise: ignored). */
function machine(state: JsonObject, top: JsonObject = { QueryLanguage: 'JSONata' }): JsonObject {
  return { ...top, StartAt: 'S', States: { S: state, Next: { Type: 'Succeed' } } }
}

function issues(definition: JsonObject) {
  return validateDefinition(definition).filter(
    (i) => i.severity === 'ERROR' && i.location !== '/States/Next',
  )
}

function errors(definition: JsonObject): string[] {
  return issues(definition).map((i) => `${i.code} ${i.location}`)
}

function messages(definition: JsonObject): string[] {
  return issues(definition).map((i) => i.message)
}

describe('misplaced fields', () => {
  it.each([
    ['InputPath', { Type: 'Pass', InputPath: '$.a', End: true }],
    ['OutputPath', { Type: 'Pass', OutputPath: '$.a', End: true }],
    ['ResultPath', { Type: 'Pass', ResultPath: '$.a', End: true }],
    ['Parameters', { Type: 'Pass', Parameters: {}, End: true }],
    ['Result', { Type: 'Pass', Result: 1, End: true }],
    ['ResultSelector', { Type: 'Task', Resource: LAMBDA, ResultSelector: {}, End: true }],
    [
      'ItemsPath',
      {
        Type: 'Map',
        ItemsPath: '$.a',
        ItemProcessor: { StartAt: 'I', States: { I: { Type: 'Succeed' } } },
        End: true,
      },
    ],
    ['SecondsPath', { Type: 'Wait', SecondsPath: '$.s', End: true }],
    [
      'TimeoutSecondsPath',
      { Type: 'Task', Resource: LAMBDA, TimeoutSecondsPath: '$.t', End: true },
    ],
  ])('%s is a JSONPath field: refused in a JSONata state', (field, state) => {
    const found = errors(machine(state))
    expect(found.some((e) => e.startsWith('SCHEMA_VALIDATION_FAILED /States/S'))).toBe(true)
    expect(messages(machine(state)).join('\n')).toContain(field)
  })

  it.each([
    ['Output', { Type: 'Pass', Output: {}, End: true }],
    ['Arguments', { Type: 'Task', Resource: LAMBDA, Arguments: {}, End: true }],
    [
      'Items',
      {
        Type: 'Map',
        Items: [],
        ItemProcessor: { StartAt: 'I', States: { I: { Type: 'Succeed' } } },
        End: true,
      },
    ],
  ])('%s is a JSONata field: refused in a JSONPath state', (field, state) => {
    const found = messages(machine(state, {}))
    expect(found.join('\n')).toMatch(new RegExp(`'${field}'.*JSONata`))
  })

  it('Assign belongs to both languages', () => {
    expect(errors(machine({ Type: 'Pass', Assign: { a: 1 }, End: true }))).toEqual([])
    expect(errors(machine({ Type: 'Pass', Assign: { 'a.$': '$.x' }, End: true }, {}))).toEqual([])
  })

  it('a JSONPath state under a JSONata machine is refused; the other way round is allowed', () => {
    expect(
      errors(machine({ Type: 'Pass', QueryLanguage: 'JSONPath', End: true })).length,
    ).toBeGreaterThan(0)
    expect(
      errors(machine({ Type: 'Pass', QueryLanguage: 'JSONata', Output: 1, End: true }, {})),
    ).toEqual([])
  })

  it('$states is a reserved variable name', () => {
    expect(errors(machine({ Type: 'Pass', Assign: { states: 1 }, End: true }))).toEqual([
      'SCHEMA_VALIDATION_FAILED /States/S/Assign/states',
    ])
  })
})

describe('JSONata expressions', () => {
  it('an expression that does not parse is INVALID_JSONATA_EXPRESSION at its field', () => {
    const def = machine({ Type: 'Pass', Output: { v: '{% a[1,2) %}' }, End: true })
    expect(errors(def)).toEqual(['INVALID_JSONATA_EXPRESSION /States/S/Output/v'])
    expect(messages(def)[0]).toMatch(/does not parse: S0\d{3}: /)
  })

  it.each([
    ['{% phone %}', "Reference to 'phone' at the top level is not supported."],
    ['{% $count(items) %}', "Reference to 'items' at the top level is not supported."],
    [
      '{% $map($states.input.a, function($x){ b }) %}',
      "Reference to 'b' at the top level is not supported.",
    ],
    ['{% $$.Execution.Id %}', "Reference to '$$' is not supported."],
    [
      '{% $states.errorOutput %}',
      "Reference to '$states.errorOutput' is not supported outside the Output and Assign of a Catch.",
    ],
  ])('%s: UNSUPPORTED_JSONATA_EXPRESSION', (expr, message) => {
    const def = machine({ Type: 'Pass', Output: { v: expr }, End: true })
    expect(errors(def)).toEqual(['UNSUPPORTED_JSONATA_EXPRESSION /States/S/Output/v'])
    expect(messages(def)[0]).toBe(`State 'S': field 'Output.v': ${message}`)
  })

  it.each([
    '{% $states.input.items[price > 3].name %}',
    '{% $states.input.items^(>price).{"n": name} %}',
    '{% $states.input ~> | a | {"b": c} | %}',
    '{% ($x := $states.input; $x.a) %}',
    '{% $states.input.items[$ > 5] %}',
    '{% {"k": 1}.k %}',
    '{% $states.context.Execution.Id %}',
  ])('%s is fine', (expr) => {
    expect(errors(machine({ Type: 'Pass', Output: { v: expr }, End: true }))).toEqual([])
  })

  it('$states.errorOutput is fine in a Catch Output or Assign', () => {
    const def = machine({
      Type: 'Task',
      Resource: LAMBDA,
      Catch: [
        {
          ErrorEquals: ['States.ALL'],
          Output: '{% $states.errorOutput %}',
          Assign: { e: '{% $states.errorOutput.Error %}' },
          Next: 'Next',
        },
      ],
      End: true,
    })
    expect(errors(def)).toEqual([])
  })

  it('expressions in every field are checked: Condition, Items, Seconds, Error …', () => {
    const def = machine({
      Type: 'Choice',
      Choices: [{ Condition: '{% x %}', Next: 'Next' }],
      Default: 'Next',
    })
    expect(errors(def)).toEqual(['UNSUPPORTED_JSONATA_EXPRESSION /States/S/Choices/0/Condition'])
  })
})
