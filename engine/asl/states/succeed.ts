import type { SucceedState } from '../compile/machine.js'
import type { JsonValue } from '../json.js'
import type { Run, Transition } from '../run.js'

/**
 * Succeed: the frame ends successfully. JSONPath: InputPath and OutputPath apply. JSONata: Output
 * (default: the input).
 */
export function runSucceed(run: Run, state: SucceedState, input: JsonValue): Transition {
  return run.guard(state, () => {
    if (state.queryLanguage === 'JSONata') {
      const bindings = run.jsonataBindings(input)
      run.finish(state, input, () => bindings)
      return null
    }
    const effective = run.applyInputPath(state.inputPath, input)
    run.exit(state, run.applyOutputPath(state.outputPath, effective), undefined)
    return null
  })
}
