import type { ErrorObject } from 'ajv'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { isMillraceError, MillraceError, restStatusOf } from '../engine/errors.js'

/**
 * One mapping from anything a request can throw to a MillraceError, used by both doors: the
 * service layer's MillraceErrors pass through; fastify's own errors (body too large, bad media
 * type, schema validation, malformed JSON) become the code that names the problem; anything
 * else is an InternalError (500), logged with its stack and answered without it.
 */
export function toMillraceError(err: unknown): MillraceError {
  if (isMillraceError(err)) return err
  const e = (err ?? {}) as {
    code?: unknown
    statusCode?: unknown
    message?: unknown
    validation?: ErrorObject[]
    validationContext?: unknown
  }
  if (Array.isArray(e.validation)) {
    return new MillraceError(
      'ValidationException',
      describeAjvErrors(
        e.validation,
        typeof e.validationContext === 'string' ? e.validationContext : 'request',
      ),
    )
  }
  switch (e.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new MillraceError('PayloadTooLarge', 'The request body is larger than the limit')
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new MillraceError(
        'UnsupportedMediaType',
        'The request body must be sent as Content-Type: application/json',
      )
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new MillraceError(
        'SerializationException',
        'The request body is empty but its Content-Type says JSON',
      )
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new MillraceError('SerializationException', 'The request body is not valid JSON')
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new MillraceError(
        'SerializationException',
        'The request body is not as long as its Content-Length says',
      )
    default:
      break
  }
  const status = typeof e.statusCode === 'number' ? e.statusCode : 500
  if (status === 413) return new MillraceError('PayloadTooLarge')
  if (status === 415) return new MillraceError('UnsupportedMediaType')
  if (status >= 400 && status < 500) {
    return new MillraceError(
      'ValidationException',
      typeof e.message === 'string' ? e.message : 'Bad request',
    )
  }
  return new MillraceError('InternalError')
}

/**
 * An ajv error list as one sentence that names the field: `body/maxResults must be integer`,
 * `body has an unknown field 'foo'`, `body must have required property 'name'`.
 */
export function describeAjvErrors(errors: readonly ErrorObject[], context: string): string {
  return errors
    .map((error) => {
      const where = `${context}${error.instancePath}`
      if (error.keyword === 'additionalProperties') {
        const extra = (error.params as { additionalProperty?: unknown }).additionalProperty
        return `${where} has an unknown field '${String(extra)}'`
      }
      if (error.keyword === 'enum') {
        const allowed = (error.params as { allowedValues?: unknown[] }).allowedValues ?? []
        return `${where} must be one of ${allowed.map((v) => JSON.stringify(v)).join(', ')}`
      }
      return `${where} ${error.message ?? 'is not valid'}`
    })
    .join('; ')
}

/** Logs a refused or failed request: 4xx at info (code only), 5xx at error with the cause. */
export function logError(request: FastifyRequest, error: MillraceError, cause: unknown): void {
  if (error.status >= 500) request.log.error({ err: cause, code: error.code }, 'request failed')
  else request.log.info({ code: error.code }, 'request refused')
}

/** The REST door's error body: `{ code, message, requestId, details? }` with the REST status. */
export function sendRestError(request: FastifyRequest, reply: FastifyReply, err: unknown): void {
  const error = toMillraceError(err)
  logError(request, error, err)
  const details = restDetails(error)
  void reply
    .status(restStatusOf(error.code))
    .header('content-type', 'application/json; charset=utf-8')
    .send(
      JSON.stringify({
        code: error.code,
        message: error.message,
        requestId: request.id,
        ...(details ? { details } : {}),
      }),
    )
}

/**
 * The AWS door's error body, as AWS's JSON 1.0 protocol sends it: `{ "__type", "message" }` with
 * AWS's status, and the request id in `x-amzn-RequestId`. SDKs raise the exception named by
 * `__type` (their `name`), with `message`.
 */
export function sendAwsError(request: FastifyRequest, reply: FastifyReply, err: unknown): void {
  const error = toMillraceError(err)
  logError(request, error, err)
  void reply
    .status(error.status)
    .header('content-type', 'application/x-amz-json-1.0')
    .header('x-amzn-requestid', request.id)
    .send(Buffer.from(JSON.stringify({ __type: error.code, message: error.message }), 'utf8'))
}

/** Details worth showing a REST caller: the diagnostics of an InvalidDefinition, the field. */
function restDetails(error: MillraceError): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {}
  for (const key of ['field', 'diagnostics', 'pointer'] as const) {
    if (error.details[key] !== undefined) out[key] = error.details[key]
  }
  return Object.keys(out).length > 0 ? out : undefined
}
