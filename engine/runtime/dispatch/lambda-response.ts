import {
  dataLimitCause,
  isObject,
  MAX_PAYLOAD_BYTES,
  type JsonValue,
  type TaskResource,
} from '../../asl/index.js'
import type { TaskOutcome } from '../task-outcome.js'

/** A function endpoint's answer, as received: status and raw body text. */
export interface FunctionResponse {
  readonly status: number
  readonly body: string
  readonly requestId?: string
  /**
   * The function said its answer is an error although the status is 2xx (Lambda's
   * `X-Amz-Function-Error` header).
   */
  readonly functionError?: boolean
}

/**
 * Turn a function endpoint's answer into a task outcome, the way AWS turns a Lambda answer into
 * a task result: a Lambda-ARN Resource gets the function's JSON result as is; the
 * `arn:aws:states:::lambda:invoke` integration wraps it in Lambda's Invoke response shape. An
 * error body `{ errorType, errorMessage }` becomes error = errorType, cause = the body text.
 */
export function lambdaOutcome(
  resource: TaskResource,
  response: FunctionResponse,
  request?: InvokeRequest,
): TaskOutcome {
  if (Buffer.byteLength(response.body, 'utf8') > MAX_PAYLOAD_BYTES) {
    return { kind: 'failed', error: 'States.DataLimitExceeded', cause: dataLimitCause(resource) }
  }
  let payload: JsonValue
  try {
    payload = response.body === '' ? null : (JSON.parse(response.body) as JsonValue)
  } catch {
    return {
      kind: 'failed',
      error: 'Lambda.InvalidResponse',
      cause: `The function returned a body that is not JSON (HTTP ${response.status})`,
    }
  }
  const isError = response.status >= 300 || response.functionError === true
  if (isError) {
    const errorType =
      isObject(payload) && typeof payload['errorType'] === 'string'
        ? payload['errorType']
        : undefined
    return {
      kind: 'failed',
      error: errorType ?? `Lambda.Http${response.status}`,
      cause: response.body,
    }
  }
  if (resource.kind !== 'service') return { kind: 'succeeded', output: payload }
  return {
    kind: 'succeeded',
    output: invokeResponse(payload, response, request?.logType === 'Tail'),
  }
}

/** What the lambda:invoke integration sends: FunctionName (a name or an ARN), Payload, LogType. */
export interface InvokeRequest {
  readonly functionName: string
  readonly event: JsonValue
  readonly logType?: string
}

/**
 * Read a lambda:invoke task's Parameters. A Payload that is a JSON text is sent as that JSON;
 * no Payload (or null) sends `{}`, as Lambda's Invoke does with an empty body.
 *
 * @example
 * invokeRequest({ FunctionName: 'price:prod', Payload: { id: 1 } })
 * // → { functionName: 'price', event: { id: 1 } }
 */
export function invokeRequest(parameters: JsonValue): InvokeRequest {
  const p = isObject(parameters) ? parameters : {}
  const name = typeof p['FunctionName'] === 'string' ? p['FunctionName'] : ''
  const functionName = functionNameOf(name)
  let event: JsonValue = p['Payload'] ?? {}
  if (typeof event === 'string') {
    try {
      event = JSON.parse(event) as JsonValue
    } catch {
      // a payload that is not JSON text is sent as the string it is
    }
  }
  const logType = p['LogType']
  return { functionName, event, ...(typeof logType === 'string' ? { logType } : {}) }
}

/**
 * The registry name in any form Lambda's Invoke accepts for FunctionName: `name`, `name:alias`,
 * `123456789012:function:name[:alias]` and `arn:aws:lambda:<region>:<account>:function:name[:alias]`.
 * A version or alias calls the same endpoint: a function endpoint has one version.
 */
function functionNameOf(name: string): string {
  const parts = name.split(':')
  if (parts[0] === 'arn') return parts[6] ?? name
  if (parts[1] === 'function') return parts[2] ?? name
  return parts[0] ?? name
}

/** Lambda's Invoke response as the lambda:invoke integration returns it. */
function invokeResponse(payload: JsonValue, response: FunctionResponse, tail: boolean): JsonValue {
  const requestId = response.requestId ?? ''
  const length = String(Buffer.byteLength(response.body, 'utf8'))
  const date = new Date().toUTCString()
  // LogType Tail: Lambda returns the last 4 KB of the function's log, base64-encoded. A function
  // endpoint has no such log, so millrace reports the request it made.
  const log = Buffer.from(`START RequestId: ${requestId}\nEND RequestId: ${requestId}\n`).toString(
    'base64',
  )
  return {
    ExecutedVersion: '$LATEST',
    ...(tail ? { LogResult: log } : {}),
    Payload: payload,
    SdkHttpMetadata: {
      AllHttpHeaders: {
        ...(tail ? { 'X-Amz-Log-Result': [log] } : {}),
        'X-Amz-Executed-Version': ['$LATEST'],
        'x-amzn-Remapped-Content-Length': ['0'],
        Connection: ['keep-alive'],
        'x-amzn-RequestId': [requestId],
        'Content-Length': [length],
        Date: [date],
        'X-Amzn-Trace-Id': [''],
        'Content-Type': ['application/json'],
      },
      HttpHeaders: {
        ...(tail ? { 'X-Amz-Log-Result': log } : {}),
        Connection: 'keep-alive',
        'Content-Length': length,
        'Content-Type': 'application/json',
        Date: date,
        'X-Amz-Executed-Version': '$LATEST',
        'x-amzn-Remapped-Content-Length': '0',
        'x-amzn-RequestId': requestId,
        'X-Amzn-Trace-Id': '',
      },
      HttpStatusCode: 200,
    },
    SdkResponseMetadata: { RequestId: requestId },
    StatusCode: 200,
  }
}
