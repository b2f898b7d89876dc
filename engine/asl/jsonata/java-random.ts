/**
 * `java.util.Random(seed).nextDouble()`, which is what AWS's `$random(seed)` returns: AWS runs
 * JSONata on the JVM and draws a seeded number from java.util.Random, so `$random(42)` is
 * 0.7275636800328681 there and must be here.
 *
 * java.util.Random is a 48-bit linear congruential generator (Java SE API, "Random"): the seed is
 * scrambled with 0x5DEECE66D, each step is `seed * 0x5DEECE66D + 0xB mod 2^48`, and nextDouble
 * joins 26 and 27 high bits into a 53-bit fraction.
 *
 * @example javaRandomDouble(42) // 0.7275636800328681
 */
export function javaRandomDouble(seed: number): number {
  let state = (toLong(seed) ^ MULTIPLIER) & MASK
  const next = (bits: number): bigint => {
    state = (state * MULTIPLIER + ADDEND) & MASK
    return state >> BigInt(48 - bits)
  }
  const high = next(26)
  const low = next(27)
  return Number((high << 27n) + low) / 2 ** 53
}

const MULTIPLIER = 0x5deece66dn
const ADDEND = 0xbn
const MASK = (1n << 48n) - 1n

/** Java's `(long)` cast of a double: toward zero, saturating at the long range, NaN is 0. */
function toLong(value: number): bigint {
  if (Number.isNaN(value)) return 0n
  if (value >= 9.223372036854776e18) return (1n << 63n) - 1n
  if (value <= -9.223372036854776e18) return -(1n << 63n)
  return BigInt(Math.trunc(value))
}
