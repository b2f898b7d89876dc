import { Ajv, type ErrorObject, type SchemaObject, type ValidateFunction } from 'ajv'
import { ISSUE_CODES, type IssueSink, type Pointer } from './issues.js'

/**
 * The ajv schemas of an ASL document, in JSONPath mode and in JSONata mode.
 *
 * One schema per (state type × query language), generated from the field catalogue below, plus
 * one for the top level. A state's schema checks its own fields and the shape of its Branches /
 * ItemProcessor containers but not the states inside them: the walker (walk.ts) validates every
 * nested state with the schema of its own type and effective query language, so a state inside a
 * Map is checked exactly like a top-level one and its issues carry its full JSON pointer.
 *
 * AWS: "Amazon States Language" (state pages: Pass, Task, Choice, Wait, Succeed, Fail, Parallel,
 * Map), "Transforming data with JSONata", "Passing data between states with variables".
 */

export type QueryLanguage = 'JSONPath' | 'JSONata'

export const STATE_TYPES = [
  'Pass',
  'Task',
  'Choice',
  'Wait',
  'Succeed',
  'Fail',
  'Parallel',
  'Map',
] as const
export type StateType = (typeof STATE_TYPES)[number]

export function isStateType(value: unknown): value is StateType {
  return typeof value === 'string' && (STATE_TYPES as readonly string[]).includes(value)
}

/** In which query language a field exists. */
type Availability = 'both' | QueryLanguage

interface FieldSpec {
  readonly ql: Availability
  readonly schema: (ql: QueryLanguage) => SchemaObject
}

// AWS: "TimeoutSeconds ... must be a positive, non-zero integer"; 99999999 is AWS's upper bound
// for every seconds field (TimeoutSeconds, HeartbeatSeconds, Seconds, IntervalSeconds).
const MAX_SECONDS = 99_999_999
// AWS: Retry "MaxDelaySeconds ... must be greater than 0 and less than 31622401" (one year).
const MAX_DELAY_SECONDS = 31_622_400
// AWS: ItemBatcher "MaxInputBytesPerBatch ... up to 256 KiB".
const MAX_BATCH_BYTES = 262_144

/** RFC 3339 as AWS requires it: uppercase `T`, and `Z` or a numeric offset. */
const TIMESTAMP_PATTERN =
  '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?(Z|[+-]\\d{2}:\\d{2})$'

/** A JSONata expression is a whole string wrapped in `{% ... %}`. */
const JSONATA_PATTERN = '^\\{%[\\s\\S]*%\\}$'

const jsonataExpr: SchemaObject = { type: 'string', pattern: JSONATA_PATTERN }

/** `base` in JSONPath states; `base` or a `{% %}` expression in JSONata states. */
function orExpr(base: SchemaObject, expect: string): (ql: QueryLanguage) => SchemaObject {
  return (ql) =>
    ql === 'JSONata'
      ? { anyOf: [base, jsonataExpr], 'x-expect': `${expect} or a JSONata expression ({% ... %})` }
      : { ...base, 'x-expect': expect }
}

/** A field whose schema is the same in both query languages. */
const fixed = (schema: SchemaObject) => (): SchemaObject => schema

const string: SchemaObject = { type: 'string' }
const nonEmptyString: SchemaObject = {
  type: 'string',
  minLength: 1,
  'x-expect': 'a non-empty string',
}
const stateName: SchemaObject = {
  type: 'string',
  minLength: 1,
  'x-expect': 'the name of a state (a non-empty string)',
}
const anyJson: SchemaObject = {}
const object: SchemaObject = { type: 'object' }
const pathString: SchemaObject = { type: 'string', 'x-expect': 'a JSONPath string' }
const pathOrNull: SchemaObject = {
  type: ['string', 'null'],
  'x-expect': 'a JSONPath string or null',
}
const queryLanguage: SchemaObject = { enum: ['JSONPath', 'JSONata'] }
const positiveSeconds = orExpr(
  { type: 'integer', minimum: 1, maximum: MAX_SECONDS },
  `a positive integer no greater than ${MAX_SECONDS}`,
)
const objectOrExpr = orExpr({ type: 'object' }, 'a JSON object')

