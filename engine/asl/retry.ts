import { errorMatches } from './errors.js'

/** A compiled Retrier. AWS: "Retrying after an error" (Retry field). */
export interface Retrier {
  readonly errorEquals: readonly string[]
  readonly intervalSeconds: number
  readonly maxAttempts: number
  readonly backoffRate: number
  readonly maxDelaySeconds?: number
  readonly jitter: 'FULL' | 'NONE'
}

export function compileRetrier(raw: Record<string, unknown>): Retrier {
  const maxDelay = raw['MaxDelaySeconds']
  return {
    errorEquals: raw['ErrorEquals'] as string[],
    intervalSeconds: (raw['IntervalSeconds'] as number | undefined) ?? 1,
    maxAttempts: (raw['MaxAttempts'] as number | undefined) ?? 3,
    backoffRate: (raw['BackoffRate'] as number | undefined) ?? 2,
    ...(typeof maxDelay === 'number' ? { maxDelaySeconds: maxDelay } : {}),
    jitter: raw['JitterStrategy'] === 'FULL' ? 'FULL' : 'NONE',
  }
}

export type RetryDecision =
  | { readonly kind: 'retry'; readonly retrierIndex: number; readonly delayMs: number }
  | { readonly kind: 'exhausted' }

/**
 * Decide whether an error is retried. The first retrier whose ErrorEquals matches decides,
 * even when its attempts are used up (AWS does not fall through to later retriers).
 * `attempts[i]` counts the retries already made by retrier i. `random` is in [0, 1).
 */
export function decideRetry(
  retriers: readonly Retrier[],
  attempts: readonly number[],
  error: string,
  random: () => number,
): RetryDecision {
  const index = retriers.findIndex((r) => errorMatches(r.errorEquals, error))
  if (index < 0) return { kind: 'exhausted' }
  const r = retriers[index] as Retrier
  const made = attempts[index] ?? 0
  if (made >= r.maxAttempts) return { kind: 'exhausted' }
  let delay = r.intervalSeconds * Math.pow(r.backoffRate, made)
  if (r.maxDelaySeconds !== undefined) delay = Math.min(delay, r.maxDelaySeconds)
  if (r.jitter === 'FULL') delay = random() * delay
  return { kind: 'retry', retrierIndex: index, delayMs: Math.round(delay * 1000) }
}
