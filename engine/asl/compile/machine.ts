import type { CompiledChoiceRule } from '../states/choice-rules.js'
import { compileChoiceRule } from '../states/choice-rules.js'
import { isIntrinsicCall, parseIntrinsic, type IntrinsicCall } from '../intrinsics/index.js'
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
}

export interface Scope {
  readonly id: string
  readonly startAt: string
  readonly states: ReadonlyMap<string, CompiledState>
}

/** A value computed from a path or an intrinsic call (Fail ErrorPath/CausePath). */
export type Dynamic =
  | { readonly kind: 'path'; readonly path: CompiledPath }
  | { readonly kind: 'intrinsic'; readonly call: IntrinsicCall }

/** A number given literally or by a path (TimeoutSeconds / TimeoutSecondsPath and the like). */
export type NumberSource =
  | { readonly kind: 'literal'; readonly value: number }
  | { readonly kind: 'path'; readonly path: CompiledPath; readonly field: string }

export interface Catcher {
  readonly errorEquals: readonly string[]
  readonly next: string
  readonly resultPath: ResultPath
}

interface Common {
  readonly name: string
  /** JSON pointer of the state in the definition. */
  readonly location: string
  readonly next?: string
  readonly end: boolean
  /** undefined: `$`; null: InputPath null (the effective input is `{}`). */
  readonly inputPath: CompiledPath | null | undefined
  readonly outputPath: CompiledPath | null | undefined
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
}

export interface ChoiceState extends Common {
  readonly type: 'Choice'
  readonly choices: readonly { readonly rule: CompiledChoiceRule; readonly next: string }[]
  readonly default?: string
}

export interface WaitState extends Common {
  readonly type: 'Wait'
  readonly wait:
    | { readonly kind: 'seconds'; readonly seconds: number }
    | { readonly kind: 'secondsPath'; readonly path: CompiledPath }
    | { readonly kind: 'timestamp'; readonly timestamp: string }
    | { readonly kind: 'timestampPath'; readonly path: CompiledPath }
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
}

export interface MapState extends Common, WithResult {
  readonly type: 'Map'
  readonly processor: string
  readonly itemsPath?: CompiledPath
  /** ItemSelector, or the legacy Parameters. */
  readonly itemSelector?: TemplateNode
  readonly maxConcurrency?: NumberSource
  readonly toleratedFailureCount?: NumberSource
  readonly toleratedFailurePercentage?: NumberSource
  readonly itemBatcher?: {
    readonly batchInput?: TemplateNode
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
  const root = compileScope(definition, '', scopes)
  const timeout = definition['TimeoutSeconds']
  return {
    definition,
    root,
    scopes,
    ...(typeof timeout === 'number' ? { timeoutSeconds: timeout } : {}),
  }
}

function compileScope(raw: JsonObject, id: string, scopes: Map<string, Scope>): Scope {
  const states = new Map<string, CompiledState>()
  const rawStates = raw['States']
  if (!isObject(rawStates)) throw new Error(`${id}/States must be an object`)
  for (const [name, s] of Object.entries(rawStates)) {
    if (!isObject(s)) throw new Error(`${id}/States/${name} must be an object`)
    states.set(name, compileState(name, s, `${id}/States/${escapePointer(name)}`, scopes))
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
): CompiledState {
  const at = (field: string) => `${location}/${field}`
  const wrap = <T>(field: string, f: () => T): T => {
    try {
      return f()
    } catch (err) {
      throw new Error(`${at(field)}: ${(err as Error).message}`)
    }
  }
  const optPath = (field: string): CompiledPath | null | undefined => {
    if (!(field in s)) return undefined
    const v = s[field]
    if (v === null) return null
    return wrap(field, () => compilePath(v as string))
  }
  const optTemplate = (field: string): TemplateNode | undefined =>
    field in s ? wrap(field, () => compileTemplate(s[field] as JsonValue)) : undefined
  const resultPath = (field = 'ResultPath'): ResultPath => compileResultPath(s, field, wrap)
  const numberSource = (field: string): NumberSource | undefined => {
    const literal = s[field]
    if (typeof literal === 'number') return { kind: 'literal', value: literal }
    const pathText = s[`${field}Path`]
    if (typeof pathText === 'string') {
      return {
        kind: 'path',
        field: `${field}Path`,
        path: wrap(`${field}Path`, () => compilePath(pathText)),
      }
    }
    return undefined
  }
  const common = {
    name,
    location,
    ...(typeof s['Next'] === 'string' ? { next: s['Next'] } : {}),
    end: s['End'] === true,
    inputPath: optPath('InputPath'),
    outputPath: optPath('OutputPath'),
  }
  const withResult = () => ({
    ...(optional('parameters', optTemplate('Parameters'))),
    ...(optional('resultSelector', optTemplate('ResultSelector'))),
    resultPath: resultPath(),
    retry: ((s['Retry'] as JsonObject[] | undefined) ?? []).map((r) => compileRetrier(r)),
    catch: ((s['Catch'] as JsonObject[] | undefined) ?? []).map((c, i) => ({
      errorEquals: c['ErrorEquals'] as string[],
      next: c['Next'] as string,
      resultPath: compileResultPath(c, 'ResultPath', (f, g) => wrap(`Catch/${i}/${f}`, g)),
    })),
  })
  switch (s['Type']) {
    case 'Pass':
      return {
        ...common,
        type: 'Pass',
        ...optional('parameters', optTemplate('Parameters')),
        ...('Result' in s ? { result: s['Result'] as JsonValue } : {}),
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
      }
    case 'Choice':
      return {
        ...common,
        type: 'Choice',
        choices: (s['Choices'] as JsonObject[]).map((c, i) => ({
          rule: compileChoiceRule(c, at(`Choices/${i}`)),
          next: c['Next'] as string,
        })),
        ...(typeof s['Default'] === 'string' ? { default: s['Default'] } : {}),
      }
    case 'Wait':
      return { ...common, type: 'Wait', wait: compileWait(s, wrap) }
    case 'Succeed':
      return { ...common, type: 'Succeed' }
    case 'Fail':
      return {
        ...common,
        type: 'Fail',
        ...optional('error', failField(s, 'Error', wrap)),
        ...optional('cause', failField(s, 'Cause', wrap)),
      }
    case 'Parallel':
      return {
        ...common,
        ...withResult(),
        type: 'Parallel',
        branches: (s['Branches'] as JsonObject[]).map(
          (b, i) => compileScope(b, at(`Branches/${i}`), scopes).id,
        ),
      }
    case 'Map': {
      const processorField = 'ItemProcessor' in s ? 'ItemProcessor' : 'Iterator'
      const batcher = s['ItemBatcher']
      return {
        ...common,
        ...withResult(),
        type: 'Map',
        processor: compileScope(s[processorField] as JsonObject, at(processorField), scopes).id,
        ...optional('itemsPath', 'ItemsPath' in s ? optPath('ItemsPath') ?? undefined : undefined),
        ...optional(
          'itemSelector',
          'ItemSelector' in s ? optTemplate('ItemSelector') : optTemplate('Parameters'),
        ),
        // In a Map, Parameters is the legacy name of ItemSelector, not the state's input template.
        parameters: undefined,
        ...optional('maxConcurrency', numberSource('MaxConcurrency')),
        ...optional('toleratedFailureCount', numberSource('ToleratedFailureCount')),
        ...optional('toleratedFailurePercentage', numberSource('ToleratedFailurePercentage')),
        ...optional(
          'itemBatcher',
          isObject(batcher) ? compileBatcher(batcher, (f, g) => wrap(`ItemBatcher/${f}`, g)) : undefined,
        ),
      }
    }
    default:
      throw new Error(`${at('Type')}: unknown state type ${JSON.stringify(s['Type'])}`)
  }
}

type Wrap = <T>(field: string, f: () => T) => T

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V }
}

