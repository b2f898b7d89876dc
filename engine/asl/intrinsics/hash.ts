import { createHash } from 'node:crypto'
import type { JsonValue } from '../json.js'
import { intrinsicFailure, stringArg } from './failure.js'

/** AWS: "The input data can't exceed 10,000 characters" (States.Hash). */
export const HASH_MAX_INPUT_CHARS = 10_000

/** AWS's algorithm names → node:crypto's. */
const ALGORITHMS: Readonly<Record<string, string>> = {
  MD5: 'md5',
  'SHA-1': 'sha1',
  'SHA-256': 'sha256',
  'SHA-384': 'sha384',
  'SHA-512': 'sha512',
}

/**
 * States.Hash(data, algorithm): the lower-case hex digest of the data's UTF-8 bytes. Algorithms
 * are MD5, SHA-1, SHA-256, SHA-384 and SHA-512, spelled exactly so.
 *
 * @example hash(['input data', 'MD5']) // '812f45842bc6d66ee14572ce20db8e86'
 */
export function hash(args: readonly JsonValue[]): string {
  const fn = 'States.Hash'
  const data = stringArg(fn, args[0] as JsonValue, 'the data (argument 1)')
  const algorithm = stringArg(fn, args[1] as JsonValue, 'the algorithm (argument 2)')
  if (data.length > HASH_MAX_INPUT_CHARS) {
    throw intrinsicFailure(
      fn,
      `the data has ${data.length} characters, but at most ${HASH_MAX_INPUT_CHARS} are allowed`,
    )
  }
  const nodeName = Object.hasOwn(ALGORITHMS, algorithm) ? ALGORITHMS[algorithm] : undefined
  if (nodeName === undefined) {
    throw intrinsicFailure(
      fn,
      `the algorithm '${algorithm}' is not supported; use one of ${Object.keys(ALGORITHMS).join(', ')}`,
    )
  }
  return createHash(nodeName).update(data, 'utf8').digest('hex')
}
