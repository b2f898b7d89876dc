import type { CompiledChoiceRule } from '../states/choice-rules.js'
import { compileChoiceRule } from '../states/choice-rules.js'
import { isIntrinsicCall, parseIntrinsic, type IntrinsicCall } from '../intrinsics/index.js'
import {
  compileJsonata,
  compileJsonataTemplate,
  isJsonataExpression,
  type JsonataExpression,
  type JsonataTemplate,
} from '../jsonata/index.js'
import { isObject, type JsonObject, type JsonValue } from '../json.js'
import { compilePath, compileReferencePath, type CompiledPath } from '../paths/path.js'
import { compileTemplate, type TemplateNode } from '../paths/payload-template.js'
import type { ResultPath } from '../paths/result-path.js'
import { parseResource, type TaskResource } from '../resources.js'
import { compileRetrier, type Retrier } from '../retry.js'

/**
 * A definition compiled once: every path, template, intrinsic and choice rule parsed ahead of
 * time. Executing a state reads only these structures and never parses text.
 *
 * Every list of states (the top level, each Parallel branch, each Map processor) is a Scope with
 * an id: its JSON pointer in the definition ('' for the top level). Frames name their scope by id.
 */
export interface CompiledMachine {
  readonly definition: JsonObject
  readonly root: Scope
  readonly scopes: ReadonlyMap<string, Scope>
  readonly timeoutSeconds?: number
  /** The top-level QueryLanguage; every state without its own uses it, nested ones included. */
  readonly queryLanguage: QueryLanguage
}

/**
 * AWS: "QueryLanguage" is JSONPath by default and may be set at the top level and per state. A
 * state without its own takes the top level's, also inside Parallel branches and Map processors
 * (not the enclosing state's). A JSONPath state under a JSONata top level is refused by validation.
 */
export type QueryLanguage = 'JSONPath' | 'JSONata'

export interface Scope {
  readonly id: string
  readonly startAt: string
  readonly states: ReadonlyMap<string, CompiledState>
}

/** A value computed from a path or an intrinsic call (Fail ErrorPath/CausePath), or JSONata. */
export type Dynamic =
  | { readonly kind: 'path'; readonly path: CompiledPath }
  | { readonly kind: 'intrinsic'; readonly call: IntrinsicCall }
  | JsonataField

/** A JSONata expression standing for a whole field (`"Seconds": "{% ... %}"`). */
export interface JsonataField {
  readonly kind: 'jsonata'
  /** The field AWS names in error causes: `Seconds`, `TimeoutSeconds`, `Error` … */
  readonly field: string
  readonly expression: JsonataExpression
}

/**
 * A number given literally, by a path (TimeoutSeconds / TimeoutSecondsPath and the like) or, in
 * JSONata states, by an expression.
 */
export type NumberSource =
  | { readonly kind: 'literal'; readonly value: number }
  | { readonly kind: 'path'; readonly path: CompiledPath; readonly field: string }
  | JsonataField

/**
 * Assign: in JSONPath states a payload template (keys ending in `.$` hold paths or intrinsic
 * calls, read from the state's result); in JSONata states a JSONata template. Either way every
 * right-hand side reads the variables as they were when the state was entered.
 */
export type AssignSpec =
  | { readonly kind: 'jsonpath'; readonly template: TemplateNode }
  | { readonly kind: 'jsonata'; readonly template: JsonataTemplate }

export interface Catcher {
  readonly errorEquals: readonly string[]
  readonly next: string
  readonly resultPath: ResultPath
  readonly assign?: AssignSpec
  /** JSONata: the state's output when this catcher handles the error (default: the error output). */
  readonly output?: JsonataTemplate
}

interface Common {
  readonly name: string
  /** JSON pointer of the state in the definition. */
  readonly location: string
  readonly queryLanguage: QueryLanguage
  readonly next?: string
  readonly end: boolean
  /** undefined: `$`; null: InputPath null (the effective input is `{}`). */
  readonly inputPath: CompiledPath | null | undefined
  readonly outputPath: CompiledPath | null | undefined
  readonly assign?: AssignSpec
  /** JSONata: the state's output (default: `$states.result` where there is one, else the input). */
  readonly output?: JsonataTemplate
}

