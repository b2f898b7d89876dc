import type { MapState } from '../compile/machine.js'
import { AslError, type AslFailure } from '../errors.js'
import { QueryEvaluationError, unexpectedResultType } from '../jsonata/index.js'
import { jsonByteSize, type JsonObject, type JsonValue } from '../json.js'
import type { Run, Transition } from '../run.js'

/**
 * Map (inline): select the items (ItemsPath; JSONata: Items), shape each one (ItemSelector, or the
 * legacy Parameters; JSONata ItemSelector reads `$states.context.Map.Item`), batch them if
 * ItemBatcher says so, and start one child frame per item. The runtime enforces MaxConcurrency
 * and the tolerated failures, and answers with ChildrenSucceeded or ChildrenFailed. Iterations
 * read this frame's variables but keep their own assignments to themselves.
 *
 * AWS: "Map state", "ItemsPath", "ItemSelector", "ItemBatcher", "Tolerated failure threshold".
 * In JSONata states a non-array is States.QueryEvaluationError (JSONPath: States.Runtime).
 */
export function runMap(run: Run, state: MapState, input: JsonValue): Transition {
  return run.guard(state, () => {
    const jsonata = state.queryLanguage === 'JSONata'
    const effective = run.applyInputPath(state.inputPath, input)
    let items: JsonValue | undefined = effective
    if (state.itemsPath) items = state.itemsPath.tryEvaluate(run.pathScope(effective))
    else if (state.items) items = run.jsonata(state.items, run.jsonataBindings(input))
    if (items === undefined && state.itemsPath) {
      throw new AslError(
        'States.Runtime',
        `Invalid path '${state.itemsPath.text}' : No results for path: ${state.itemsPath.normalized}`,
      )
    }
    if (!Array.isArray(items)) {
      if (state.items?.kind === 'expression') {
        throw unexpectedResultType(state.items.expression, 'Items', 'array', items ?? null)
      }
      const cause = `Map state input must be an array but was: ${JSON.stringify(items)}`
      if (jsonata) throw new QueryEvaluationError(cause)
      throw new AslError('States.Runtime', cause)
    }
    const maxConcurrency = state.maxConcurrency
      ? run.numberFrom(state.maxConcurrency, effective)
      : 0
    const toleratedFailureCount = state.toleratedFailureCount
      ? run.numberFrom(state.toleratedFailureCount, effective)
      : undefined
    const toleratedFailurePercentage = state.toleratedFailurePercentage
      ? percentage(run, state, effective)
      : undefined
    const selector = state.itemSelector
    const selectorJsonata = state.itemSelectorJsonata
    let inputs: JsonValue[] = items
    if (selector) {
      inputs = items.map((value, index) =>
        run.template(selector, effective, { mapItem: { Index: index, Value: value } }),
      )
    } else if (selectorJsonata) {
      inputs = items.map((value, index) =>
        run.jsonata(
          selectorJsonata,
          run.jsonataBindings(input, { mapItem: { Index: index, Value: value } }),
        ),
      )
    }
    if (state.itemBatcher) inputs = batch(run, state, effective, inputs)

    const startedId = run.emit('MapStateStarted', 'mapStateStartedEventDetails', {
      length: inputs.length,
    })
    if (inputs.length === 0) return onMapSucceeded(run, state, [])
    const childrenId = run.env.uuid()
    const variables = run.childVariables()
    run.command({
      kind: 'StartChildren',
      childrenId,
      stateName: state.name,
      stateType: 'Map',
      children: inputs.map((item, index) => ({
        scope: state.processor,
        input: item,
        origin: { kind: 'map', mapState: state.name, index },
        ...variables,
      })),
      maxConcurrency,
      ...(toleratedFailureCount !== undefined ? { toleratedFailureCount } : {}),
      ...(toleratedFailurePercentage !== undefined ? { toleratedFailurePercentage } : {}),
      previousEventId: startedId,
    })
    return run.wait({ kind: 'children', childrenId })
  })
}

export function onMapSucceeded(
  run: Run,
  state: MapState,
  outputs: readonly JsonValue[],
): Transition {
  run.emit('MapStateSucceeded')
  return run.guard(state, () => run.finishWithResult(state, outputs.slice()))
}

export function onMapFailed(run: Run, state: MapState, failure: AslFailure): Transition {
  return run.failState(state, failure)
}

function percentage(run: Run, state: MapState, input: JsonValue): number {
  const source = state.toleratedFailurePercentage!
  if (source.kind === 'literal') return source.value
  if (source.kind === 'jsonata') {
    const value = run.jsonataNumber(source, input, false)
    if (value < 0 || value > 100) {
      throw new QueryEvaluationError(
        `The JSONata expression '${source.expression.text}' specified for the field '${source.field}' returned ${value}, which is not a valid percentage.`,
        source.field,
      )
    }
    return value
  }
  const value = source.path.tryEvaluate(run.pathScope(input))
  if (typeof value !== 'number' || value < 0 || value > 100) {
    throw new AslError(
      'States.Runtime',
      `The ToleratedFailurePercentagePath field refers to value ${JSON.stringify(value ?? null)} which is not a valid percentage: ${source.path.text}`,
    )
  }
  return value
}

/** ItemBatcher: `{ Items: [...], BatchInput }` per batch, cut by item count and by bytes. */
function batch(run: Run, state: MapState, input: JsonValue, items: JsonValue[]): JsonValue[] {
  const b = state.itemBatcher!
  const maxItems = b.maxItemsPerBatch ? run.numberFrom(b.maxItemsPerBatch, input) : Infinity
  const maxBytes = b.maxInputBytesPerBatch
    ? run.numberFrom(b.maxInputBytesPerBatch, input)
    : 262_144
  const batchInput = b.batchInput
    ? run.template(b.batchInput, input)
    : b.batchInputJsonata
      ? run.jsonata(b.batchInputJsonata, run.jsonataBindings(input))
      : undefined
  const batches: JsonValue[] = []
  let current: JsonValue[] = []
  let bytes = 0
  const flush = () => {
    const batchValue: JsonObject = { Items: current }
    if (batchInput !== undefined) batchValue['BatchInput'] = batchInput
    batches.push(batchValue)
    current = []
    bytes = 0
  }
  for (const item of items) {
    const size = jsonByteSize(item)
    if (current.length > 0 && (current.length >= maxItems || bytes + size > maxBytes)) flush()
    current.push(item)
    bytes += size
  }
  if (current.length > 0) flush()
  return batches
}
