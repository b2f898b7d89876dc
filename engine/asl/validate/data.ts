import { isObject, type JsonValue } from '../json.js'
import { compilePath, compileReferencePath } from '../paths/path.js'
import type { StateInfo, ValidationContext } from './context.js'
import { hasFilter, intrinsicProblem, looksLikeIntrinsic } from './intrinsic-check.js'
import { ISSUE_CODES, type Pointer } from './issues.js'
import { checkJsonataExpression } from './jsonata.js'
import { label } from './schema.js'

/**
 * Data-flow fields: paths (InputPath, ResultPath, ItemsPath, SecondsPath …), payload templates
 * whose `.$` keys hold a path or an intrinsic call (Parameters, ItemSelector, ResultSelector,
 * Assign …), variable names, Pass `Result`, and `{% %}` expressions in JSONata states.
 *
 * AWS: "Paths" (Path vs Reference Path), "Parameters" (`.$` keys), "Intrinsic functions",
 * "Passing data between states with variables", "Transforming data with JSONata".
 */

/**
 * - `path`: any JSONPath (`$`, `$$` context, `$var` variable); wildcards, slices, filters allowed.
 * - `single`: a path that selects one node — a reference path, but `$$` and `$var` allowed.
 * - `result`: ResultPath, a reference path into the state input (no `$$`, no variables).
 */
export type PathKind = 'path' | 'single' | 'result'

/** Reference-path fields of JSONPath states, each a path that must select one node. */
const SINGLE_PATH_FIELDS = [
  'ItemsPath',
  'SecondsPath',
  'TimestampPath',
  'TimeoutSecondsPath',
  'HeartbeatSecondsPath',
  'MaxConcurrencyPath',
  'ToleratedFailureCountPath',
  'ToleratedFailurePercentagePath',
] as const

/** Fields whose value is a JSON payload template (`.$` keys evaluated). */
const TEMPLATE_FIELDS = ['Parameters', 'ResultSelector', 'ItemSelector', 'Credentials'] as const