interface WithResult {
  readonly parameters?: TemplateNode
  readonly resultSelector?: TemplateNode
  readonly resultPath: ResultPath
  readonly retry: readonly Retrier[]
  readonly catch: readonly Catcher[]
}

export interface PassState extends Common {
  readonly type: 'Pass'
  readonly parameters?: TemplateNode
  readonly result?: JsonValue
  readonly resultPath: ResultPath
}

export interface TaskState extends Common, WithResult {
  readonly type: 'Task'
  readonly resource: TaskResource
  readonly timeout?: NumberSource
  readonly heartbeat?: NumberSource
  /** JSONata: the task's input (default: the state input). */
  readonly arguments?: JsonataTemplate
}

/** A Choice rule: JSONPath comparison rule, or JSONata `Condition`; Assign/Output on the rule. */
export interface ChoiceBranch {
  readonly rule?: CompiledChoiceRule
  readonly condition?: { readonly kind: 'constant'; readonly value: JsonValue } | JsonataField
  readonly next: string
  readonly assign?: AssignSpec
  readonly output?: JsonataTemplate
}

export interface ChoiceState extends Common {
  readonly type: 'Choice'
  readonly choices: readonly ChoiceBranch[]
  readonly default?: string
}

export interface WaitState extends Common {
  readonly type: 'Wait'
  readonly wait:
    | { readonly kind: 'seconds'; readonly seconds: number }
    | { readonly kind: 'secondsPath'; readonly path: CompiledPath }
    | { readonly kind: 'timestamp'; readonly timestamp: string }
    | { readonly kind: 'timestampPath'; readonly path: CompiledPath }
    | { readonly kind: 'secondsExpression'; readonly source: JsonataField }
    | { readonly kind: 'timestampExpression'; readonly source: JsonataField }
}

export interface SucceedState extends Common {
  readonly type: 'Succeed'
}

export interface FailState extends Common {
  readonly type: 'Fail'
  readonly error?: string | Dynamic
  readonly cause?: string | Dynamic
}

export interface ParallelState extends Common, WithResult {
  readonly type: 'Parallel'
  readonly branches: readonly string[]
  /** JSONata: the input every branch gets (default: the state input). */
  readonly arguments?: JsonataTemplate
}

export interface MapState extends Common, WithResult {
  readonly type: 'Map'
  readonly processor: string
  readonly itemsPath?: CompiledPath
  /** JSONata: `Items`, an array or an expression (default: the state input). */
  readonly items?: JsonataTemplate
  /** ItemSelector, or the legacy Parameters (JSONPath). */
  readonly itemSelector?: TemplateNode
  /** JSONata ItemSelector, with `$states.context.Map.Item`. */
  readonly itemSelectorJsonata?: JsonataTemplate
  readonly maxConcurrency?: NumberSource
  readonly toleratedFailureCount?: NumberSource
  readonly toleratedFailurePercentage?: NumberSource
  readonly itemBatcher?: {
    readonly batchInput?: TemplateNode
    readonly batchInputJsonata?: JsonataTemplate
    readonly maxItemsPerBatch?: NumberSource
    readonly maxInputBytesPerBatch?: NumberSource
  }
}

export type CompiledState =
  | PassState
  | TaskState
  | ChoiceState
  | WaitState
  | SucceedState
  | FailState
  | ParallelState
  | MapState

/**
 * Compile a definition. The definition must have passed validateDefinition; compile still throws
 * a plain Error naming the location for anything it cannot make sense of.
 *
 * @example const machine = compileMachine(JSON.parse(text))
 */
export function compileMachine(definition: JsonObject): CompiledMachine {
  const scopes = new Map<string, Scope>()
  const queryLanguage: QueryLanguage =
    definition['QueryLanguage'] === 'JSONata' ? 'JSONata' : 'JSONPath'
  const root = compileScope(definition, '', scopes, queryLanguage)
  const timeout = definition['TimeoutSeconds']
  return {
    definition,
    root,
    scopes,
    queryLanguage,
    ...(typeof timeout === 'number' ? { timeoutSeconds: timeout } : {}),
  }
}

