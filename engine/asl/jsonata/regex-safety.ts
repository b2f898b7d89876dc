/**
 * A JSONata regular expression (`/.../` literal, the only kind JSONata has) runs on JavaScript's
 * backtracking engine, which no evaluation bound can interrupt: `/(a+)+$/` against thirty `a`s and
 * a `!` takes minutes inside one native call. These shapes are refused before they run:
 *
 * - a repeated group that itself holds a repetition (`(a+)+`, `(\w*\s?)*`, `(.*,){20}`), the
 *   classic exponential case (star height above one);
 * - a back-reference (`\1`, `\k<name>`), which makes matching NP-hard.
 *
 * Everything else (alternations, anchors, classes, single quantifiers, lookarounds) is allowed.
 * AWS evaluates on the JVM with a time bound instead; refusing the shape is how millrace keeps a
 * hostile pattern from holding an engine thread.
 *
 * @example unsafeRegexReason('(a+)+$') // 'a repeated group contains a repetition'
 * @example unsafeRegexReason('^[a-z]+@[a-z]+$') // undefined
 */
export function unsafeRegexReason(source: string): string | undefined {
  // Per open group: does it (or anything nested in it) repeat without bound?
  const groups: boolean[] = []
  let i = 0
  while (i < source.length) {
    const c = source[i] as string
    if (c === '\\') {
      const n = source[i + 1] ?? ''
      if (/[1-9]/.test(n) || (n === 'k' && source[i + 2] === '<')) return 'it uses a back-reference'
      i = atomEnd(source, i + 2, groups)
      continue
    }
    if (c === '[') {
      i = atomEnd(source, skipClass(source, i), groups)
      continue
    }
    if (c === '(') {
      groups.push(false)
      i++
      // Skip the group prefix: (?: (?= (?! (?<= (?<! (?<name>
      if (source[i] === '?') {
        i++
        if (source[i] === '<' && source[i + 1] !== '=' && source[i + 1] !== '!') {
          const close = source.indexOf('>', i)
          i = close < 0 ? source.length : close + 1
        } else {
          i += source[i] === '<' ? 2 : 1
        }
      }
      continue
    }
    if (c === ')') {
      const inner = groups.pop() ?? false
      i++
      const q = quantifier(source, i)
      if (q && q.unbounded && inner) return 'a repeated group contains a repetition'
      if (q) i = q.end
      const repeats = inner || (q?.unbounded ?? false)
      if (repeats && groups.length > 0) groups[groups.length - 1] = true
      continue
    }
    i = atomEnd(source, i + 1, groups)
  }
  return undefined
}

/** After one atom ending at `at`: skip its quantifier, marking the enclosing group if unbounded. */
function atomEnd(source: string, at: number, groups: boolean[]): number {
  const q = quantifier(source, at)
  if (!q) return at
  if (q.unbounded && groups.length > 0) groups[groups.length - 1] = true
  return q.end
}

interface Quantifier {
  readonly end: number
  /** Repeats more than once with no fixed bound of 1: `*`, `+`, `{n,}`, `{n,m}` with m > 1. */
  readonly unbounded: boolean
}

function quantifier(source: string, at: number): Quantifier | undefined {
  const c = source[at]
  let end = at + 1
  let unbounded: boolean
  if (c === '*' || c === '+') unbounded = true
  else if (c === '?') unbounded = false
  else if (c === '{') {
    const m = /^\{(\d+)(,(\d*))?\}/.exec(source.slice(at))
    if (!m) return undefined
    end = at + m[0].length
    const max = m[2] === undefined ? Number(m[1]) : m[3] === '' ? Infinity : Number(m[3])
    unbounded = max > 1
  } else return undefined
  if (source[end] === '?' || source[end] === '+') end++ // lazy or possessive marker
  return { end, unbounded }
}

function skipClass(source: string, at: number): number {
  let i = at + 1
  if (source[i] === '^') i++
  if (source[i] === ']') i++
  while (i < source.length && source[i] !== ']') i += source[i] === '\\' ? 2 : 1
  return i + 1
}