/** Assign: an object of variable names; values are any JSON (JSONata expressions in JSONata). */
const assign: FieldSpec = {
  ql: 'both',
  schema: fixed({ type: 'object', 'x-expect': 'a JSON object' }),
}

const errorEquals: SchemaObject = {
  type: 'array',
  minItems: 1,
  items: { type: 'string', minLength: 1, 'x-expect': 'a non-empty error name' },
  'x-expect': 'a non-empty array of error names',
}

function retrier(): SchemaObject {
  return {
    type: 'object',
    'x-expect': 'a retrier (a JSON object)',
    properties: {
      ErrorEquals: errorEquals,
      IntervalSeconds: {
        type: 'integer',
        minimum: 1,
        maximum: MAX_SECONDS,
        'x-expect': `an integer from 1 to ${MAX_SECONDS}`,
      },
      MaxAttempts: {
        type: 'integer',
        minimum: 0,
        maximum: MAX_SECONDS,
        'x-expect': `an integer from 0 to ${MAX_SECONDS}`,
      },
      BackoffRate: {
        type: 'number',
        minimum: 1,
        'x-expect': 'a number greater than or equal to 1',
      },
      MaxDelaySeconds: {
        type: 'integer',
        minimum: 1,
        maximum: MAX_DELAY_SECONDS,
        'x-expect': `an integer from 1 to ${MAX_DELAY_SECONDS}`,
      },
      JitterStrategy: { enum: ['FULL', 'NONE'] },
      Comment: string,
    },
    required: ['ErrorEquals'],
    additionalProperties: false,
  }
}

function catcher(ql: QueryLanguage): SchemaObject {
  return {
    type: 'object',
    'x-expect': 'a catcher (a JSON object)',
    properties: {
      ErrorEquals: errorEquals,
      Next: stateName,
      Assign: assign.schema(ql),
      Comment: string,
      ...(ql === 'JSONPath' ? { ResultPath: pathOrNull } : { Output: anyJson }),
    },
    required: ['ErrorEquals', 'Next'],
    additionalProperties: false,
  }
}

const retry: FieldSpec = {
  ql: 'both',
  schema: () => ({ type: 'array', items: retrier(), 'x-expect': 'an array of retriers' }),
}
const catchField: FieldSpec = {
  ql: 'both',
  schema: (ql) => ({ type: 'array', items: catcher(ql), 'x-expect': 'an array of catchers' }),
}

/** A Parallel branch or a Map ItemProcessor: its States are walked separately. */
function container(extra: Record<string, SchemaObject>): SchemaObject {
  return {
    type: 'object',
    'x-expect': 'a JSON object with StartAt and States',
    properties: {
      StartAt: stateName,
      States: { type: 'object', 'x-expect': 'a JSON object of states' },
      Comment: string,
      ...extra,
    },
    required: ['StartAt', 'States'],
    additionalProperties: false,
  }
}

const processor: FieldSpec = {
  ql: 'both',
  schema: () =>
    container({
      ProcessorConfig: {
        type: 'object',
        properties: {
          Mode: { enum: ['INLINE', 'DISTRIBUTED'] },
          ExecutionType: { enum: ['STANDARD', 'EXPRESS'] },
        },
        additionalProperties: false,
      },
    }),
}

// Choice rules. AWS: "Choice Rules" — a comparison is Variable + exactly one operator; And/Or hold
// non-empty arrays of rules, Not holds one rule. Which combinations are legal is checked in
// choice.ts; the schema fixes every operand's type.
const STRING_OPS = [
  'StringEquals',
  'StringLessThan',
  'StringGreaterThan',
  'StringLessThanEquals',
  'StringGreaterThanEquals',
  'StringMatches',
] as const
const NUMERIC_OPS = [
  'NumericEquals',
  'NumericLessThan',
  'NumericGreaterThan',
  'NumericLessThanEquals',
  'NumericGreaterThanEquals',
] as const
const TIMESTAMP_OPS = [
  'TimestampEquals',
  'TimestampLessThan',
  'TimestampGreaterThan',
  'TimestampLessThanEquals',
  'TimestampGreaterThanEquals',
] as const
const TYPE_TEST_OPS = [
  'IsNull',
  'IsPresent',
  'IsNumeric',
  'IsString',
  'IsBoolean',
  'IsTimestamp',
] as const
const PATH_OPS = [
  ...STRING_OPS.filter((op) => op !== 'StringMatches'),
  ...NUMERIC_OPS,
  'BooleanEquals',
  ...TIMESTAMP_OPS,
].map((op) => `${op}Path`)

