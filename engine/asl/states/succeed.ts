import type { SucceedState } from '../compile/machine.js'
import type { JsonValue } from '../json.js'
import type { Run, Transition } from '../run.js'

/** Succeed: InputPath and OutputPath apply; the frame ends successfully. */
export function runSucceed(run: Run, state: SucceedState, input: JsonValue): Transition {
  return run.guard(state, () => {
    const effective = run.applyInputPath(state.inputPath, input)
    run.exit(state, run.applyOutputPath(state.outputPath, effective), undefined)
    return null
  })
}
