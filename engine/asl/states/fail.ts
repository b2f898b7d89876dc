import type { Dynamic, FailState } from '../compile/machine.js'
import { AslError } from '../errors.js'
import { evaluateIntrinsic } from '../intrinsics/index.js'
import { evaluateField } from '../jsonata/index.js'
import type { JsonValue } from '../json.js'
import type { Run, Transition } from '../run.js'

/**
 * Fail: the frame fails with Error and Cause (or ErrorPath/CausePath, which may be intrinsic
 * calls; or, in JSONata states, expressions reading `$states.input`). A field that is not given
 * is left out, as AWS leaves it out.
 */
export function runFail(run: Run, state: FailState, input: JsonValue): Transition {
  return run.guard(state, () => {
    const failure: { error?: string; cause?: string } = {}
    const error = resolve(run, state.error, input, 'ErrorPath')
    const cause = resolve(run, state.cause, input, 'CausePath')
    if (error !== undefined) failure.error = error
    if (cause !== undefined) failure.cause = cause
    return run.failFrame(failure)
  })
}

function resolve(
  run: Run,
  field: string | Dynamic | undefined,
  input: JsonValue,
  name: string,
): string | undefined {
  if (field === undefined || typeof field === 'string') return field
  if (field.kind === 'jsonata') {
    const value = evaluateField(field.expression, field.field, run.jsonataBindings(input))
    return typeof value === 'string' ? value : JSON.stringify(value)
  }
  const scope = run.pathScope(input)
  const value =
    field.kind === 'intrinsic'
      ? evaluateIntrinsic(field.call, scope, run.env)
      : field.path.tryEvaluate(scope)
  if (value === undefined) {
    const path = field.kind === 'path' ? field.path.text : ''
    throw new AslError(
      'States.Runtime',
      `The JSONPath '${path}' specified for the field '${name}' could not be found in the input '${JSON.stringify(input)}'`,
    )
  }
  return typeof value === 'string' ? value : JSON.stringify(value)
}