/** Every comparison operator of a JSONPath choice rule. */
export const CHOICE_OPERATORS: readonly string[] = [
  ...STRING_OPS,
  ...NUMERIC_OPS,
  'BooleanEquals',
  ...TIMESTAMP_OPS,
  ...TYPE_TEST_OPS,
  ...PATH_OPS,
]

/** Operators whose operand is a path to compare against. */
export const CHOICE_PATH_OPERATORS: ReadonlySet<string> = new Set(PATH_OPS)

function jsonPathRule(): SchemaObject {
  const operands: Record<string, SchemaObject> = {}
  for (const op of STRING_OPS) operands[op] = { type: 'string', 'x-expect': 'a string' }
  for (const op of NUMERIC_OPS) operands[op] = { type: 'number', 'x-expect': 'a number' }
  operands['BooleanEquals'] = { type: 'boolean', 'x-expect': 'true or false' }
  for (const op of TIMESTAMP_OPS) {
    operands[op] = {
      type: 'string',
      pattern: TIMESTAMP_PATTERN,
      'x-expect': 'an RFC 3339 timestamp such as 2016-03-14T01:59:00Z',
    }
  }
  for (const op of TYPE_TEST_OPS) operands[op] = { type: 'boolean', 'x-expect': 'true or false' }
  for (const op of PATH_OPS) operands[op] = pathString
  const ruleList: SchemaObject = {
    type: 'array',
    minItems: 1,
    items: { $ref: '#/definitions/rule' },
    'x-expect': 'a non-empty array of choice rules',
  }
  return {
    type: 'object',
    'x-expect': 'a choice rule (a JSON object)',
    properties: {
      Variable: pathString,
      Next: stateName,
      Comment: string,
      Assign: assign.schema('JSONPath'),
      And: ruleList,
      Or: ruleList,
      Not: { $ref: '#/definitions/rule' },
      ...operands,
    },
    additionalProperties: false,
  }
}

function jsonataRule(): SchemaObject {
  return {
    type: 'object',
    'x-expect': 'a choice rule (a JSON object)',
    properties: {
      Condition: {
        anyOf: [{ type: 'boolean' }, jsonataExpr],
        'x-expect': 'true, false or a JSONata expression ({% ... %})',
      },
      Next: stateName,
      Comment: string,
      Assign: assign.schema('JSONata'),
      Output: anyJson,
    },
    required: ['Condition', 'Next'],
    additionalProperties: false,
  }
}

const inputOutputPaths: Record<string, FieldSpec> = {
  InputPath: { ql: 'JSONPath', schema: fixed(pathOrNull) },
  OutputPath: { ql: 'JSONPath', schema: fixed(pathOrNull) },
}
const output: FieldSpec = { ql: 'JSONata', schema: fixed(anyJson) }
const transition: Record<string, FieldSpec> = {
  Next: { ql: 'both', schema: fixed(stateName) },
  End: { ql: 'both', schema: fixed({ type: 'boolean', 'x-expect': 'true' }) },
}
const common: Record<string, FieldSpec> = {
  Type: { ql: 'both', schema: fixed(string) },
  Comment: { ql: 'both', schema: fixed({ type: 'string', 'x-expect': 'a string' }) },
  QueryLanguage: { ql: 'both', schema: fixed(queryLanguage) },
}
const template: FieldSpec = {
  ql: 'JSONPath',
  schema: fixed({ type: 'object', 'x-expect': 'a JSON object' }),
}
const resultPath: FieldSpec = { ql: 'JSONPath', schema: fixed(pathOrNull) }

