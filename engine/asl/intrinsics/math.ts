import type { JsonValue } from '../json.js'
import type { IntrinsicEnv } from './ast.js'
import { intrinsicFailure, roundedIntegerArg } from './failure.js'

const INT_MIN = -2_147_483_648
const INT_MAX = 2_147_483_647

/**
 * States.MathAdd(a, b): the sum of two integers. Non-integers are first rounded half up, the way
 * Java's Math.round does: recorded on AWS, 1.5 + 0 is 2, -1.5 + 0 is -1, -3.5 + 0 is -3 and
 * 1.5 + 1.51 is 4 (intrinsic_functions.test_math_operations.test_math_add). AWS documents the
 * operand range as -2147483648 to 2147483647.
 *
 * @example mathAdd([111, -1]) // 110
 */
export function mathAdd(args: readonly JsonValue[]): number {
  const fn = 'States.MathAdd'
  const a = int32(fn, roundedIntegerArg(fn, args[0] as JsonValue, 'the first value (argument 1)'))
  const b = int32(fn, roundedIntegerArg(fn, args[1] as JsonValue, 'the second value (argument 2)'))
  return a + b + 0
}

/**
 * States.MathRandom(start, end[, seed]): a random integer with start <= n < end. Operands are
 * rounded like MathAdd's (AWS accepted 12.5 and 44.51, test_math_random). Without a seed the
 * number comes from `env.random()`; with one it is `new java.util.Random(seed).nextInt(end - start)
 * + start`, so the same seed always gives the same number.
 *
 * @example mathRandom([1, 999], env) // an integer in [1, 999)
 */
export function mathRandom(args: readonly JsonValue[], env: IntrinsicEnv): number {
  const fn = 'States.MathRandom'
  const start = int32(fn, roundedIntegerArg(fn, args[0] as JsonValue, 'the start (argument 1)'))
  const end = int32(fn, roundedIntegerArg(fn, args[1] as JsonValue, 'the end (argument 2)'))
  const bound = end - start
  if (bound <= 0 || bound > INT_MAX) {
    throw intrinsicFailure(fn, `the end (${end}) must be greater than the start (${start})`)
  }
  if (args.length > 2) {
    const seed = roundedIntegerArg(fn, args[2] as JsonValue, 'the seed (argument 3)')
    return start + javaRandomNextInt(seed, bound)
  }
  return start + Math.min(bound - 1, Math.floor(env.random() * bound))
}

function int32(fn: string, n: number): number {
  if (n < INT_MIN || n > INT_MAX) {
    throw intrinsicFailure(
      fn,
      `the value ${n} is outside the integer range ${INT_MIN} to ${INT_MAX}`,
    )
  }
  return n
}

const MULTIPLIER = 0x5deece66dn
const MASK = (1n << 48n) - 1n

/** The first `nextInt(bound)` of `new java.util.Random(seed)` (the JDK's documented algorithm). */
function javaRandomNextInt(seed: number, bound: number): number {
  let state = (BigInt(seed) ^ MULTIPLIER) & MASK
  const next31 = (): number => {
    state = (state * MULTIPLIER + 0xbn) & MASK
    return Number(state >> 17n)
  }
  if ((bound & -bound) === bound) return Number((BigInt(bound) * BigInt(next31())) >> 31n)
  for (;;) {
    const bits = next31()
    const value = bits % bound
    if (bits - value + (bound - 1) <= INT_MAX) return value
  }
}
