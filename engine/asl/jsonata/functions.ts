import { createHash } from 'node:crypto'
import { javaRandomDouble } from './java-random.js'

/**
 * The functions Step Functions adds to JSONata, with AWS's edge cases: arguments that make a
 * function answer nothing (undefined) rather than fail, and signatures whose violations are the
 * library's own T0410 errors.
 *
 * AWS: "Transforming data with JSONata in Step Functions", "JSONata functions provided by Step
 * Functions". Edge cases as measured on AWS (TestState): non-integers are truncated toward zero;
 * `$partition` of an empty array or with chunk size 0 and `$range` with no step, step 0 or a step
 * against the direction answer nothing; a one-element `$range` is the bare number; `$hash` with no
 * algorithm answers nothing; `$random(seed)` is java.util.Random's nextDouble; `$eval` is not
 * available (calling it is T1006, "Attempted to invoke a non-function").
 */

/** What the functions need from outside; the interpreter's env, so replays are identical. */
export interface JsonataFunctionEnv {
  uuid(): string
  /** A number in [0, 1). */
  random(): number
  /** Milliseconds since the epoch, for `$now()` and `$millis()`. */
  readonly now: number
}

/** An error JSONata reports with a code, as `CODE: message` (the library reads `code`). */
export class CodedError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message)
  }
}

/** A bound AWS enforces without a JSONata code; AWS joins it to its sentence with ': '. */
export class EvaluationBoundError extends Error {}

/** AWS: "Expression evaluation memory limit exceeded" (one value over ~6.99 MB). */
export const MEMORY_LIMIT_MESSAGE =
  'Expression evaluation memory limit exceeded: Check for excessive memory usage'

/** AWS refuses `$range` results over this many elements (measured: 360,145 pass, one more fails). */
export const MAX_RANGE_ELEMENTS = 360_145

const HASH_ALGORITHMS: Readonly<Record<string, string>> = {
  MD5: 'md5',
  'SHA-1': 'sha1',
  'SHA-256': 'sha256',
  'SHA-384': 'sha384',
  'SHA-512': 'sha512',
}

/** The binding name under which evaluation passes the env to the functions. */
export const ENV_BINDING = '__millrace_env'

interface Focus {
  readonly environment: { lookup(name: string): unknown }
}

function envOf(focus: Focus): JsonataFunctionEnv {
  return focus.environment.lookup(ENV_BINDING) as JsonataFunctionEnv
}

function coded(code: string, message: string): CodedError {
  return new CodedError(code, message)
}

/** `$partition(array, size)`: consecutive chunks of `size` items, the last holding the rest. */
export function partition(array: unknown[], size?: number): unknown[][] | undefined {
  if (size === undefined) return array.length === 0 ? undefined : [array.slice()]
  const chunk = Math.trunc(size)
  if (chunk < 0) throw coded('D3137', 'Second argument must be zero or greater')
  if (chunk === 0 || array.length === 0) return undefined
  const out: unknown[][] = []
  for (let i = 0; i < array.length; i += chunk) out.push(array.slice(i, i + chunk))
  return out
}

/** `$range(start, end, step)`: start, start+step … while not past end (end included). */
export function range(start: number, end: number, step?: number): number | number[] | undefined {
  if (step === undefined) return undefined
  if (![start, end, step].every(Number.isFinite)) {
    throw coded('D3137', 'The arguments of the range function must be finite numbers')
  }
  const first = Math.trunc(start)
  const last = Math.trunc(end)
  const by = Math.trunc(step)
  if (by === 0 || (by > 0 && first > last) || (by < 0 && first < last)) return undefined
  const count = Math.floor(Math.abs(last - first) / Math.abs(by)) + 1
  if (count > MAX_RANGE_ELEMENTS) throw new EvaluationBoundError(MEMORY_LIMIT_MESSAGE)
  if (count === 1) return first
  const out = new Array<number>(count)
  for (let i = 0; i < count; i++) out[i] = first + i * by
  return out
}