function compileResultPath(s: JsonObject, field: string, wrap: Wrap): ResultPath {
  if (!(field in s)) return { kind: 'replace' }
  const v = s[field]
  if (v === null) return { kind: 'discard' }
  const segments = wrap(field, () => compileReferencePath(v as string))
  if (segments.length === 0) return { kind: 'replace' }
  return { kind: 'merge', text: v as string, segments }
}

function compileWait(s: JsonObject, wrap: Wrap): WaitState['wait'] {
  if (typeof s['Seconds'] === 'number') return { kind: 'seconds', seconds: s['Seconds'] }
  if (typeof s['SecondsPath'] === 'string') {
    const text = s['SecondsPath']
    return { kind: 'secondsPath', path: wrap('SecondsPath', () => compilePath(text)) }
  }
  if (typeof s['Timestamp'] === 'string') return { kind: 'timestamp', timestamp: s['Timestamp'] }
  const text = s['TimestampPath'] as string
  return { kind: 'timestampPath', path: wrap('TimestampPath', () => compilePath(text)) }
}

function failField(s: JsonObject, field: 'Error' | 'Cause', wrap: Wrap): string | Dynamic | undefined {
  if (typeof s[field] === 'string') return s[field]
  const text = s[`${field}Path`]
  if (typeof text !== 'string') return undefined
  return wrap(`${field}Path`, (): Dynamic =>
    isIntrinsicCall(text)
      ? { kind: 'intrinsic', call: parseIntrinsic(text) }
      : { kind: 'path', path: compilePath(text) },
  )
}

function compileBatcher(b: JsonObject, wrap: Wrap): NonNullable<MapState['itemBatcher']> {
  const num = (field: string): NumberSource | undefined => {
    if (typeof b[field] === 'number') return { kind: 'literal', value: b[field] }
    const text = b[`${field}Path`]
    if (typeof text !== 'string') return undefined
    return { kind: 'path', field: `${field}Path`, path: wrap(`${field}Path`, () => compilePath(text)) }
  }
  return {
    ...optional('batchInput', 'BatchInput' in b ? compileTemplate(b['BatchInput'] as JsonValue) : undefined),
    ...optional('maxItemsPerBatch', num('MaxItemsPerBatch')),
    ...optional('maxInputBytesPerBatch', num('MaxInputBytesPerBatch')),
  }
}
