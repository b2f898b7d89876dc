import type { JsonataField, WaitState } from '../compile/machine.js'
import { AslError } from '../errors.js'
import { evaluateField, QueryEvaluationError, unexpectedResultType } from '../jsonata/index.js'
import type { JsonValue } from '../json.js'
import type { CompiledPath } from '../paths/path.js'
import type { Run, Transition } from '../run.js'
import { parseTimestamp } from './timestamp.js'

/**
 * Wait: arm a timer and suspend; the frame goes on when TimerFired arrives. A wait that is
 * already over goes on at once. The interpreter never sleeps. In JSONata states `Seconds` and
 * `Timestamp` may be expressions (read from `$states.input`); Assign and Output apply on leaving.
 */
export function runWait(run: Run, state: WaitState, input: JsonValue): Transition {
  return run.guard(state, () => {
    const effective = run.applyInputPath(state.inputPath, input)
    const at = waitUntil(run, state, effective)
    if (at <= run.env.now) return resumeWait(run, state)
    const timerId = run.env.uuid()
    run.command({ kind: 'ArmTimer', timerId, at, reason: 'Wait' })
    return run.wait({ kind: 'timer', timerId, reason: 'Wait' })
  })
}

/** The Wait is over: leave the state with its output (InputPath, OutputPath; or Output). */
export function resumeWait(run: Run, state: WaitState): Transition {
  return run.guard(state, () => {
    const input = run.frame.stateInput ?? null
    if (state.queryLanguage === 'JSONata') {
      const bindings = run.jsonataBindings(input)
      return run.finish(state, input, () => bindings)
    }
    const effective = run.applyInputPath(state.inputPath, input)
    const assigned = run.assign(state.assign, effective, () => run.jsonataBindings(input))
    return run.exit(state, run.applyOutputPath(state.outputPath, effective), undefined, assigned)
  })
}

function waitUntil(run: Run, state: WaitState, input: JsonValue): number {
  const w = state.wait
  switch (w.kind) {
    case 'seconds':
      return run.env.now + w.seconds * 1000
    case 'timestamp':
      return timestampMillis(w.timestamp) ?? run.env.now
    case 'secondsPath': {
      const value = pathValue(run, w.path, input)
      if (typeof value !== 'number' || !Number.isInteger(value)) {
        throw new AslError(
          'States.Runtime',
          `The SecondsPath parameter cannot be parsed as a long value: ${w.path.text} == ${JSON.stringify(value)}`,
        )
      }
      if (value < 0) {
        throw new AslError(
          'States.Runtime',
          `The SecondsPath parameter references a negative value: ${w.path.text} == ${value}`,
        )
      }
      return run.env.now + value * 1000
    }
    case 'timestampPath': {
      const value = pathValue(run, w.path, input)
      const at = typeof value === 'string' ? timestampMillis(value) : undefined
      if (at === undefined) {
        throw new AslError(
          'States.Runtime',
          `The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time format string: ${w.path.text} == ${JSON.stringify(value)}`,
        )
      }
      return at
    }
    case 'secondsExpression': {
      // A fraction is cut toward zero, as for every number a JSONata field gives.
      const seconds = run.jsonataNumber(w.source, input)
      if (seconds < 0) throw invalid(w.source, seconds, 'a negative number of seconds')
      return run.env.now + seconds * 1000
    }
    case 'timestampExpression': {
      const { expression, field } = w.source
      const value = evaluateField(expression, field, run.jsonataBindings(input))
      if (typeof value !== 'string') throw unexpectedResultType(expression, field, 'string', value)
      const at = timestampMillis(value)
      if (at === undefined) {
        throw invalid(w.source, value, 'no ISO-8601 extended offset date-time')
      }
      return at
    }
  }
}

function invalid(source: JsonataField, value: JsonValue, what: string): QueryEvaluationError {
  return new QueryEvaluationError(
    `The JSONata expression '${source.expression.text}' specified for the field '${source.field}' returned ${what}: ${JSON.stringify(value)}`,
    source.field,
  )
}

function timestampMillis(text: string): number | undefined {
  const instant = parseTimestamp(text)
  return instant && instant.seconds * 1000 + Math.floor(instant.nanos / 1e6)
}

function pathValue(run: Run, path: CompiledPath, input: JsonValue): JsonValue {
  const value = path.tryEvaluate(run.pathScope(input))
  if (value === undefined) {
    throw new AslError(
      'States.Runtime',
      `Invalid path '${path.text}' : No results for path: ${path.normalized}`,
    )
  }
  return value
}