function compileScope(
  raw: JsonObject,
  id: string,
  scopes: Map<string, Scope>,
  topLanguage: QueryLanguage,
): Scope {
  const states = new Map<string, CompiledState>()
  const rawStates = raw['States']
  if (!isObject(rawStates)) throw new Error(`${id}/States must be an object`)
  for (const [name, s] of Object.entries(rawStates)) {
    if (!isObject(s)) throw new Error(`${id}/States/${name} must be an object`)
    const location = `${id}/States/${escapePointer(name)}`
    states.set(name, compileState(name, s, location, scopes, topLanguage))
  }
  const scope: Scope = { id, startAt: raw['StartAt'] as string, states }
  scopes.set(id, scope)
  return scope
}

export function escapePointer(token: string): string {
  return token.replace(/~/g, '~0').replace(/\//g, '~1')
}

function compileState(
  name: string,
  s: JsonObject,
  location: string,
  scopes: Map<string, Scope>,
  topLanguage: QueryLanguage,
): CompiledState {
  const own = s['QueryLanguage']
  const ql: QueryLanguage = own === 'JSONata' || own === 'JSONPath' ? own : topLanguage
  const jsonata = ql === 'JSONata'
  const at = (field: string) => `${location}/${field}`
  const wrap = <T>(field: string, f: () => T): T => {
    try {
      return f()
    } catch (err) {
      throw new Error(`${at(field)}: ${(err as Error).message}`)
    }
  }
  const optPath = (field: string): CompiledPath | null | undefined => {
    if (jsonata || !(field in s)) return undefined
    const v = s[field]
    if (v === null) return null
    return wrap(field, () => compilePath(v as string))
  }
  const optTemplate = (field: string): TemplateNode | undefined =>
    !jsonata && field in s ? wrap(field, () => compileTemplate(s[field] as JsonValue)) : undefined
  const optJsonata = (field: string): JsonataTemplate | undefined =>
    jsonata && field in s
      ? wrap(field, () => compileJsonataTemplate(s[field] as JsonValue, field))
      : undefined
  const resultPath = (field = 'ResultPath'): ResultPath =>
    jsonata ? { kind: 'replace' } : compileResultPath(s, field, wrap)
  const numberSource = (field: string): NumberSource | undefined =>
    compileNumber(s, field, jsonata, wrap)
  const common = {
    name,
    location,
    queryLanguage: ql,
    ...(typeof s['Next'] === 'string' ? { next: s['Next'] } : {}),
    end: s['End'] === true,
    inputPath: optPath('InputPath'),
    outputPath: optPath('OutputPath'),
    ...optional(
      'assign',
      wrap('Assign', () => compileAssign(s['Assign'], 'Assign', jsonata)),
    ),
    ...optional('output', optJsonata('Output')),
  }
  const withResult = () => ({
    ...optional('parameters', optTemplate('Parameters')),
    ...optional('resultSelector', optTemplate('ResultSelector')),
    resultPath: resultPath(),
    retry: ((s['Retry'] as JsonObject[] | undefined) ?? []).map((r) => compileRetrier(r)),
    catch: ((s['Catch'] as JsonObject[] | undefined) ?? []).map((c, i): Catcher =>
      wrap(`Catch/${i}`, () => ({
        errorEquals: c['ErrorEquals'] as string[],
        next: c['Next'] as string,
        resultPath: jsonata
          ? { kind: 'replace' }
          : compileResultPath(c, 'ResultPath', (f, g) => wrap(`Catch/${i}/${f}`, g)),
        ...optional('assign', compileAssign(c['Assign'], `Catch[${i}]/Assign`, jsonata)),
        ...optional(
          'output',
          jsonata && 'Output' in c
            ? compileJsonataTemplate(c['Output'], `Catch[${i}]/Output`)
            : undefined,
        ),
      })),
    ),
  })
  const type = s['Type']
  switch (typeof type === 'string' ? type : '') {
    case 'Pass':
      return {
        ...common,
        type: 'Pass',
        ...optional('parameters', optTemplate('Parameters')),
        ...(!jsonata && 'Result' in s ? { result: s['Result'] } : {}),
        resultPath: resultPath(),
      }
    case 'Task':
      return {
        ...common,
        ...withResult(),
        type: 'Task',
        resource: parseResource(s['Resource'] as string),
        ...optional('timeout', numberSource('TimeoutSeconds')),
        ...optional('heartbeat', numberSource('HeartbeatSeconds')),
        ...optional('arguments', optJsonata('Arguments')),
      }
    case 'Choice':
      return {
        ...common,
        type: 'Choice',
        choices: (s['Choices'] as JsonObject[]).map((c, i) =>
          compileChoice(c, i, at(`Choices/${i}`), jsonata),
        ),
        ...(typeof s['Default'] === 'string' ? { default: s['Default'] } : {}),
      }
    case 'Wait':
      return { ...common, type: 'Wait', wait: compileWait(s, jsonata, wrap) }
    case 'Succeed':
      return { ...common, type: 'Succeed' }
    case 'Fail':
      return {
        ...common,
        type: 'Fail',
        ...optional('error', failField(s, 'Error', jsonata, wrap)),
        ...optional('cause', failField(s, 'Cause', jsonata, wrap)),
      }
    case 'Parallel':
      return {
        ...common,
        ...withResult(),
        type: 'Parallel',
        branches: (s['Branches'] as JsonObject[]).map(
          (b, i) => compileScope(b, at(`Branches/${i}`), scopes, topLanguage).id,
        ),
        ...optional('arguments', optJsonata('Arguments')),
      }
    case 'Map': {
      const processorField = 'ItemProcessor' in s ? 'ItemProcessor' : 'Iterator'
      const batcher = s['ItemBatcher']
      return {
        ...common,
        ...withResult(),
        type: 'Map',
        processor: compileScope(
          s[processorField] as JsonObject,
          at(processorField),
          scopes,
          topLanguage,
        ).id,
        ...optional(
          'itemsPath',
          'ItemsPath' in s ? (optPath('ItemsPath') ?? undefined) : undefined,
        ),
        ...optional('items', optJsonata('Items')),
        ...optional(
          'itemSelector',
          'ItemSelector' in s ? optTemplate('ItemSelector') : optTemplate('Parameters'),
        ),
        ...optional('itemSelectorJsonata', optJsonata('ItemSelector')),
        // In a Map, Parameters is the legacy name of ItemSelector, not the state's input template.
        parameters: undefined,
        ...optional('maxConcurrency', numberSource('MaxConcurrency')),
        ...optional('toleratedFailureCount', numberSource('ToleratedFailureCount')),
        ...optional('toleratedFailurePercentage', numberSource('ToleratedFailurePercentage')),
        ...optional(
          'itemBatcher',
          isObject(batcher)
            ? compileBatcher(batcher, jsonata, (f, g) => wrap(`ItemBatcher/${f}`, g))
            : undefined,
        ),
      }
    }
    default:
      throw new Error(`${at('Type')}: unknown state type ${JSON.stringify(type)}`)
  }
}

type Wrap = <T>(field: string, f: () => T) => T

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V }
}

