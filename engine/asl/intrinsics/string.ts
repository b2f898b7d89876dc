import { isObject, type JsonValue } from '../json.js'
import { intrinsicFailure, stringArg } from './failure.js'

/**
 * States.Format(template, ...values): each `{}` in the template takes the next value.
 *
 * AWS: "Intrinsics for strings", States.Format. `\{`, `\}`, `\'` and `\\` stand for the character
 * itself, so `\{}` prints `{}`. That is why a literal template is read from its source text
 * (`raw`): the parser has already turned `\{` into `{` in the literal's value. A template from a
 * path or a nested call is read by the same rules. The number of placeholders must equal the
 * number of values.
 *
 * Values print as AWS's Java runtime prints them: strings without quotes, `null`, objects as
 * `{a=1, b=[]}` and arrays as `[1, 2]` (Java's Map and List toString), recorded on AWS in
 * intrinsic_functions.test_generic.test_format_2.
 *
 * @example format(['Hello, {}!', 'World']) // 'Hello, World!'
 */
export function format(args: readonly JsonValue[], raws: readonly (string | undefined)[]): string {
  const fn = 'States.Format'
  const template = raws[0] ?? stringArg(fn, args[0] as JsonValue, 'the template (argument 1)')
  const values = args.slice(1)
  const pieces: string[] = []
  let used = 0
  let text = ''
  for (let i = 0; i < template.length; i++) {
    const c = template[i] as string
    const next = template[i + 1]
    if (c === '\\' && next !== undefined && "'{}\\".includes(next)) {
      text += next
      i++
    } else if (c === '{' && next === '}') {
      pieces.push(text)
      text = ''
      used++
      i++
    } else {
      text += c
    }
  }
  if (used !== values.length) {
    throw intrinsicFailure(
      fn,
      `the template has ${used} placeholder${used === 1 ? '' : 's'} '{}' but ${values.length} value${values.length === 1 ? ' was' : 's were'} given`,
    )
  }
  let out = ''
  pieces.forEach((piece, i) => {
    out += piece + formatValue(values[i] as JsonValue)
  })
  return out + text
}

/** A value as Java's `toString` prints it inside States.Format. */
export function formatValue(value: JsonValue): string {
  if (typeof value === 'string') return value
  if (typeof value === 'number') return javaNumber(value)
  if (value === null || typeof value === 'boolean') return String(value)
  if (Array.isArray(value)) return `[${value.map(formatValue).join(', ')}]`
  if (isObject(value)) {
    return `{${Object.entries(value)
      .map(([k, v]) => `${k}=${formatValue(v)}`)
      .join(', ')}}`
  }
  return String(value)
}

/**
 * Numbers as Java prints them: integers in full (`100000000000000000000`), other doubles with
 * Double.toString's rule of plain text in [1e-3, 1e7) and `1.0E-4` style outside it.
 */
function javaNumber(n: number): string {
  if (Number.isInteger(n)) return BigInt(n).toString()
  const abs = Math.abs(n)
  if (abs >= 1e-3 && abs < 1e7) return String(n)
  const [mantissa = '', exponent = ''] = n.toExponential().split('e')
  return `${mantissa.includes('.') ? mantissa : `${mantissa}.0`}E${exponent.replace('+', '')}`
}

/**
 * States.StringSplit(text, delimiters): split on ANY character of `delimiters` and drop the empty
 * pieces, as Java's StringTokenizer does.
 *
 * AWS: "Intrinsics for strings", States.StringSplit. Recorded on AWS:
 * `StringSplit('This.is+a,test=string', '.+,=')` is `["This","is","a","test","string"]` and
 * `StringSplit(',,,,', ',')` is `[]` (intrinsic_functions.test_string_operations.test_string_split).
 *
 * @example stringSplit(['1,2,,3', ',']) // ['1', '2', '3']
 */
export function stringSplit(args: readonly JsonValue[]): string[] {
  const fn = 'States.StringSplit'
  const text = stringArg(fn, args[0] as JsonValue, 'the string to split (argument 1)')
  const delimiters = new Set(stringArg(fn, args[1] as JsonValue, 'the delimiter (argument 2)'))
  const out: string[] = []
  let piece = ''
  for (const c of text) {
    if (delimiters.has(c)) {
      if (piece !== '') out.push(piece)
      piece = ''
    } else {
      piece += c
    }
  }
  if (piece !== '') out.push(piece)
  return out
}
