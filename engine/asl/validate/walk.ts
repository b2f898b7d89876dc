import { isObject, type JsonObject } from '../json.js'
import { checkChoice } from './choice.js'
import type { ScopeInfo, StateInfo, ValidationContext } from './context.js'
import { checkStateData } from './data.js'
import { checkScopeGraph } from './graph.js'
import { ISSUE_CODES, type IssueSink, type Pointer } from './issues.js'
import { checkRetryCatch } from './retry-catch.js'
import {
  checkStateSchema,
  checkTopLevelSchema,
  isStateType,
  STATE_TYPES,
  type QueryLanguage,
} from './schema.js'
import { checkStateFields } from './state-fields.js'

/**
 * Walks a definition object: the top level, then every state of every scope (Parallel branches
 * and Map ItemProcessor/Iterator recursively), running the schema and the semantic passes on
 * each state, then the graph pass on each scope.
 */
export function walkDefinition(definition: JsonObject, sink: IssueSink): void {
  const declared = definition['QueryLanguage']
  const ctx: ValidationContext = {
    sink,
    topQl: declared === 'JSONata' ? 'JSONata' : 'JSONPath',
    stateNames: new Map(),
    labels: new Map(),
    scopes: [],
  }
  checkTopLevelSchema(
    definition,
    { subject: 'The state machine', location: [], ql: ctx.topQl },
    sink,
  )
  walkScope(ctx, definition, [], 'the state machine')
  for (const scope of ctx.scopes) checkScopeGraph(ctx, scope)
}

// AWS: "State names ... must be unique within the scope of the whole state machine ... can be up
// to 80 characters". Control characters are refused as in every other Step Functions name.
const MAX_STATE_NAME = 80
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/

function walkScope(
  ctx: ValidationContext,
  container: JsonObject,
  location: Pointer,
  label: string,
): void {
  const rawStates = container['States']
  if (!isObject(rawStates)) return // the schema reports it
  const states = new Map<string, StateInfo>()
  const scope: ScopeInfo = { location, label, startAt: container['StartAt'], states }
  ctx.scopes.push(scope)

  for (const [name, node] of Object.entries(rawStates)) {
    const stateLoc = [...location, 'States', name]
    const subject = `State '${name}'`
    checkStateName(ctx, name, stateLoc)

    if (!isObject(node)) {
      ctx.sink.error(
        ISSUE_CODES.SCHEMA_VALIDATION_FAILED,
        stateLoc,
        `${subject} must be a JSON object, not ${describe(node)}`,
      )
      states.set(name, {
        name,
        location: stateLoc,
        subject,
        node: undefined,
        type: undefined,
        ql: ctx.topQl,
      })
      continue
    }

    const rawType = node['Type']
    if (rawType === undefined) {
      ctx.sink.error(
        ISSUE_CODES.SCHEMA_VALIDATION_FAILED,
        stateLoc,
        `${subject}: field 'Type' is required`,
      )
    } else if (!isStateType(rawType)) {
      ctx.sink.error(
        ISSUE_CODES.SCHEMA_VALIDATION_FAILED,
        [...stateLoc, 'Type'],
        `${subject}: field 'Type' holds ${JSON.stringify(rawType)}, which is not a state type ` +
          `(${STATE_TYPES.join(', ')})`,
      )
    }
    const type = isStateType(rawType) ? rawType : undefined
    const ql = stateQueryLanguage(ctx, node, stateLoc, subject)
    const info: StateInfo = { name, location: stateLoc, subject, node, type, ql }
    states.set(name, info)
    if (!type) continue

    checkStateSchema(node, type, { subject, location: stateLoc, type, ql }, ctx.sink)
    checkStateFields(ctx, info)
    checkRetryCatch(ctx, info)
    checkStateData(ctx, info)
    if (type === 'Choice') checkChoice(ctx, info)

    if (type === 'Parallel' && Array.isArray(node['Branches'])) {
      node['Branches'].forEach((branch, i) => {
        if (isObject(branch)) {
          walkScope(ctx, branch, [...stateLoc, 'Branches', i], `branch ${i} of ${lower(subject)}`)
        }
      })
    }
    if (type === 'Map') {
      for (const field of ['ItemProcessor', 'Iterator'] as const) {
        const processor = node[field]
        if (isObject(processor)) {
          walkScope(ctx, processor, [...stateLoc, field], `the ${field} of ${lower(subject)}`)
        }
      }
    }
  }
}

/**
 * The state's own QueryLanguage, else the top level's. AWS (measured, floci-io/floci#2968): a
 * state cannot choose JSONPath when the whole machine is JSONata, and nested states inherit the
 * top level's language, not their Parallel's or Map's.
 */
function stateQueryLanguage(
  ctx: ValidationContext,
  node: JsonObject,
  stateLoc: Pointer,
  subject: string,
): QueryLanguage {
  const own = node['QueryLanguage']
  if (own === 'JSONPath' && ctx.topQl === 'JSONata') {
    ctx.sink.error(
      ISSUE_CODES.SCHEMA_VALIDATION_FAILED,
      [...stateLoc, 'QueryLanguage'],
      `${subject}: 'QueryLanguage' cannot be 'JSONPath' when the state machine's top-level ` +
        `QueryLanguage is 'JSONata'`,
    )
  }
  return own === 'JSONPath' || own === 'JSONata' ? own : ctx.topQl
}

function checkStateName(ctx: ValidationContext, name: string, at: Pointer): void {
  const length = [...name].length
  if (length === 0 || length > MAX_STATE_NAME) {
    ctx.sink.error(
      ISSUE_CODES.INVALID_STATE_NAME,
      at,
      `State name '${name}' has ${length} characters; a state name holds 1 to ${MAX_STATE_NAME}`,
    )
  } else if (CONTROL.test(name) || LONE_SURROGATE.test(name)) {
    ctx.sink.error(
      ISSUE_CODES.INVALID_STATE_NAME,
      at,
      `State name ${JSON.stringify(name)} contains a control character or an unpaired surrogate`,
    )
  }
  const first = ctx.stateNames.get(name)
  if (first) {
    ctx.sink.error(
      ISSUE_CODES.DUPLICATE_STATE_NAME,
      at,
      `State name '${name}' is already used by the state at ` +
        `${first.map((s) => `/${String(s)}`).join('')}; state names must be unique across the ` +
        `whole state machine, Parallel branches and Map processors included`,
    )
  } else {
    ctx.stateNames.set(name, at)
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  return `a ${typeof value}`
}

function lower(subject: string): string {
  return subject.charAt(0).toLowerCase() + subject.slice(1)
}
