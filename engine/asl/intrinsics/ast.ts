import type { JsonValue } from '../json.js'
import type { CompiledPath } from '../paths/path.js'

/**
 * Where intrinsics get what is not a pure function of their arguments: States.UUID and an
 * unseeded States.MathRandom. The interpreter passes one in; tests pass a fixed one.
 */
export interface IntrinsicEnv {
  /** A random version 4 UUID, lower case with dashes. */
  uuid(): string
  /** A random number in [0, 1). */
  random(): number
}

/** A literal argument. String literals keep their source text (escapes intact) in `raw`. */
export interface IntrinsicLiteral {
  readonly kind: 'literal'
  readonly value: JsonValue
  /** For string literals only: the text between the quotes, backslash escapes not yet applied. */
  readonly raw?: string
}

export interface IntrinsicPath {
  readonly kind: 'path'
  readonly path: CompiledPath
}

export type IntrinsicArg = IntrinsicLiteral | IntrinsicPath | IntrinsicCall

/** One parsed call such as `States.Format('{}', $.name)`; arguments may be calls themselves. */
export interface IntrinsicCall {
  readonly kind: 'call'
  /** The full function name, e.g. `States.Format`. */
  readonly name: string
  readonly args: readonly IntrinsicArg[]
}
