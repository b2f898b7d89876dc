import type { ChoiceBranch, ChoiceState } from '../compile/machine.js'
import { evaluateField, unexpectedResultType } from '../jsonata/index.js'
import type { JsonValue } from '../json.js'
import type { Run, Transition } from '../run.js'
import { evaluateChoiceRule } from './choice-rules.js'

/**
 * Choice: the first rule that holds picks Next; else Default; else States.NoChoiceMatched.
 *
 * A matched rule's own Assign (and, in JSONata, Output) replace the state's; the state's apply
 * when Default is taken. JSONPath rules read the effective input; JSONata `Condition`s read
 * `$states.input` and must be true or false.
 *
 * AWS: "Choice workflow state".
 */
export function runChoice(run: Run, state: ChoiceState, input: JsonValue): Transition {
  return run.guard(state, () => {
    const jsonata = state.queryLanguage === 'JSONata'
    const effective = jsonata ? input : run.applyInputPath(state.inputPath, input)
    const scope = jsonata ? undefined : run.pathScope(effective)
    const bindings = jsonata ? run.jsonataBindings(input) : undefined
    let matched: ChoiceBranch | undefined
    for (const choice of state.choices) {
      const holds = choice.rule
        ? evaluateChoiceRule(choice.rule, scope ?? run.pathScope(effective))
        : condition(choice, () => bindings ?? run.jsonataBindings(input))
      if (holds) {
        matched = choice
        break
      }
    }
    const next = matched?.next ?? state.default
    if (next === undefined) {
      return run.failFrame({
        error: 'States.NoChoiceMatched',
        cause: `An error occurred while executing the state '${state.name}' (entered at the event id #${run.frame.enteredEventId}). No Matches!`,
      })
    }
    const fields = matched ?? state
    if (jsonata) {
      return run.finish(state, input, () => bindings ?? run.jsonataBindings(input), next, fields)
    }
    const assigned = run.assign(fields.assign, effective, () => run.jsonataBindings(input))
    return run.exit(state, run.applyOutputPath(state.outputPath, effective), next, assigned)
  })
}

function condition(
  choice: ChoiceBranch,
  bindings: () => ReturnType<Run['jsonataBindings']>,
): boolean {
  const c = choice.condition
  if (c === undefined) return false
  if (c.kind === 'constant') return c.value === true
  const value = evaluateField(c.expression, c.field, bindings())
  if (typeof value !== 'boolean')
    throw unexpectedResultType(c.expression, c.field, 'boolean', value)
  return value
}