/**
 * Every field of every state type, with the query language it belongs to. `Assign` is accepted on
 * every state type, as the project brief asks; AWS's variables guide lists it for Pass, Task, Map,
 * Parallel, Choice and Wait only.
 */
const STATE_FIELDS: Readonly<Record<StateType, Readonly<Record<string, FieldSpec>>>> = {
  Pass: {
    ...common,
    ...transition,
    ...inputOutputPaths,
    Parameters: template,
    Result: { ql: 'JSONPath', schema: fixed(anyJson) },
    ResultPath: resultPath,
    Output: output,
    Assign: assign,
  },
  Task: {
    ...common,
    ...transition,
    ...inputOutputPaths,
    Resource: {
      ql: 'both',
      schema: fixed({ type: 'string', minLength: 1, 'x-expect': 'an ARN string' }),
    },
    Parameters: template,
    ResultSelector: template,
    ResultPath: resultPath,
    Arguments: { ql: 'JSONata', schema: objectOrExpr },
    Output: output,
    Assign: assign,
    TimeoutSeconds: { ql: 'both', schema: positiveSeconds },
    TimeoutSecondsPath: { ql: 'JSONPath', schema: fixed(pathString) },
    HeartbeatSeconds: { ql: 'both', schema: positiveSeconds },
    HeartbeatSecondsPath: { ql: 'JSONPath', schema: fixed(pathString) },
    Retry: retry,
    Catch: catchField,
    Credentials: {
      ql: 'both',
      schema: (ql) => ({
        type: 'object',
        properties:
          ql === 'JSONPath'
            ? { RoleArn: nonEmptyString, 'RoleArn.$': pathString }
            : { RoleArn: nonEmptyString },
        additionalProperties: false,
      }),
    },
  },
  Choice: {
    ...common,
    ...inputOutputPaths,
    Choices: {
      ql: 'both',
      schema: () => ({
        type: 'array',
        minItems: 1,
        items: { $ref: '#/definitions/rule' },
        'x-expect': 'a non-empty array of choice rules',
      }),
    },
    Default: { ql: 'both', schema: fixed(stateName) },
    Output: output,
    Assign: assign,
  },
  Wait: {
    ...common,
    ...transition,
    ...inputOutputPaths,
    Seconds: {
      ql: 'both',
      schema: orExpr(
        { type: 'integer', minimum: 0, maximum: MAX_SECONDS },
        `an integer from 0 to ${MAX_SECONDS}`,
      ),
    },
    SecondsPath: { ql: 'JSONPath', schema: fixed(pathString) },
    Timestamp: {
      ql: 'both',
      schema: orExpr(
        { type: 'string', pattern: TIMESTAMP_PATTERN },
        'an RFC 3339 timestamp such as 2016-03-14T01:59:00Z',
      ),
    },
    TimestampPath: { ql: 'JSONPath', schema: fixed(pathString) },
    Output: output,
    Assign: assign,
  },
  Succeed: { ...common, ...inputOutputPaths, Output: output, Assign: assign },
  Fail: {
    ...common,
    Error: { ql: 'both', schema: fixed({ type: 'string', 'x-expect': 'a string' }) },
    ErrorPath: { ql: 'JSONPath', schema: fixed(pathString) },
    Cause: { ql: 'both', schema: fixed({ type: 'string', 'x-expect': 'a string' }) },
    CausePath: { ql: 'JSONPath', schema: fixed(pathString) },
    Assign: assign,
  },
  Parallel: {
    ...common,
    ...transition,
    ...inputOutputPaths,
    Branches: {
      ql: 'both',
      schema: () => ({
        type: 'array',
        minItems: 1,
        items: container({}),
        'x-expect': 'a non-empty array of branches',
      }),
    },
    Parameters: template,
    ResultSelector: template,
    ResultPath: resultPath,
    Arguments: { ql: 'JSONata', schema: objectOrExpr },
    Output: output,
    Assign: assign,
    Retry: retry,
    Catch: catchField,
  },
  Map: {
    ...common,
    ...transition,
    ...inputOutputPaths,
    ItemProcessor: processor,
    Iterator: processor,
    ItemsPath: { ql: 'JSONPath', schema: fixed(pathString) },
    Items: {
      ql: 'JSONata',
      schema: orExpr({ type: ['array', 'object'] }, 'a JSON array'),
    },
    ItemSelector: {
      ql: 'both',
      schema: (ql) =>
        ql === 'JSONata' ? objectOrExpr(ql) : { type: 'object', 'x-expect': 'a JSON object' },
    },
    Parameters: template,
    ResultSelector: template,
    ResultPath: resultPath,
    Output: output,
    Assign: assign,
    MaxConcurrency: {
      ql: 'both',
      schema: orExpr({ type: 'integer', minimum: 0 }, 'a non-negative integer'),
    },
    MaxConcurrencyPath: { ql: 'JSONPath', schema: fixed(pathString) },
    ToleratedFailureCount: {
      ql: 'both',
      schema: orExpr({ type: 'integer', minimum: 0 }, 'a non-negative integer'),
    },
    ToleratedFailureCountPath: { ql: 'JSONPath', schema: fixed(pathString) },
    ToleratedFailurePercentage: {
      ql: 'both',
      schema: orExpr({ type: 'number', minimum: 0, maximum: 100 }, 'a number from 0 to 100'),
    },
    ToleratedFailurePercentagePath: { ql: 'JSONPath', schema: fixed(pathString) },
    ItemBatcher: {
      ql: 'both',
      schema: (ql) => ({
        type: 'object',
        properties: {
          MaxItemsPerBatch: orExpr({ type: 'integer', minimum: 1 }, 'a positive integer')(ql),
          MaxInputBytesPerBatch: orExpr(
            { type: 'integer', minimum: 1, maximum: MAX_BATCH_BYTES },
            `an integer from 1 to ${MAX_BATCH_BYTES}`,
          )(ql),
          BatchInput: ql === 'JSONata' ? objectOrExpr(ql) : object,
          ...(ql === 'JSONPath'
            ? { MaxItemsPerBatchPath: pathString, MaxInputBytesPerBatchPath: pathString }
            : {}),
        },
        additionalProperties: false,
      }),
    },
    ItemReader: {
      ql: 'both',
      schema: (ql) => ({
        type: 'object',
        properties: {
          Resource: {
            type: 'string',
            pattern: '^arn:[a-z-]+:states:::s3:(getObject|listObjectsV2)$',
            'x-expect':
              "an S3 reader resource ('arn:aws:states:::s3:getObject' or ':s3:listObjectsV2')",
          },
          ReaderConfig: {
            type: 'object',
            properties: {
              InputType: { enum: ['CSV', 'JSON', 'JSONL', 'MANIFEST', 'PARQUET'] },
              CSVHeaderLocation: { enum: ['FIRST_ROW', 'GIVEN'] },
              CSVHeaders: { type: 'array', items: string, 'x-expect': 'an array of strings' },
              CSVDelimiter: { enum: ['COMMA', 'PIPE', 'SEMICOLON', 'SPACE', 'TAB'] },
              ManifestType: { enum: ['ATHENA_DATA', 'S3_INVENTORY'] },
              MaxItems: orExpr({ type: 'integer', minimum: 0 }, 'a non-negative integer')(ql),
              ...(ql === 'JSONPath' ? { MaxItemsPath: pathString } : {}),
            },
            additionalProperties: false,
          },
          ...(ql === 'JSONPath' ? { Parameters: object } : { Arguments: objectOrExpr(ql) }),
        },
        required: ['Resource'],
        additionalProperties: false,
      }),
    },
    ResultWriter: {
      ql: 'both',
      schema: (ql) => ({
        type: 'object',
        properties: {
          Resource: {
            type: 'string',
            pattern: '^arn:[a-z-]+:states:::s3:putObject$',
            'x-expect': "the S3 writer resource 'arn:aws:states:::s3:putObject'",
          },
          WriterConfig: {
            type: 'object',
            properties: {
              OutputType: { enum: ['JSON', 'JSONL'] },
              Transformation: { enum: ['NONE', 'COMPACT', 'FLATTEN'] },
            },
            additionalProperties: false,
          },
          ...(ql === 'JSONPath' ? { Parameters: object } : { Arguments: objectOrExpr(ql) }),
        },
        additionalProperties: false,
      }),
    },
    Label: { ql: 'both', schema: fixed({ type: 'string', 'x-expect': 'a string' }) },
    Retry: retry,
    Catch: catchField,
  },
}

