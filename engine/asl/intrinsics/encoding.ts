import type { JsonValue } from '../json.js'
import { intrinsicFailure, stringArg } from './failure.js'

/** AWS: Base64Encode takes "up to 10,000 characters"; Base64Decode "up to 10,000 characters". */
export const BASE64_MAX_INPUT_CHARS = 10_000

/** Standard alphabet, optional `=` padding; what Java's Base64.getDecoder() accepts. */
const BASE64 = /^[A-Za-z0-9+/]*$/

/**
 * States.Base64Encode(text): the base64 (standard alphabet, padded) of the text's UTF-8 bytes.
 *
 * @example base64Encode(['Data to encode']) // 'RGF0YSB0byBlbmNvZGU='
 */
export function base64Encode(args: readonly JsonValue[]): string {
  const fn = 'States.Base64Encode'
  const text = stringArg(fn, args[0] as JsonValue, 'the argument')
  checkLength(fn, text)
  return Buffer.from(text, 'utf8').toString('base64')
}

/**
 * States.Base64Decode(data): decode base64 into UTF-8 text. Padding may be left out; any
 * character outside the base64 alphabet fails (Node's own decoder would skip it silently).
 *
 * @example base64Decode(['RGF0YSB0byBlbmNvZGU=']) // 'Data to encode'
 */
export function base64Decode(args: readonly JsonValue[]): string {
  const fn = 'States.Base64Decode'
  const data = stringArg(fn, args[0] as JsonValue, 'the argument')
  checkLength(fn, data)
  const body = data.replace(/={1,2}$/, '')
  const padded = body.length !== data.length
  if (!BASE64.test(body) || body.length % 4 === 1 || (padded && data.length % 4 !== 0)) {
    throw intrinsicFailure(fn, 'the argument is not valid base64 data')
  }
  return Buffer.from(body, 'base64').toString('utf8')
}

function checkLength(fn: string, text: string): void {
  if (text.length > BASE64_MAX_INPUT_CHARS) {
    throw intrinsicFailure(
      fn,
      `the input has ${text.length} characters, but at most ${BASE64_MAX_INPUT_CHARS} are allowed`,
    )
  }
}