/** `$hash(value, algorithm)`: the lower-case hex digest of the value's UTF-8 bytes. */
export function hash(value: string, algorithm?: string): string | undefined {
  if (algorithm === undefined) return undefined
  const name = Object.hasOwn(HASH_ALGORITHMS, algorithm) ? HASH_ALGORITHMS[algorithm] : undefined
  if (name === undefined) {
    throw coded(
      'D3137',
      `The hash algorithm '${algorithm}' is not supported; use one of ${Object.keys(HASH_ALGORITHMS).join(', ')}`,
    )
  }
  return createHash(name).update(value, 'utf8').digest('hex')
}

/**
 * `$parse(text)`: the JSON value the text holds. Stricter than JSON.parse, as AWS's parser is: a
 * repeated key or a number too large for a double is invalid.
 */
export function parseJson(text?: string): unknown {
  if (text === undefined) return undefined
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    throw coded('D3137', 'Invalid JSON')
  }
  if (!finiteEverywhere(value) || hasDuplicateKey(text)) throw coded('D3137', 'Invalid JSON')
  return value
}

function finiteEverywhere(value: unknown): boolean {
  if (typeof value === 'number') return Number.isFinite(value)
  if (Array.isArray(value)) return value.every(finiteEverywhere)
  if (value !== null && typeof value === 'object')
    return Object.values(value).every(finiteEverywhere)
  return true
}

/** Scans JSON text that JSON.parse accepted for an object with the same key twice. */
function hasDuplicateKey(text: string): boolean {
  const stack: (Set<string> | null)[] = []
  let expectKey = false
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (c === '"') {
      let j = i + 1
      while (text[j] !== '"') j += text[j] === '\\' ? 2 : 1
      const top = stack[stack.length - 1]
      if (expectKey && top) {
        const key = JSON.parse(text.slice(i, j + 1)) as string
        if (top.has(key)) return true
        top.add(key)
        expectKey = false
      }
      i = j
    } else if (c === '{') {
      stack.push(new Set())
      expectKey = true
    } else if (c === '[') {
      stack.push(null)
    } else if (c === '}' || c === ']') {
      stack.pop()
    } else if (c === ',') {
      expectKey = stack[stack.length - 1] instanceof Set
    }
  }
  return false
}

/** One function as JSONata's registerFunction takes it: implementation and signature. */
export interface FunctionSpec {
  readonly implementation: (this: Focus, ...args: never[]) => unknown
  readonly signature: string
}

/**
 * Every function AWS adds, keyed by name (without `$`). Signatures follow JSONata's syntax, so a
 * wrong argument type or count is the library's T0410.
 */
export const AWS_FUNCTIONS: Readonly<Record<string, FunctionSpec>> = {
  partition: { implementation: partition, signature: '<an?:a>' },
  range: { implementation: range, signature: '<nnn?:x>' },
  hash: { implementation: hash, signature: '<ss?:s>' },
  parse: { implementation: parseJson, signature: '<s?:x>' },
  uuid: {
    implementation(this: Focus) {
      return envOf(this).uuid()
    },
    signature: '<:s>',
  },
  random: {
    implementation(this: Focus, seed?: number) {
      return seed === undefined ? envOf(this).random() : javaRandomDouble(seed)
    },
    signature: '<n?:n>',
  },
  // The execution's clock, not the host's: the interpreter stays replayable.
  now: {
    implementation(this: Focus, picture?: string, timezone?: string) {
      const fromMillis = this.environment.lookup('fromMillis') as {
        implementation: (millis: number, picture?: string, timezone?: string) => string
      }
      return fromMillis.implementation(envOf(this).now, picture, timezone)
    },
    signature: '<s?s?:s>',
  },
  millis: {
    implementation(this: Focus) {
      return envOf(this).now
    },
    signature: '<:n>',
  },
}