const REQUIRED: Readonly<Record<StateType, readonly string[]>> = {
  Pass: [],
  Task: ['Resource'],
  Choice: ['Choices'],
  Wait: [],
  Succeed: [],
  Fail: [],
  Parallel: ['Branches'],
  Map: [],
}

/** Fields of nested objects (rules, catchers, readers) that exist in one query language only. */
const JSONATA_ONLY = new Set(['Arguments', 'Output', 'Items', 'Condition'])
const JSONPATH_ONLY = new Set([
  'InputPath',
  'OutputPath',
  'Parameters',
  'ResultSelector',
  'ResultPath',
  'Result',
  'ItemsPath',
  'Variable',
  'And',
  'Or',
  'Not',
  'RoleArn.$',
  ...CHOICE_OPERATORS,
])

function stateSchema(type: StateType, ql: QueryLanguage): SchemaObject {
  const properties: Record<string, SchemaObject> = {}
  for (const [name, spec] of Object.entries(STATE_FIELDS[type])) {
    if (spec.ql === 'both' || spec.ql === ql) properties[name] = spec.schema(ql)
  }
  return {
    type: 'object',
    properties,
    required: [...REQUIRED[type]],
    additionalProperties: false,
    ...(type === 'Choice'
      ? { definitions: { rule: ql === 'JSONPath' ? jsonPathRule() : jsonataRule() } }
      : {}),
  }
}