/** A whole-field JSONata expression, or undefined when the value is no `{% %}` string. */
function jsonataField(value: JsonValue | undefined, field: string): JsonataField | undefined {
  if (!isJsonataExpression(value)) return undefined
  return { kind: 'jsonata', field, expression: compileJsonata(value) }
}

function compileAssign(
  value: JsonValue | undefined,
  field: string,
  jsonata: boolean,
): AssignSpec | undefined {
  if (value === undefined) return undefined
  return jsonata
    ? { kind: 'jsonata', template: compileJsonataTemplate(value, field) }
    : { kind: 'jsonpath', template: compileTemplate(value) }
}

function compileChoice(
  c: JsonObject,
  index: number,
  location: string,
  jsonata: boolean,
): ChoiceBranch {
  const wrap: Wrap = (field, f) => {
    try {
      return f()
    } catch (err) {
      throw new Error(`${location}/${field}: ${(err as Error).message}`)
    }
  }
  const prefix = `Choices[${index}]`
  const base = {
    next: c['Next'] as string,
    ...optional(
      'assign',
      wrap('Assign', () => compileAssign(c['Assign'], `${prefix}/Assign`, jsonata)),
    ),
    ...optional(
      'output',
      jsonata && 'Output' in c
        ? wrap('Output', () => compileJsonataTemplate(c['Output'] as JsonValue, `${prefix}/Output`))
        : undefined,
    ),
  }
  if (!jsonata) return { ...base, rule: compileChoiceRule(c, location) }
  const condition = c['Condition'] as JsonValue
  return {
    ...base,
    condition: wrap(
      'Condition',
      () =>
        jsonataField(condition, `${prefix}/Condition`) ?? { kind: 'constant', value: condition },
    ),
  }
}

