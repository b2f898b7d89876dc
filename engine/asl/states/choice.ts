import type { ChoiceState } from '../compile/machine.js'
import type { JsonValue } from '../json.js'
import type { Run, Transition } from '../run.js'
import { evaluateChoiceRule } from './choice-rules.js'

/** Choice: the first rule that holds picks Next; else Default; else States.NoChoiceMatched. */
export function runChoice(run: Run, state: ChoiceState, input: JsonValue): Transition {
  return run.guard(state, () => {
    const effective = run.applyInputPath(state.inputPath, input)
    const scope = run.pathScope(effective)
    let next = state.default
    for (const choice of state.choices) {
      if (evaluateChoiceRule(choice.rule, scope)) {
        next = choice.next
        break
      }
    }
    if (next === undefined) {
      return run.failFrame({
        error: 'States.NoChoiceMatched',
        cause: `An error occurred while executing the state '${state.name}' (entered at the event id #${run.frame.enteredEventId}). No Matches!`,
      })
    }
    return run.exit(state, run.applyOutputPath(state.outputPath, effective), next)
  })
}
