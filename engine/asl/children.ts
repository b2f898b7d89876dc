import type { AslFailure } from './errors.js'

/** How a Parallel or Map judges its children as they finish. Pure, shared by every runtime. */
export interface ChildrenPolicy {
  readonly stateType: 'Parallel' | 'Map'
  readonly total: number
  readonly toleratedFailureCount?: number
  readonly toleratedFailurePercentage?: number
}

export type ChildrenVerdict =
  | { readonly kind: 'running' }
  | { readonly kind: 'succeeded' }
  | { readonly kind: 'failed'; readonly failure: AslFailure }

/**
 * A Parallel fails on its first failed branch. A Map fails once failures exceed
 * ToleratedFailureCount or ToleratedFailurePercentage, whichever is crossed first (with neither
 * set, on the first failure, with that iteration's error); otherwise it succeeds when every child has finished.
 *
 * AWS: "Setting failure thresholds for Distributed Map states" (the same fields apply inline).
 */
export function judgeChildren(
  policy: ChildrenPolicy,
  succeeded: number,
  failed: number,
  lastFailure: AslFailure | undefined,
): ChildrenVerdict {
  if (failed > 0) {
    const tolerant =
      policy.stateType === 'Map' &&
      (policy.toleratedFailureCount !== undefined ||
        policy.toleratedFailurePercentage !== undefined)
    if (!tolerant) return { kind: 'failed', failure: lastFailure ?? {} }
    const byCount =
      policy.toleratedFailureCount !== undefined && failed > policy.toleratedFailureCount
    const byPercent =
      policy.toleratedFailurePercentage !== undefined &&
      (failed / policy.total) * 100 > policy.toleratedFailurePercentage
    if (byCount || byPercent) {
      return {
        kind: 'failed',
        failure: {
          error: 'States.ExceedToleratedFailureThreshold',
          cause: 'The specified tolerated failure threshold for the Map run has been exceeded',
        },
      }
    }
  }
  return succeeded + failed === policy.total ? { kind: 'succeeded' } : { kind: 'running' }
}
