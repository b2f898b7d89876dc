import { MillraceError } from '../errors.js'
import type { FunctionRow } from '../store/functions.js'
import type { ServiceContext } from './context.js'
import { validationError } from './validation.js'

/**
 * What the function registry use cases share: the checks of a function's fields and the shape
 * a function is answered in.
 */

/** Lambda's function name rule: 1–64 letters, digits, hyphens and underscores. */
const FUNCTION_NAME = /^[A-Za-z0-9_-]{1,64}$/
/** Longest timeout a function may have: Lambda's 15 minutes. */
export const MAX_FUNCTION_TIMEOUT_SECONDS = 900
export const DEFAULT_FUNCTION_TIMEOUT_SECONDS = 60
const MAX_URL_LENGTH = 2048
// RFC 9110 token characters.
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/
/** Headers the dispatcher sets itself or that would break the request framing. */
const RESERVED_HEADERS = new Set([
  'host',
  'content-length',
  'content-type',
  'connection',
  'transfer-encoding',
  'keep-alive',
  'upgrade',
  'expect',
  'te',
  'trailer',
  'idempotency-key',
])

/** A function as the registry answers it. */
export interface FunctionDescription {
  readonly name: string
  /** `arn:aws:lambda:<region>:<account>:function:<name>`: the Resource that calls it. */
  readonly functionArn: string
  readonly url: string
  readonly timeoutSeconds: number
  readonly headers: Readonly<Record<string, string>>
  /** At most this many calls in flight per engine process; absent: the dispatcher's default. */
  readonly maxConcurrency?: number
  readonly createdAt: Date
  readonly updatedAt: Date
}

export function functionArn(ctx: ServiceContext, name: string): string {
  return `arn:aws:lambda:${ctx.engine.region}:${ctx.engine.accountId}:function:${name}`
}

export function describeFunctionRow(ctx: ServiceContext, row: FunctionRow): FunctionDescription {
  return {
    name: row.name,
    functionArn: functionArn(ctx, row.name),
    url: row.url,
    timeoutSeconds: row.timeoutSeconds,
    headers: row.headers,
    ...(row.maxConcurrency !== null ? { maxConcurrency: row.maxConcurrency } : {}),
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  }
}

/**
 * A function name, or the name in a Lambda function ARN (with or without a version or alias
 * qualifier, which millrace ignores). Throws ValidationException.
 *
 * @example
 * checkFunctionName('echo') // 'echo'
 * checkFunctionName('arn:aws:lambda:us-east-1:000000000000:function:echo:prod') // 'echo'
 */
export function checkFunctionName(value: unknown, field = 'name'): string {
  if (typeof value !== 'string') throw validationError(field, 'Member must not be null')
  const name = value.startsWith('arn:') ? (value.split(':')[6] ?? '') : value
  if (!FUNCTION_NAME.test(name)) {
    throw validationError(
      field,
      'Member must satisfy regular expression pattern: [A-Za-z0-9_-]{1,64} (or a Lambda function ARN)',
    )
  }
  return name
}

export function checkFunctionUrl(value: unknown, field = 'url'): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw validationError(field, 'Member must not be null')
  }
  if (value.length > MAX_URL_LENGTH) {
    throw validationError(field, `Member must have length less than or equal to ${MAX_URL_LENGTH}`)
  }
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw validationError(field, 'Member must be an absolute http:// or https:// URL')
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw validationError(field, 'Member must be an absolute http:// or https:// URL')
  }
  if (url.username !== '' || url.password !== '') {
    throw validationError(field, 'Member must not carry credentials: use headers')
  }
  return value
}

export function checkTimeoutSeconds(value: unknown, field = 'timeoutSeconds'): number {
  if (value === undefined || value === null) return DEFAULT_FUNCTION_TIMEOUT_SECONDS
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw validationError(field, 'Member must be an integer greater than or equal to 1')
  }
  if (value > MAX_FUNCTION_TIMEOUT_SECONDS) {
    throw validationError(
      field,
      `Member must have value less than or equal to ${MAX_FUNCTION_TIMEOUT_SECONDS}`,
    )
  }
  return value
}

export function checkMaxConcurrency(value: unknown, field = 'maxConcurrency'): number | null {
  if (value === undefined || value === null) return null
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 10_000) {
    throw validationError(field, 'Member must be an integer between 1 and 10000')
  }
  return value
}

export function checkHeaders(value: unknown, field = 'headers'): Record<string, string> {
  if (value === undefined || value === null) return {}
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw validationError(field, 'Member must be an object of header names to string values')
  }
  const headers: Record<string, string> = {}
  for (const [name, v] of Object.entries(value as Record<string, unknown>)) {
    if (!HEADER_NAME.test(name)) throw validationError(`${field}.${name}`, 'Invalid header name')
    const lower = name.toLowerCase()
    if (RESERVED_HEADERS.has(lower) || lower.startsWith('x-millrace-')) {
      throw validationError(`${field}.${name}`, 'The dispatcher sets this header itself')
    }
    if (typeof v !== 'string' || /[\r\n\0]/.test(v)) {
      throw validationError(`${field}.${name}`, 'Member must be a string without line breaks')
    }
    headers[name] = v
  }
  return headers
}

export function functionDoesNotExist(ctx: ServiceContext, name: string): MillraceError {
  return new MillraceError(
    'FunctionDoesNotExist',
    `Function not found: ${functionArn(ctx, name)}`,
    { name },
  )
}

/** NOTIFY channel: a function was put or deleted (payload: its name). Dispatchers drop their copy. */
export { FUNCTIONS_CHANNEL } from '../runtime/dispatch/function-registry.js'