const TOP_LEVEL: SchemaObject = {
  type: 'object',
  properties: {
    StartAt: stateName,
    States: {
      type: 'object',
      minProperties: 1,
      'x-expect': 'a JSON object holding at least one state',
    },
    Comment: { type: 'string', 'x-expect': 'a string' },
    Version: { enum: ['1.0'] },
    TimeoutSeconds: {
      type: 'integer',
      minimum: 1,
      maximum: MAX_SECONDS,
      'x-expect': `a positive integer no greater than ${MAX_SECONDS}`,
    },
    QueryLanguage: queryLanguage,
  },
  required: ['StartAt', 'States'],
  additionalProperties: false,
}

interface Compiled {
  readonly topLevel: ValidateFunction
  readonly states: ReadonlyMap<string, ValidateFunction>
}

let compiled: Compiled | undefined

/** Compiles every schema on first use; later calls reuse them. */
function schemas(): Compiled {
  if (compiled) return compiled
  const ajv = new Ajv({ allErrors: true, verbose: true, strictTypes: false, allowUnionTypes: true })
  ajv.addKeyword({ keyword: 'x-expect', schemaType: 'string' })
  const states = new Map<string, ValidateFunction>()
  for (const type of STATE_TYPES) {
    for (const ql of ['JSONPath', 'JSONata'] as const) {
      states.set(`${type}/${ql}`, ajv.compile(stateSchema(type, ql)))
    }
  }
  compiled = { topLevel: ajv.compile(TOP_LEVEL), states }
  return compiled
}

/** How a schema error should be worded: who owns the object, and which language it is in. */
export interface SchemaTarget {
  /** `State 'Charge'`, or `The definition` for the top level. */
  readonly subject: string
  readonly location: Pointer
  /** Set when validating a state. */
  readonly type?: StateType
  readonly ql: QueryLanguage
}

/** Validates the top-level fields (not the states). */
export function checkTopLevelSchema(
  definition: unknown,
  target: SchemaTarget,
  sink: IssueSink,
): void {
  const validate = schemas().topLevel
  if (!validate(definition)) report(validate.errors ?? [], target, sink)
}

