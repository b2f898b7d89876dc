import type { ParallelState } from '../compile/machine.js'
import type { AslFailure } from '../errors.js'
import type { JsonValue } from '../json.js'
import type { Run, Transition } from '../run.js'

/**
 * Parallel: every branch runs as a child frame on the same effective input (JSONata: Arguments,
 * default the state input). The runtime answers with ChildrenSucceeded (outputs in branch order)
 * or ChildrenFailed (the first failure). Branches read this frame's variables but keep their own
 * assignments to themselves. AWS writes no ParallelStateSucceeded event: the state goes straight
 * to ParallelStateExited.
 */
export function runParallel(run: Run, state: ParallelState, input: JsonValue): Transition {
  return run.guard(state, () => {
    let effective = run.applyInputPath(state.inputPath, input)
    if (state.arguments) effective = run.jsonata(state.arguments, run.jsonataBindings(input))
    else if (state.parameters) effective = run.template(state.parameters, effective)
    const startedId = run.emit('ParallelStateStarted')
    const childrenId = run.env.uuid()
    const variables = run.childVariables()
    run.command({
      kind: 'StartChildren',
      childrenId,
      stateName: state.name,
      stateType: 'Parallel',
      children: state.branches.map((scope, index) => ({
        scope,
        input: effective,
        origin: { kind: 'branch', parallelState: state.name, index },
        ...variables,
      })),
      maxConcurrency: 0,
      previousEventId: startedId,
    })
    return run.wait({ kind: 'children', childrenId })
  })
}

export function onParallelSucceeded(
  run: Run,
  state: ParallelState,
  outputs: readonly JsonValue[],
): Transition {
  return run.guard(state, () => run.finishWithResult(state, outputs.slice()))
}

export function onParallelFailed(run: Run, state: ParallelState, failure: AslFailure): Transition {
  return run.failState(state, failure)
}