function compileNumber(
  s: JsonObject,
  field: string,
  jsonata: boolean,
  wrap: Wrap,
): NumberSource | undefined {
  const literal = s[field]
  if (typeof literal === 'number') return { kind: 'literal', value: literal }
  if (jsonata) return wrap(field, () => jsonataField(literal, field))
  const pathText = s[`${field}Path`]
  if (typeof pathText !== 'string') return undefined
  return {
    kind: 'path',
    field: `${field}Path`,
    path: wrap(`${field}Path`, () => compilePath(pathText)),
  }
}

function compileResultPath(s: JsonObject, field: string, wrap: Wrap): ResultPath {
  if (!(field in s)) return { kind: 'replace' }
  const v = s[field]
  if (v === null) return { kind: 'discard' }
  const segments = wrap(field, () => compileReferencePath(v as string))
  if (segments.length === 0) return { kind: 'replace' }
  return { kind: 'merge', text: v as string, segments }
}

function compileWait(s: JsonObject, jsonata: boolean, wrap: Wrap): WaitState['wait'] {
  if (typeof s['Seconds'] === 'number') return { kind: 'seconds', seconds: s['Seconds'] }
  if (jsonata) {
    const seconds = wrap('Seconds', () => jsonataField(s['Seconds'], 'Seconds'))
    if (seconds) return { kind: 'secondsExpression', source: seconds }
    const timestamp = wrap('Timestamp', () => jsonataField(s['Timestamp'], 'Timestamp'))
    if (timestamp) return { kind: 'timestampExpression', source: timestamp }
    return { kind: 'timestamp', timestamp: s['Timestamp'] as string }
  }
  if (typeof s['SecondsPath'] === 'string') {
    const text = s['SecondsPath']
    return { kind: 'secondsPath', path: wrap('SecondsPath', () => compilePath(text)) }
  }
  if (typeof s['Timestamp'] === 'string') return { kind: 'timestamp', timestamp: s['Timestamp'] }
  const text = s['TimestampPath'] as string
  return { kind: 'timestampPath', path: wrap('TimestampPath', () => compilePath(text)) }
}

function failField(
  s: JsonObject,
  field: 'Error' | 'Cause',
  jsonata: boolean,
  wrap: Wrap,
): string | Dynamic | undefined {
  if (jsonata) {
    const expression = wrap(field, () => jsonataField(s[field], field))
    if (expression) return expression
  }
  if (typeof s[field] === 'string') return s[field]
  const text = s[`${field}Path`]
  if (jsonata || typeof text !== 'string') return undefined
  return wrap(`${field}Path`, (): Dynamic =>
    isIntrinsicCall(text)
      ? { kind: 'intrinsic', call: parseIntrinsic(text) }
      : { kind: 'path', path: compilePath(text) },
  )
}

function compileBatcher(
  b: JsonObject,
  jsonata: boolean,
  wrap: Wrap,
): NonNullable<MapState['itemBatcher']> {
  const num = (field: string): NumberSource | undefined => compileNumber(b, field, jsonata, wrap)
  const batchInput = b['BatchInput']
  return {
    ...optional(
      'batchInput',
      !jsonata && batchInput !== undefined ? compileTemplate(batchInput) : undefined,
    ),
    ...optional(
      'batchInputJsonata',
      jsonata && batchInput !== undefined
        ? wrap('BatchInput', () => compileJsonataTemplate(batchInput, 'ItemBatcher/BatchInput'))
        : undefined,
    ),
    ...optional('maxItemsPerBatch', num('MaxItemsPerBatch')),
    ...optional('maxInputBytesPerBatch', num('MaxInputBytesPerBatch')),
  }
}