/** Validates one state's own fields against the schema of its type and query language. */
export function checkStateSchema(
  state: unknown,
  type: StateType,
  target: SchemaTarget,
  sink: IssueSink,
): void {
  const validate = schemas().states.get(`${type}/${target.ql}`)
  if (validate && !validate(state)) report(validate.errors ?? [], target, sink)
}

function report(errors: readonly ErrorObject[], target: SchemaTarget, sink: IssueSink): void {
  // An anyOf failure speaks for its branches: keep it, drop the per-branch noise under it.
  const anyOfPaths = errors.filter((e) => e.keyword === 'anyOf').map((e) => e.schemaPath + '/')
  for (const e of errors) {
    if (anyOfPaths.some((p) => e.schemaPath.startsWith(p))) continue
    if (e.keyword === 'x-expect') continue
    const rel = parsePointer(e.instancePath)
    if (e.keyword === 'required') {
      const field = (e.params as { missingProperty: string }).missingProperty
      sink.error(
        ISSUE_CODES.SCHEMA_VALIDATION_FAILED,
        [...target.location, ...rel],
        `${target.subject}: field '${label([...rel, field])}' is required`,
      )
      continue
    }
    if (e.keyword === 'additionalProperties') {
      const field = (e.params as { additionalProperty: string }).additionalProperty
      sink.error(
        ISSUE_CODES.SCHEMA_VALIDATION_FAILED,
        [...target.location, ...rel, field],
        `${target.subject}: ${unknownField([...rel, field], target)}`,
      )
      continue
    }
    sink.error(
      ISSUE_CODES.SCHEMA_VALIDATION_FAILED,
      [...target.location, ...rel],
      `${target.subject}: field '${label(rel)}' ${problem(e)}`,
    )
  }
}

function problem(e: ErrorObject): string {
  const parent = e.parentSchema as SchemaObject | undefined
  const expect = parent?.['x-expect'] as string | undefined
  switch (e.keyword) {
    case 'enum': {
      const allowed = (e.params as { allowedValues: unknown[] }).allowedValues
      return `must be one of ${allowed.map((v) => `'${String(v)}'`).join(', ')}`
    }
    case 'minProperties':
      return `must be ${expect ?? 'a non-empty object'}`
    default:
      if (expect) return `must be ${expect}`
      if (e.keyword === 'type') {
        const t = (e.params as { type: string | string[] }).type
        return `must be of type ${Array.isArray(t) ? t.join(' or ') : t}`
      }
      return e.message ?? 'is not valid'
  }
}

function unknownField(rel: Pointer, target: SchemaTarget): string {
  const field = String(rel[rel.length - 1])
  const other: QueryLanguage = target.ql === 'JSONata' ? 'JSONPath' : 'JSONata'
  const qlMessage =
    `the QueryLanguage is '${target.ql}', but field '${label(rel)}' is only supported ` +
    `for the '${other}' QueryLanguage`
  if (rel.length === 1 && target.type) {
    const spec = STATE_FIELDS[target.type][field]
    if (spec && spec.ql === other) return qlMessage
    const owners = STATE_TYPES.filter((t) => Object.hasOwn(STATE_FIELDS[t], field))
    if (owners.length > 0) {
      return (
        `field '${field}' is not supported in a ${target.type} state ` +
        `(only in ${owners.join(', ')} states)`
      )
    }
    return `field '${field}' is not supported`
  }
  if (target.ql === 'JSONPath' && JSONATA_ONLY.has(field)) return qlMessage
  if (target.ql === 'JSONata' && JSONPATH_ONLY.has(field)) return qlMessage
  return `field '${label(rel)}' is not supported`
}

/** `['Retry', 0, 'MaxAttempts']` → `Retry[0].MaxAttempts`. */
export function label(rel: Pointer): string {
  let out = ''
  for (const seg of rel) {
    if (typeof seg === 'number') out += `[${seg}]`
    else out += out === '' ? seg : `.${seg}`
  }
  return out
}

function parsePointer(pointer: string): (string | number)[] {
  if (pointer === '') return []
  return pointer
    .slice(1)
    .split('/')
    .map((raw) => {
      const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~')
      return /^(0|[1-9]\d*)$/.test(seg) ? Number(seg) : seg
    })
}