/** Checks a path field; reports through the context. */
export function checkPath(
  ctx: ValidationContext,
  info: StateInfo,
  rel: Pointer,
  text: string,
  kind: PathKind,
): void {
  const at = [...info.location, ...rel]
  const field = `${info.subject}: field '${label(rel)}'`
  // A filter in a path is evaluated (paths/filter.ts); compilePath below reports a bad one.
  if (hasFilter(text) && kind !== 'path') {
    ctx.sink.error(
      ISSUE_CODES.SCHEMA_VALIDATION_FAILED,
      at,
      `${field} holds '${text}', but a reference path cannot contain a filter expression`,
    )
    return
  }
  if (/\[\s*\(/.test(text)) {
    ctx.sink.error(
      ISSUE_CODES.SCHEMA_VALIDATION_FAILED,
      at,
      `${field} holds '${text}', which uses a JSONPath script expression '[(...)]'; ` +
        `script expressions are not supported`,
    )
    return
  }
  try {
    if (kind === 'result') {
      compileReferencePath(text)
      return
    }
    const compiled = compilePath(text)
    if (kind === 'single' && !compiled.definite) {
      ctx.sink.error(
        ISSUE_CODES.SCHEMA_VALIDATION_FAILED,
        at,
        `${field} holds '${text}', but it must be a reference path that selects a single value ` +
          `(no wildcards, slices, unions or '..')`,
      )
    }
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err)
    const what =
      kind === 'result'
        ? "a valid reference path into the state input (such as '$.result'; no '$$' or variables)"
        : "a valid JSONPath (starting with '$', '$$' or '$variable')"
    ctx.sink.error(
      ISSUE_CODES.SCHEMA_VALIDATION_FAILED,
      at,
      `${field} holds '${text}', which is not ${what}: ${reason}`,
    )
  }
}

/** A `.$` value (or ErrorPath/CausePath): an intrinsic call or a path. */
function checkDynamic(
  ctx: ValidationContext,
  info: StateInfo,
  rel: Pointer,
  text: string,
  kind: PathKind,
): void {
  if (looksLikeIntrinsic(text)) {
    const at = [...info.location, ...rel]
    const field = `${info.subject}: field '${label(rel)}'`
    // Argument paths, filters included, compile as they will run.
    const problem = intrinsicProblem(text)
    if (problem !== undefined) {
      ctx.sink.error(ISSUE_CODES.SCHEMA_VALIDATION_FAILED, at, `${field}: ${problem}`)
    }
    return
  }
  if (!text.startsWith('$')) {
    ctx.sink.error(
      ISSUE_CODES.SCHEMA_VALIDATION_FAILED,
      [...info.location, ...rel],
      `${info.subject}: field '${label(rel)}' holds '${text}', which is neither a JSONPath ` +
        `(starting with '$') nor an intrinsic function call (States.…)`,
    )
    return
  }
  checkPath(ctx, info, rel, text, kind)
}

/** Looks like a path or an intrinsic call: what NO_DOLLAR warns about. */
function looksDynamic(text: string): boolean {
  return /^\$(\$|\.|\[|$)/.test(text) || looksLikeIntrinsic(text)
}

/**
 * A JSONPath payload template: keys ending in `.$` must hold a path or an intrinsic call; other
 * strings are constants (NO_DOLLAR warns when one looks like a path).
 */
export function checkTemplate(
  ctx: ValidationContext,
  info: StateInfo,
  rel: Pointer,
  value: JsonValue,
): void {
  if (Array.isArray(value)) {
    value.forEach((item, i) => checkTemplate(ctx, info, [...rel, i], item))
    return
  }
  if (!isObject(value)) return
  for (const [key, v] of Object.entries(value)) {
    const at = [...rel, key]
    if (key.endsWith('.$')) {
      if (typeof v !== 'string') {
        ctx.sink.error(
          ISSUE_CODES.SCHEMA_VALIDATION_FAILED,
          [...info.location, ...at],
          `${info.subject}: field '${label(at)}' must hold a string (a JSONPath or an intrinsic ` +
            `function call), because its name ends in '.$'`,
        )
      } else {
        checkDynamic(ctx, info, at, v, 'path')
      }
      continue
    }
    if (typeof v === 'string' && looksDynamic(v)) {
      ctx.sink.warning(
        ISSUE_CODES.NO_DOLLAR,
        [...info.location, ...at],
        `${info.subject}: field '${label(at)}' holds '${v}', which looks like a JSONPath or an ` +
          `intrinsic function, but it is passed as a constant string because the field name ` +
          `does not end in '.$'`,
      )
    }
    checkTemplate(ctx, info, at, v)
  }
}

// AWS: variable names follow Unicode identifier rules (letter or '_' first, then letters, digits,
// '_'); `$states` is reserved for JSONata.
const VARIABLE_NAME = /^[\p{ID_Start}_][\p{ID_Continue}]*$/u

/** Assign: variable names, and in JSONPath states a payload template. */
export function checkAssign(
  ctx: ValidationContext,
  info: StateInfo,
  rel: Pointer,
  value: JsonValue | undefined,
): void {
  if (!isObject(value)) return
  for (const key of Object.keys(value)) {
    const name = info.ql === 'JSONPath' && key.endsWith('.$') ? key.slice(0, -2) : key
    if (!VARIABLE_NAME.test(name) || name === 'states') {
      ctx.sink.error(
        ISSUE_CODES.SCHEMA_VALIDATION_FAILED,
        [...info.location, ...rel, key],
        `${info.subject}: '${label([...rel, key])}' assigns the variable '${name}', but a ` +
          `variable name must start with a letter or '_' and hold only letters, digits and '_'` +
          (name === 'states' ? " ('states' is reserved)" : ''),
      )
    }
  }
  if (info.ql === 'JSONPath') checkTemplate(ctx, info, rel, value)
}

/** Every data-flow check of one state. */
export function checkStateData(ctx: ValidationContext, info: StateInfo): void {
  const node = info.node
  if (!node) return
  checkAssign(ctx, info, ['Assign'], node['Assign'])
  const catchers = node['Catch']
  if (Array.isArray(catchers)) {
    catchers.forEach((c, i) => {
      if (!isObject(c)) return
      checkAssign(ctx, info, ['Catch', i, 'Assign'], c['Assign'])
      if (info.ql === 'JSONPath' && typeof c['ResultPath'] === 'string') {
        checkPath(ctx, info, ['Catch', i, 'ResultPath'], c['ResultPath'], 'result')
      }
    })
  }
  if (info.ql === 'JSONata') {
    checkExpressions(ctx, info, [], node, false)
    return
  }

  for (const f of ['InputPath', 'OutputPath'] as const) {
    const v = node[f]
    if (typeof v === 'string') checkPath(ctx, info, [f], v, 'path')
  }
  if (typeof node['ResultPath'] === 'string') {
    checkPath(ctx, info, ['ResultPath'], node['ResultPath'], 'result')
  }
  for (const f of SINGLE_PATH_FIELDS) {
    const v = node[f]
    if (typeof v === 'string') checkPath(ctx, info, [f], v, 'single')
  }
  // AWS: ErrorPath/CausePath take a reference path or an intrinsic function returning a string.
  for (const f of ['ErrorPath', 'CausePath'] as const) {
    const v = node[f]
    if (typeof v === 'string') checkDynamic(ctx, info, [f], v, 'single')
  }
  if (info.type === 'Fail') {
    for (const f of ['Error', 'Cause'] as const) {
      const v = node[f]
      if (typeof v === 'string' && /^\$(\$|\.|\[|$)/.test(v)) {
        ctx.sink.warning(
          ISSUE_CODES.NO_PATH,
          [...info.location, f],
          `${info.subject}: field '${f}' holds '${v}', which looks like a path, but it is used ` +
            `as a constant; use '${f}Path' to read the value from the input`,
        )
      }
    }
  }
  for (const f of TEMPLATE_FIELDS) {
    const v = node[f]
    if (v !== undefined) checkTemplate(ctx, info, [f], v)
  }
  const batcher = node['ItemBatcher']
  if (isObject(batcher)) {
    for (const f of ['MaxItemsPerBatchPath', 'MaxInputBytesPerBatchPath'] as const) {
      const v = batcher[f]
      if (typeof v === 'string') checkPath(ctx, info, ['ItemBatcher', f], v, 'single')
    }
    if (batcher['BatchInput'] !== undefined) {
      checkTemplate(ctx, info, ['ItemBatcher', 'BatchInput'], batcher['BatchInput'])
    }
  }
  const reader = node['ItemReader']
  if (isObject(reader)) {
    if (reader['Parameters'] !== undefined) {
      checkTemplate(ctx, info, ['ItemReader', 'Parameters'], reader['Parameters'])
    }
    const config = reader['ReaderConfig']
    if (isObject(config) && typeof config['MaxItemsPath'] === 'string') {
      checkPath(
        ctx,
        info,
        ['ItemReader', 'ReaderConfig', 'MaxItemsPath'],
        config['MaxItemsPath'],
        'single',
      )
    }
  }
  const writer = node['ResultWriter']
  if (isObject(writer) && writer['Parameters'] !== undefined) {
    checkTemplate(ctx, info, ['ResultWriter', 'Parameters'], writer['Parameters'])
  }
  if (info.type === 'Pass' && node['Result'] !== undefined) {
    checkStaticResult(ctx, info, ['Result'], node['Result'])
  }
}

/** AWS: PASS_RESULT_IS_STATIC — `.$` keys inside a Pass state's Result are not evaluated. */
function checkStaticResult(
  ctx: ValidationContext,
  info: StateInfo,
  rel: Pointer,
  value: JsonValue,
): void {
  if (Array.isArray(value)) {
    value.forEach((item, i) => checkStaticResult(ctx, info, [...rel, i], item))
    return
  }
  if (!isObject(value)) return
  for (const [key, v] of Object.entries(value)) {
    if (key.endsWith('.$')) {
      ctx.sink.warning(
        ISSUE_CODES.PASS_RESULT_IS_STATIC,
        [...info.location, ...rel, key],
        `${info.subject}: field '${label([...rel, key])}' ends in '.$', but a Pass state's ` +
          `Result is static: the key is kept as written and its value is not evaluated ` +
          `(use Parameters to select values)`,
      )
    }
    checkStaticResult(ctx, info, [...rel, key], v)
  }
}

/** Fields holding nested states (walked as their own scopes) or plain text. */
const NOT_EXPRESSIONS = new Set(['Branches', 'ItemProcessor', 'Iterator', 'Comment'])
/** Fields whose whole value is data: every string in them may be an expression. */
const PAYLOADS = new Set(['Arguments', 'Output', 'Assign', 'Items', 'ItemSelector', 'BatchInput'])

/** JSONata states: every `{% %}` string must hold an expression. */
function checkExpressions(
  ctx: ValidationContext,
  info: StateInfo,
  rel: Pointer,
  value: JsonValue,
  inPayload: boolean,
): void {
  if (typeof value === 'string') {
    if (/^\{%[\s\S]*%\}$/.test(value)) checkJsonataExpression(ctx, info, rel, value)
    return
  }
  if (Array.isArray(value)) {
    value.forEach((item, i) => checkExpressions(ctx, info, [...rel, i], item, inPayload))
    return
  }
  if (!isObject(value)) return
  for (const [key, v] of Object.entries(value)) {
    if (!inPayload && NOT_EXPRESSIONS.has(key)) continue
    checkExpressions(ctx, info, [...rel, key], v, inPayload || PAYLOADS.has(key))
  }
}
