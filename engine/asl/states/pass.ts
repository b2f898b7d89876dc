import type { PassState } from '../compile/machine.js'
import type { JsonValue } from '../json.js'
import { applyResultPath } from '../paths/result-path.js'
import type { Run, Transition } from '../run.js'

/** Pass: InputPath, Parameters, then Result (taken as is, never evaluated), ResultPath, OutputPath. */
export function runPass(run: Run, state: PassState, input: JsonValue): Transition {
  return run.guard(state, () => {
    let effective = run.applyInputPath(state.inputPath, input)
    if (state.parameters) effective = run.template(state.parameters, effective)
    const result = state.result !== undefined ? state.result : effective
    const merged = applyResultPath(state.resultPath, input, result)
    return run.exit(state, run.applyOutputPath(state.outputPath, merged))
  })
}
