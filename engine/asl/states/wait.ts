import type { WaitState } from '../compile/machine.js'
import { AslError } from '../errors.js'
import type { JsonValue } from '../json.js'
import type { CompiledPath } from '../paths/path.js'
import type { Run, Transition } from '../run.js'
import { parseTimestamp } from './timestamp.js'

/**
 * Wait: arm a timer and suspend; the frame goes on when TimerFired arrives. A wait that is
 * already over goes on at once. The interpreter never sleeps.
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

/** The Wait is over: leave the state with its (InputPath, OutputPath) output. */
export function resumeWait(run: Run, state: WaitState): Transition {
  return run.guard(state, () => {
    const effective = run.applyInputPath(state.inputPath, run.frame.stateInput ?? null)
    return run.exit(state, run.applyOutputPath(state.outputPath, effective))
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
  }
}

function timestampMillis(text: string): number | undefined {
  const instant = parseTimestamp(text)
  return instant && instant.seconds * 1000 + Math.floor(instant.nanos / 1e6)
}

function pathValue(run: Run, path: CompiledPath, input: JsonValue): JsonValue {
  const value = path.tryEvaluate(run.pathScope(input))
  if (value === undefined) {
    throw new AslError('States.Runtime', `Invalid path '${path.text}' : No results for path: ${path.normalized}`)
  }
  return value
}
