import type { JsonValue } from '../json.js'
import {
  array,
  arrayContains,
  arrayGetItem,
  arrayLength,
  arrayPartition,
  arrayRange,
  arrayUnique,
} from './array.js'
import type { IntrinsicEnv } from './ast.js'
import { base64Decode, base64Encode } from './encoding.js'
import { hash } from './hash.js'
import { jsonMerge, jsonToString, stringToJson } from './json.js'
import { mathAdd, mathRandom } from './math.js'
import { format, stringSplit } from './string.js'
import { uuid } from './uuid.js'

/** What a function gets besides its argument values. */
export interface CallContext {
  readonly env: IntrinsicEnv
  /** Per argument: the source text of a string literal (escapes intact), else undefined. */
  readonly raws: readonly (string | undefined)[]
}

export interface IntrinsicSpec {
  readonly minArgs: number
  readonly maxArgs: number
  readonly apply: (args: readonly JsonValue[], ctx: CallContext) => JsonValue
}

const spec = (minArgs: number, maxArgs: number, apply: IntrinsicSpec['apply']): IntrinsicSpec => ({
  minArgs,
  maxArgs,
  apply,
})

/**
 * The 18 intrinsic functions of JSONPath states with their argument counts (AWS: "Intrinsic
 * functions for JSONPath states in Step Functions"). The parser checks counts against this table.
 */
export const INTRINSICS: Readonly<Record<string, IntrinsicSpec>> = {
  'States.Format': spec(1, Infinity, (args, ctx) => format(args, ctx.raws)),
  'States.StringToJson': spec(1, 1, stringToJson),
  'States.JsonToString': spec(1, 1, jsonToString),
  'States.Array': spec(0, Infinity, array),
  'States.ArrayPartition': spec(2, 2, arrayPartition),
  'States.ArrayContains': spec(2, 2, arrayContains),
  'States.ArrayRange': spec(3, 3, arrayRange),
  'States.ArrayGetItem': spec(2, 2, arrayGetItem),
  'States.ArrayLength': spec(1, 1, arrayLength),
  'States.ArrayUnique': spec(1, 1, arrayUnique),
  'States.Base64Encode': spec(1, 1, base64Encode),
  'States.Base64Decode': spec(1, 1, base64Decode),
  'States.Hash': spec(2, 2, hash),
  'States.JsonMerge': spec(3, 3, jsonMerge),
  'States.MathRandom': spec(2, 3, (args, ctx) => mathRandom(args, ctx.env)),
  'States.MathAdd': spec(2, 2, mathAdd),
  'States.StringSplit': spec(2, 2, stringSplit),
  'States.UUID': spec(0, 0, (_args, ctx) => uuid(ctx.env)),
}

export function lookupIntrinsic(name: string): IntrinsicSpec | undefined {
  return Object.hasOwn(INTRINSICS, name) ? INTRINSICS[name] : undefined
}

/** "takes 2 arguments", "takes 2 or 3 arguments", "takes at least 1 argument". */
export function describeArity({ minArgs, maxArgs }: IntrinsicSpec): string {
  const plural = (n: number): string => `${n} argument${n === 1 ? '' : 's'}`
  if (maxArgs === Infinity) return `takes at least ${plural(minArgs)}`
  if (minArgs === maxArgs) return `takes ${plural(minArgs)}`
  return `takes ${minArgs} or ${plural(maxArgs)}`
}
