import type { PassState } from '../compile/machine.js'
import type { JsonValue } from '../json.js'
import { applyResultPath } from '../paths/result-path.js'
import type { Run, Transition } from '../run.js'

/**
 * Pass. JSONPath: InputPath, Parameters, then Result (taken as is, never evaluated), ResultPath,
 * OutputPath; Assign reads the result (`$`). JSONata: Assign and Output read `$states.input`
 * (and `$states.result`, which is the input); the output defaults to the input.
 */
export function runPass(run: Run, state: PassState, input: JsonValue): Transition {
  return run.guard(state, () => {
    if (state.queryLanguage === 'JSONata') {
      const bindings = run.jsonataBindings(input, { result: input })
      return run.finish(state, input, () => bindings)
    }
    let effective = run.applyInputPath(state.inputPath, input)
    if (state.parameters) effective = run.template(state.parameters, effective)
    const result = state.result !== undefined ? state.result : effective
    const assigned = run.assign(state.assign, result, () => run.jsonataBindings(input))
    const merged = applyResultPath(state.resultPath, input, result)
    return run.exit(state, run.applyOutputPath(state.outputPath, merged), undefined, assigned)
  })
}
