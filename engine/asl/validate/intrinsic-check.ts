import { IntrinsicSyntaxError, parseIntrinsic } from '../intrinsics/index.js'

/**
 * Definition-time checks of intrinsic calls such as `States.Format('Hello {}', $.name)`, done by
 * the interpreter's own parser (engine/asl/intrinsics) so that what validates also compiles: the
 * syntax, the function name, the argument count, every argument path and the nesting depth.
 *
 * AWS: "Intrinsic functions for JSONPath states".
 */

/** True when a `.$` value is meant as an intrinsic call rather than a path. */
export function looksLikeIntrinsic(text: string): boolean {
  return /^\s*States\.[A-Za-z0-9]*\s*\(/.test(text)
}

/** `[?(...)]`: AWS evaluates JSONPath filters; millrace's path engine does not (paths/path.ts). */
export function hasFilter(path: string): boolean {
  return /\[\s*\?\s*\(/.test(path)
}

/**
 * The problem with an intrinsic call, or undefined when it parses.
 *
 * @example intrinsicProblem("States.MathAdd($.a)") // "Invalid intrinsic function call … takes 2 …"
 */
export function intrinsicProblem(text: string): string | undefined {
  try {
    parseIntrinsic(text)
    return undefined
  } catch (err) {
    if (err instanceof IntrinsicSyntaxError) return err.message
    return err instanceof Error ? err.message : String(err)
  }
}
