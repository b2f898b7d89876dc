/**
 * The StringMatches pattern of a Choice rule.
 *
 * AWS: "Choice workflow state", Choice Rules (JSONPath), StringMatches: `*` matches any run of
 * characters (including none); `\*` is a literal asterisk and `\\` a literal backslash. A backslash
 * before any other character stands for that character, and a backslash at the very end for
 * itself.
 *
 * No regular expressions and no backtracking: the pattern is split at its stars into literal
 * segments. The first segment must be a prefix, the last a suffix, and the ones between are found
 * left to right, each as early as possible (taking the earliest occurrence never loses a match).
 * Each search is Knuth–Morris–Pratt, starting where the previous match ended, so a match costs
 * O(text + pattern) whatever the input: 10,000 stars against 100,000 characters stays linear.
 */

export interface WildcardPattern {
  /** Literal text between stars; one segment means the pattern has no star. */
  readonly segments: readonly string[]
  /** KMP failure table for each segment. */
  readonly tables: readonly (readonly number[])[]
}

/**
 * Compile a StringMatches pattern once.
 *
 * @example wildcardMatches(compileWildcard('log-*.txt'), 'log-2024.txt') // true
 */
export function compileWildcard(pattern: string): WildcardPattern {
  const segments: string[] = []
  let current = ''
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string
    if (c === '\\' && i + 1 < pattern.length) {
      current += pattern[++i] as string
    } else if (c === '*') {
      segments.push(current)
      current = ''
    } else {
      current += c
    }
  }
  segments.push(current)
  return { segments, tables: segments.map(failureTable) }
}

/** Whether the whole of `text` matches the pattern. */
export function wildcardMatches(pattern: WildcardPattern, text: string): boolean {
  const { segments, tables } = pattern
  const first = segments[0] as string
  if (segments.length === 1) return text === first
  const last = segments[segments.length - 1] as string
  if (text.length < first.length + last.length) return false
  if (!text.startsWith(first) || !text.endsWith(last)) return false
  let from = first.length
  const end = text.length - last.length
  for (let s = 1; s < segments.length - 1; s++) {
    const segment = segments[s] as string
    const at = find(text, from, end, segment, tables[s] as readonly number[])
    if (at < 0) return false
    from = at + segment.length
  }
  return true
}

// failure[i]: length of the longest proper prefix of segment[0..i] that is also its suffix.
function failureTable(segment: string): number[] {
  const failure = new Array<number>(segment.length).fill(0)
  let k = 0
  for (let i = 1; i < segment.length; i++) {
    while (k > 0 && segment[i] !== segment[k]) k = failure[k - 1] as number
    if (segment[i] === segment[k]) k++
    failure[i] = k
  }
  return failure
}

// First index >= from where segment occurs wholly inside text[from, end), or -1.
function find(
  text: string,
  from: number,
  end: number,
  segment: string,
  failure: readonly number[],
): number {
  if (segment.length === 0) return from
  let k = 0
  for (let i = from; i < end; i++) {
    while (k > 0 && text[i] !== segment[k]) k = failure[k - 1] as number
    if (text[i] === segment[k]) k++
    if (k === segment.length) return i - segment.length + 1
  }
  return -1
}
