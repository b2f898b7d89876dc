import { AslError } from '../errors.js'
import { evaluateIntrinsic, isIntrinsicCall, parseIntrinsic } from '../intrinsics/index.js'
import type { IntrinsicCall, IntrinsicEnv } from '../intrinsics/index.js'
import { isObject, type JsonObject, type JsonValue } from '../json.js'
import { compilePath, PathNotFoundError, type CompiledPath, type PathScope } from './path.js'

/**
 * A payload template (Parameters, ItemSelector, ResultSelector, Pass Result is NOT one): a JSON
 * value whose keys ending in `.$` hold a path or an intrinsic call. Compiled once into a tree of
 * nodes so evaluation never parses text.
 *
 * AWS: "Parameters" and "ResultSelector" in "Processing input and output in Step Functions".
 */
export type TemplateNode =
  | { readonly kind: 'constant'; readonly value: JsonValue }
  | { readonly kind: 'path'; readonly field: string; readonly path: CompiledPath }
  | { readonly kind: 'intrinsic'; readonly field: string; readonly call: IntrinsicCall }
  | { readonly kind: 'object'; readonly entries: readonly (readonly [string, TemplateNode])[] }
  | { readonly kind: 'array'; readonly items: readonly TemplateNode[] }

/** Which field the template belongs to; AWS names it in error causes. */
export type TemplateField = 'Parameters' | 'ItemSelector' | 'ResultSelector' | 'Arguments'

export function compileTemplate(value: JsonValue): TemplateNode {
  if (Array.isArray(value)) {
    const items = value.map(compileTemplate)
    return items.every((n) => n.kind === 'constant')
      ? { kind: 'constant', value }
      : { kind: 'array', items }
  }
  if (!isObject(value)) return { kind: 'constant', value }
  const entries: [string, TemplateNode][] = []
  let dynamic = false
  for (const [key, child] of Object.entries(value)) {
    if (key.endsWith('.$')) {
      dynamic = true
      const name = key.slice(0, -2)
      if (typeof child !== 'string') {
        throw new Error(
          `The value of '${key}' must be a string holding a path or an intrinsic call`,
        )
      }
      entries.push([name, compileDynamic(key, child)])
    } else {
      const node = compileTemplate(child)
      if (node.kind !== 'constant') dynamic = true
      entries.push([key, node])
    }
  }
  return dynamic ? { kind: 'object', entries } : { kind: 'constant', value }
}

function compileDynamic(field: string, text: string): TemplateNode {
  if (isIntrinsicCall(text)) return { kind: 'intrinsic', field, call: parseIntrinsic(text) }
  return { kind: 'path', field, path: compilePath(text) }
}

/**
 * Evaluate a compiled template. A path that selects nothing fails with States.Runtime in AWS's
 * words, naming the field and the input.
 */
export function evaluateTemplate(
  node: TemplateNode,
  scope: PathScope,
  env: IntrinsicEnv,
): JsonValue {
  switch (node.kind) {
    case 'constant':
      return node.value
    case 'array':
      return node.items.map((item) => evaluateTemplate(item, scope, env))
    case 'object': {
      const out: JsonObject = {}
      for (const [key, child] of node.entries) out[key] = evaluateTemplate(child, scope, env)
      return out
    }
    case 'path': {
      const value = node.path.tryEvaluate(scope)
      if (value === undefined) throw pathNotFound(node.field, node.path.text, scope)
      return value
    }
    case 'intrinsic':
      try {
        return evaluateIntrinsic(node.call, scope, env)
      } catch (err) {
        if (err instanceof PathNotFoundError) throw pathNotFound(node.field, err.path, scope)
        throw err
      }
  }
}

function pathNotFound(field: string, path: string, scope: PathScope): AslError {
  const source = path.startsWith('$$') ? scope.context : scope.input
  return new AslError(
    'States.Runtime',
    `The JSONPath '${path}' specified for the field '${field}' could not be found in the input '${JSON.stringify(source)}'`,
  )
}
