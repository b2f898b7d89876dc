import { compilePath, PathSyntaxError } from '../paths/path.js'
import type { IntrinsicArg, IntrinsicCall } from './ast.js'
import { describeArity, lookupIntrinsic } from './functions.js'

/** A field value that cannot be an intrinsic call; the message names the problem and where. */
export class IntrinsicSyntaxError extends Error {}

/** AWS: "You can nest up to 10 intrinsic functions within a field." */
export const MAX_NESTING = 10

const CALL_START = /^\s*States\.[A-Za-z0-9]+\s*\(/
const FUNCTION_NAME = /States\.[A-Za-z0-9]+/y
const NUMBER = /-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/y
const WORD = /[A-Za-z_][A-Za-z0-9_]*/y
/** Characters a string literal escapes with a backslash (AWS: "Reserved characters"). */
const ESCAPABLE = "'{}\\"

/**
 * Whether a `.$` field's text is meant as an intrinsic call (`States.Name(…)`) rather than a path.
 *
 * @example isIntrinsicCall("States.Array($.a)") // true
 */
export function isIntrinsicCall(text: string): boolean {
  return typeof text === 'string' && CALL_START.test(text) && text.trimEnd().endsWith(')')
}

/**
 * Parse an intrinsic call once, when the definition is compiled. Checks the syntax, that every
 * function exists, each argument count, every path and the nesting depth (at most 10 calls
 * deep). Throws IntrinsicSyntaxError naming the problem.
 *
 * Arguments: string literals in single quotes (`\'`, `\{`, `\}`, `\\` escape the character),
 * numbers, `true`, `false`, `null`, paths (`$.x`, `$`, `$$.Execution.Id`, `$var`, brackets) and
 * nested calls.
 *
 * @example parseIntrinsic("States.MathAdd($.n, 1)").args.length // 2
 */
export function parseIntrinsic(text: string): IntrinsicCall {
  const parser = new Parser(text)
  parser.skipSpace()
  const call = parser.call(1)
  parser.skipSpace()
  if (!parser.atEnd()) throw parser.error('unexpected text after the closing parenthesis')
  return call
}

class Parser {
  private pos = 0

  constructor(private readonly text: string) {}

  atEnd(): boolean {
    return this.pos >= this.text.length
  }

  skipSpace(): void {
    while (!this.atEnd() && /\s/.test(this.text[this.pos] as string)) this.pos++
  }

  error(problem: string): IntrinsicSyntaxError {
    return new IntrinsicSyntaxError(
      `Invalid intrinsic function call '${this.text}': ${problem} at position ${this.pos}`,
    )
  }

  call(depth: number): IntrinsicCall {
    if (depth > MAX_NESTING) {
      throw this.error(`intrinsic functions are nested more than ${MAX_NESTING} deep`)
    }
    const name = this.match(FUNCTION_NAME)
    if (name === undefined) throw this.error("expected a function name such as 'States.Format'")
    const spec = lookupIntrinsic(name)
    if (!spec) {
      this.pos -= name.length
      throw this.error(`'${name}' is not an intrinsic function`)
    }
    this.skipSpace()
    this.expect('(')
    const args: IntrinsicArg[] = []
    this.skipSpace()
    if (this.peek() === ')') {
      this.pos++
    } else {
      for (;;) {
        this.skipSpace()
        args.push(this.arg(depth))
        this.skipSpace()
        const c = this.peek()
        if (c === ',') {
          this.pos++
        } else if (c === ')') {
          this.pos++
          break
        } else {
          throw this.error(c === undefined ? "missing ')'" : `expected ',' or ')' but found '${c}'`)
        }
      }
    }
    if (args.length < spec.minArgs || args.length > spec.maxArgs) {
      throw this.error(`${name} ${describeArity(spec)}, but got ${args.length}`)
    }
    return { kind: 'call', name, args }
  }

  private arg(depth: number): IntrinsicArg {
    const c = this.peek()
    if (c === "'") return this.string()
    if (c === '$') return this.path()
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return this.number()
    if (this.text.startsWith('States.', this.pos)) return this.call(depth + 1)
    const word = this.match(WORD)
    if (word === 'true' || word === 'false') return { kind: 'literal', value: word === 'true' }
    if (word === 'null') return { kind: 'literal', value: null }
    if (word !== undefined) this.pos -= word.length
    throw this.error(c === undefined ? 'missing argument' : `unexpected '${c}'`)
  }

  private string(): IntrinsicArg {
    this.pos++ // opening quote
    const start = this.pos
    let value = ''
    for (;;) {
      const c = this.peek()
      if (c === undefined) {
        this.pos = start - 1
        throw this.error('unterminated string literal')
      }
      if (c === "'") break
      const next = this.text[this.pos + 1]
      if (c === '\\' && next !== undefined && ESCAPABLE.includes(next)) {
        value += next
        this.pos += 2
      } else {
        value += c
        this.pos++
      }
    }
    const raw = this.text.slice(start, this.pos)
    this.pos++ // closing quote
    return { kind: 'literal', value, raw }
  }

  private number(): IntrinsicArg {
    const text = this.match(NUMBER)
    if (text === undefined) throw this.error('invalid number')
    return { kind: 'literal', value: Number(text) + 0 }
  }

  /** A path runs to the next `,`, `)` or space outside brackets, parentheses and quotes. */
  private path(): IntrinsicArg {
    const start = this.pos
    let brackets = 0
    let parens = 0
    let quote: string | undefined
    for (; !this.atEnd(); this.pos++) {
      const c = this.text[this.pos] as string
      if (quote !== undefined) {
        if (c === '\\') this.pos++
        else if (c === quote) quote = undefined
      } else if (brackets > 0 && (c === "'" || c === '"')) {
        quote = c
      } else if (c === '[') {
        brackets++
      } else if (c === ']') {
        brackets = Math.max(0, brackets - 1)
      } else if (c === '(') {
        parens++
      } else if (c === ')' && parens > 0) {
        parens--
      } else if (brackets === 0 && parens === 0 && (c === ',' || c === ')' || /\s/.test(c))) {
        break
      }
    }
    const text = this.text.slice(start, this.pos)
    try {
      return { kind: 'path', path: compilePath(text) }
    } catch (err) {
      if (!(err instanceof PathSyntaxError)) throw err
      this.pos = start
      throw this.error(`invalid path '${text}' (${err.message})`)
    }
  }

  private peek(): string | undefined {
    return this.text[this.pos]
  }

  private expect(c: string): void {
    if (this.peek() !== c) {
      throw this.error(
        this.atEnd() ? `missing '${c}'` : `expected '${c}' but found '${this.peek()}'`,
      )
    }
    this.pos++
  }

  private match(re: RegExp): string | undefined {
    re.lastIndex = this.pos
    const m = re.exec(this.text)
    if (!m) return undefined
    this.pos += m[0].length
    return m[0]
  }
}
