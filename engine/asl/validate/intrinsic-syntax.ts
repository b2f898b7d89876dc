import { compilePath } from '../paths/path.js'

/**
 * A definition-time check of intrinsic function calls such as
 * `States.Format('Hello {}', $.name)`: the syntax, the function names and the argument counts.
 *
 * This is the validator's own small recognizer. engine/asl/intrinsics (written in parallel) owns
 * the real parser that builds the AST the interpreter runs; once its `parseIntrinsic` is exported
 * from intrinsics/index.ts, `checkIntrinsic` should delegate the syntax part to it so both agree.
 *
 * AWS: "Intrinsic functions for JSONPath states" — string literals are single-quoted and escape
 * `'`, `{`, `}` and `\` with a backslash; arguments are literals, paths or nested calls.
 */

/** [min, max] argument counts; max undefined means any number. AWS: "Intrinsic functions". */
const ARITY: Readonly<Record<string, readonly [number, number | undefined]>> = {
  'States.Format': [1, undefined],
  'States.StringToJson': [1, 1],
  'States.JsonToString': [1, 1],
  'States.Array': [0, undefined],
  'States.ArrayPartition': [2, 2],
  'States.ArrayContains': [2, 2],
  'States.ArrayRange': [3, 3],
  'States.ArrayGetItem': [2, 2],
  'States.ArrayLength': [1, 1],
  'States.ArrayUnique': [1, 1],
  'States.Base64Encode': [1, 1],
  'States.Base64Decode': [1, 1],
  'States.Hash': [2, 2],
  'States.JsonMerge': [3, 3],
  'States.MathRandom': [2, 3],
  'States.MathAdd': [2, 2],
  'States.StringSplit': [2, 2],
  'States.UUID': [0, 0],
}

export interface IntrinsicProblem {
  /** `error`: the text cannot be a call AWS accepts. `warning`: it parses but cannot run. */
  readonly severity: 'error' | 'warning'
  readonly message: string
}

/** True when the text is meant as an intrinsic call rather than a path. */
export function looksLikeIntrinsic(text: string): boolean {
  return /^\s*States\.[A-Za-z0-9]*\s*\(/.test(text)
}

/**
 * Checks one intrinsic call; answers every problem found (empty when the call is fine).
 *
 * @example checkIntrinsic("States.MathAdd($.a)") // [{ severity: 'warning', message: '... 2 ...' }]
 */
export function checkIntrinsic(text: string): IntrinsicProblem[] {
  const problems: IntrinsicProblem[] = []
  const parser = new Parser(text, problems)
  try {
    parser.skipSpace()
    parser.call()
    parser.skipSpace()
    if (!parser.atEnd()) parser.fail(`unexpected text after the call: '${parser.rest()}'`)
  } catch (err) {
    if (!(err instanceof SyntaxFailure)) throw err
    problems.push({ severity: 'error', message: err.message })
  }
  return problems
}

class SyntaxFailure extends Error {}

/** `[?(...)]`: AWS evaluates JSONPath filters; millrace's path engine does not (paths/path.ts). */
export function hasFilter(path: string): boolean {
  return /\[\s*\?\s*\(/.test(path)
}

class Parser {
  #i = 0

  constructor(
    private readonly text: string,
    private readonly problems: IntrinsicProblem[],
  ) {}

  atEnd(): boolean {
    return this.#i >= this.text.length
  }

  rest(): string {
    return this.text.slice(this.#i)
  }

  fail(message: string): never {
    throw new SyntaxFailure(message)
  }

  skipSpace(): void {
    while (this.#i < this.text.length && /\s/.test(this.text[this.#i] as string)) this.#i++
  }

  call(): void {
    const m = /^States\.[A-Za-z0-9]+/.exec(this.rest())
    if (!m) this.fail(`expected an intrinsic function such as States.Format at '${this.rest()}'`)
    const name = m[0]
    this.#i += name.length
    this.skipSpace()
    if (this.text[this.#i] !== '(') this.fail(`expected '(' after ${name}`)
    this.#i++
    let count = 0
    this.skipSpace()
    if (this.text[this.#i] === ')') {
      this.#i++
    } else {
      for (;;) {
        this.skipSpace()
        this.arg()
        count++
        this.skipSpace()
        const c = this.text[this.#i]
        this.#i++
        if (c === ',') continue
        if (c === ')') break
        this.fail(`expected ',' or ')' in the arguments of ${name}`)
      }
    }
    const arity = ARITY[name]
    if (!arity) {
      this.problems.push({
        severity: 'error',
        message: `'${name}' is not an intrinsic function (known: ${Object.keys(ARITY).join(', ')})`,
      })
      return
    }
    const [min, max] = arity
    if (count < min || (max !== undefined && count > max)) {
      const expected =
        max === undefined ? `at least ${min}` : min === max ? `${min}` : `${min} to ${max}`
      this.problems.push({
        severity: 'warning',
        message: `${name} takes ${expected} argument${expected === '1' ? '' : 's'}, not ${count}`,
      })
    }
  }

  arg(): void {
    const c = this.text[this.#i]
    if (c === "'") return this.stringLiteral()
    if (c === '$') return this.path()
    if (this.rest().startsWith('States.')) return this.call()
    const literal = /^(-?\d+(\.\d+)?([eE][+-]?\d+)?|true|false|null)(?=\s*[,)])/.exec(this.rest())
    if (literal) {
      this.#i += literal[0].length
      return
    }
    this.fail(`'${this.rest()}' is not a string, number, boolean, null, path or intrinsic call`)
  }

  stringLiteral(): void {
    this.#i++
    while (this.#i < this.text.length) {
      const c = this.text[this.#i]
      if (c === '\\') {
        this.#i += 2
        continue
      }
      this.#i++
      if (c === "'") return
    }
    this.fail('a string literal is not closed with a single quote')
  }

  /** A path runs to the next `,` or `)` outside brackets and quotes. */
  path(): void {
    const start = this.#i
    let depth = 0
    let quote: string | undefined
    while (this.#i < this.text.length) {
      const c = this.text[this.#i] as string
      if (quote) {
        if (c === '\\') this.#i++
        else if (c === quote) quote = undefined
      } else if (c === "'" || c === '"') {
        quote = c
      } else if (c === '[' || c === '(') {
        depth++
      } else if (c === ']' || c === ')') {
        if (depth === 0) break
        depth--
      } else if (c === ',' && depth === 0) {
        break
      }
      this.#i++
    }
    const path = this.text.slice(start, this.#i).trim()
    if (hasFilter(path)) {
      this.problems.push({
        severity: 'warning',
        message: `argument '${path}' uses a JSONPath filter expression, which millrace does not evaluate`,
      })
      return
    }
    try {
      compilePath(path)
    } catch (err) {
      this.fail(`argument '${path}' is not a valid path: ${(err as Error).message}`)
    }
  }
}
