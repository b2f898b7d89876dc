import { STATUS_CODES } from 'node:http'
import { isObject, type JsonObject, type JsonValue } from '../../asl/index.js'
import type { TaskOutcome } from '../run-in-memory.js'

/**
 * The `arn:aws:states:::http:invoke` integration (AWS: "Call HTTPS APIs in Step Functions
 * workflows"): the request its Parameters describe, and the task result AWS makes of the answer.
 *
 * Parameters: ApiEndpoint (the URL), Method, Headers, QueryParameters, RequestBody, and
 * Transform { RequestBodyEncoding: NONE | URL_ENCODED, RequestEncodingOptions: { ArrayFormat:
 * INDICES | REPEAT | COMMAS | BRACKETS } }. Authentication (an EventBridge connection) has no
 * meaning here: put credentials in Headers.
 */

export interface HttpInvokeRequest {
  readonly url: URL
  readonly method: string
  readonly headers: Record<string, string>
  readonly body?: string
}

const METHODS = new Set(['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS'])
/** Headers a task may not set: the transport's own (framing, routing). */
const FORBIDDEN_HEADERS = new Set([
  'host',
  'content-length',
  'connection',
  'transfer-encoding',
  'keep-alive',
  'upgrade',
  'expect',
  'te',
  'trailer',
])

type ArrayFormat = 'INDICES' | 'REPEAT' | 'COMMAS' | 'BRACKETS'

/** Reads the task's Parameters; answers the request, or a failure naming what is wrong. */
export function httpInvokeRequest(parameters: JsonValue): HttpInvokeRequest | TaskOutcome {
  const p = isObject(parameters) ? parameters : {}
  const endpoint = p['ApiEndpoint']
  if (typeof endpoint !== 'string') return runtimeError('ApiEndpoint must be a URL string')
  let url: URL
  try {
    url = new URL(endpoint)
  } catch {
    return runtimeError(`ApiEndpoint '${endpoint}' is not a URL`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return runtimeError(`ApiEndpoint '${endpoint}' is not an http or https URL`)
  }
  if (url.username !== '' || url.password !== '') {
    return runtimeError('ApiEndpoint must not carry credentials: use Headers')
  }
  const method = typeof p['Method'] === 'string' ? p['Method'].toUpperCase() : ''
  if (!METHODS.has(method)) {
    return runtimeError(`Method ${JSON.stringify(p['Method'] ?? null)} is not supported`)
  }

  const transform = isObject(p['Transform']) ? p['Transform'] : {}
  const options = isObject(transform['RequestEncodingOptions'])
    ? transform['RequestEncodingOptions']
    : {}
  const format = arrayFormat(options['ArrayFormat'])

  const query = p['QueryParameters']
  if (query !== undefined && query !== null) {
    if (!isObject(query)) return runtimeError('QueryParameters must be an object')
    for (const [key, value] of flatten(query, format)) url.searchParams.append(key, value)
  }

  const headers: Record<string, string> = {}
  const given = p['Headers']
  if (given !== undefined && given !== null) {
    if (!isObject(given)) return runtimeError('Headers must be an object')
    for (const [name, value] of Object.entries(given)) {
      if (FORBIDDEN_HEADERS.has(name.toLowerCase())) continue
      const text = Array.isArray(value) ? value.map(scalar).join(', ') : scalar(value)
      if (/[\r\n\0]/.test(name + text)) return runtimeError(`Header '${name}' holds a line break`)
      headers[name.toLowerCase()] = text
    }
  }

  const body = p['RequestBody']
  if (body === undefined || method === 'GET' || method === 'HEAD') return { url, method, headers }
  if (transform['RequestBodyEncoding'] === 'URL_ENCODED') {
    if (!isObject(body)) return runtimeError('RequestBody must be an object to be URL_ENCODED')
    const form = new URLSearchParams()
    for (const [key, value] of flatten(body, format)) form.append(key, value)
    headers['content-type'] ??= 'application/x-www-form-urlencoded'
    return { url, method, headers, body: form.toString() }
  }
  headers['content-type'] ??= 'application/json'
  return {
    url,
    method,
    headers,
    body:
      typeof body === 'string' && !headers['content-type'].includes('json')
        ? body
        : JSON.stringify(body),
  }
}

/** AWS's HTTP Task result: Headers (each a list of values), ResponseBody, StatusCode, StatusText. */
export function httpInvokeResult(
  status: number,
  responseHeaders: Readonly<Record<string, string | string[] | undefined>>,
  text: string,
): JsonObject {
  const headers: JsonObject = {}
  for (const [name, value] of Object.entries(responseHeaders)) {
    if (value === undefined) continue
    headers[name] = Array.isArray(value) ? value : [value]
  }
  const contentType = String(responseHeaders['content-type'] ?? '')
  let body: JsonValue = text
  if (text !== '' && /json/i.test(contentType)) {
    try {
      body = JSON.parse(text) as JsonValue
    } catch {
      // a body that says JSON but is not stays text
    }
  }
  return {
    Headers: headers,
    ResponseBody: body,
    StatusCode: status,
    StatusText: STATUS_CODES[status] ?? '',
  }
}

/**
 * The task outcome of an answer: 2xx is the result; any other status fails the task with
 * `States.Http.StatusCode.<status>` (AWS's name), the response as the cause.
 */
export function httpInvokeOutcome(
  status: number,
  responseHeaders: Readonly<Record<string, string | string[] | undefined>>,
  text: string,
): TaskOutcome {
  const result = httpInvokeResult(status, responseHeaders, text)
  if (status >= 200 && status < 300) return { kind: 'succeeded', output: result }
  return {
    kind: 'failed',
    error: `States.Http.StatusCode.${status}`,
    cause: JSON.stringify(result),
  }
}

function runtimeError(message: string): TaskOutcome {
  return { kind: 'failed', error: 'States.Runtime', cause: `http:invoke: ${message}` }
}

function arrayFormat(value: JsonValue | undefined): ArrayFormat {
  return value === 'REPEAT' || value === 'COMMAS' || value === 'BRACKETS' ? value : 'INDICES'
}

function scalar(value: JsonValue): string {
  return typeof value === 'string' ? value : JSON.stringify(value)
}

/** Key/value pairs of an object for a query string or a form, nesting as `a[b]`. */
function flatten(value: JsonObject, format: ArrayFormat, prefix = ''): [string, string][] {
  const pairs: [string, string][] = []
  for (const [k, v] of Object.entries(value)) {
    const key = prefix === '' ? k : `${prefix}[${k}]`
    if (Array.isArray(v)) {
      if (format === 'COMMAS') pairs.push([key, v.map(scalar).join(',')])
      else {
        v.forEach((item, i) => {
          const itemKey =
            format === 'REPEAT' ? key : format === 'BRACKETS' ? `${key}[]` : `${key}[${i}]`
          if (isObject(item)) pairs.push(...flatten(item, format, itemKey))
          else pairs.push([itemKey, scalar(item)])
        })
      }
    } else if (isObject(v)) pairs.push(...flatten(v, format, key))
    else if (v !== null) pairs.push([key, scalar(v)])
  }
  return pairs
}
