import { MillraceError } from '../errors.js'
import { validationError } from './validation.js'

/**
 * Page sizes and opaque `nextToken`s for the List* and GetExecutionHistory use cases.
 *
 * A token is base64url JSON `{ k, s, a }`: which listing it belongs to (`k`), the scope it was
 * made for (`s`: the state machine and status filter, or the execution and direction) and the
 * keyset cursor (`a`: the last row of the page). AWS asks callers to keep the other arguments
 * unchanged; a token used with different ones, or one that does not decode, is InvalidToken,
 * which is what AWS answers (GetExecutionHistory: "HTTP 400 InvalidToken error").
 */

/** AWS's page size when maxResults is absent or 0. */
export const DEFAULT_PAGE_SIZE = 100
/** AWS's largest page. */
export const MAX_PAGE_SIZE = 1000
/** AWS: nextToken "Length Constraints: Minimum length of 1. Maximum length of 1024." */
export const MAX_TOKEN_LENGTH = 1024

/**
 * The page size for `maxResults`: AWS's default (100) when absent or 0, else 1–1000.
 *
 * @example
 * pageSize(undefined) // 100
 * pageSize(2000) // throws ValidationException
 */
export function pageSize(maxResults: unknown): number {
  if (maxResults === undefined || maxResults === null || maxResults === 0) return DEFAULT_PAGE_SIZE
  if (typeof maxResults !== 'number' || !Number.isInteger(maxResults)) {
    throw validationError('maxResults', 'Member must be an integer')
  }
  if (maxResults < 0) {
    throw validationError('maxResults', 'Member must have value greater than or equal to 0')
  }
  if (maxResults > MAX_PAGE_SIZE) {
    throw validationError(
      'maxResults',
      `Member must have value less than or equal to ${MAX_PAGE_SIZE}`,
    )
  }
  return maxResults
}

/** Makes the token that continues a listing after `after`. */
export function encodeToken(kind: string, scope: string, after: string | number): string {
  return Buffer.from(JSON.stringify({ k: kind, s: scope, a: after }), 'utf8').toString('base64url')
}

/**
 * The cursor of a token made by {@link encodeToken} for the same kind and scope; undefined when
 * there is no token. `check` narrows the cursor to the type the query needs.
 */
export function decodeToken<T>(
  token: unknown,
  kind: string,
  scope: string,
  check: (after: unknown) => after is T,
): T | undefined {
  if (token === undefined || token === null) return undefined
  if (typeof token !== 'string' || token.length === 0 || token.length > MAX_TOKEN_LENGTH) {
    throw invalidToken()
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'))
  } catch {
    throw invalidToken()
  }
  if (typeof parsed !== 'object' || parsed === null) throw invalidToken()
  const { k, s, a } = parsed as { k?: unknown; s?: unknown; a?: unknown }
  if (k !== kind || s !== scope || !check(a)) throw invalidToken()
  return a
}

export function isPositiveInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value)
}

function invalidToken(): MillraceError {
  return new MillraceError(
    'InvalidToken',
    'Invalid Token: the nextToken is not valid for this request (keep the other arguments unchanged)',
    { field: 'nextToken' },
  )
}
