import type { JsonValue } from '../json.js'
import type { PathScope } from '../paths/path.js'
import type { IntrinsicArg, IntrinsicCall, IntrinsicEnv } from './ast.js'
import { intrinsicFailure } from './failure.js'
import { describeArity, lookupIntrinsic } from './functions.js'

/**
 * Evaluate a parsed call: arguments first (left to right, nested calls included), then the
 * function. Bad argument values throw `AslError('States.IntrinsicFailure', …)`. A path argument
 * that selects nothing throws the path's `PathNotFoundError` unchanged: the caller knows the
 * field name AWS puts into that error's cause.
 *
 * @example
 * const call = parseIntrinsic("States.Format('Hi {}', $.name)")
 * evaluateIntrinsic(call, { input: { name: 'Ada' }, context: {} }, env) // 'Hi Ada'
 */
export function evaluateIntrinsic(
  call: IntrinsicCall,
  scope: PathScope,
  env: IntrinsicEnv,
): JsonValue {
  const spec = lookupIntrinsic(call.name)
  if (!spec) throw intrinsicFailure(call.name, 'there is no intrinsic function of that name')
  const values = call.args.map((arg) => evaluateArg(arg, scope, env))
  const raws = call.args.map((arg) => (arg.kind === 'literal' ? arg.raw : undefined))
  return spec.apply(values, { env, raws })
}

/**
 * Call an intrinsic on values that are already evaluated, checking the argument count at run
 * time since nothing was parsed. For callers without a parsed call (JSONata's `$partition`,
 * `$range`, `$hash`, `$parse` do the same work as their States.* twins).
 *
 * @example applyIntrinsic('States.ArrayPartition', [[1, 2, 3], 2], env) // [[1, 2], [3]]
 */
export function applyIntrinsic(
  name: string,
  args: readonly JsonValue[],
  env: IntrinsicEnv,
): JsonValue {
  const spec = lookupIntrinsic(name)
  if (!spec) throw intrinsicFailure(name, 'there is no intrinsic function of that name')
  if (args.length < spec.minArgs || args.length > spec.maxArgs) {
    throw intrinsicFailure(name, `the function ${describeArity(spec)}, but got ${args.length}`)
  }
  return spec.apply(args, { env, raws: [] })
}

function evaluateArg(arg: IntrinsicArg, scope: PathScope, env: IntrinsicEnv): JsonValue {
  switch (arg.kind) {
    case 'literal':
      return arg.value
    case 'path':
      return arg.path.evaluate(scope)
    case 'call':
      return evaluateIntrinsic(arg, scope, env)
  }
}
