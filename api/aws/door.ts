import type { ValidateFunction } from 'ajv'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { MillraceError } from '../../engine/errors.js'
import type { ServiceContext } from '../../engine/service/index.js'
import { authorize, type Authenticator, type Permission } from '../auth/index.js'
import { describeAjvErrors, sendAwsError } from '../errors.js'
import type { ActionContext, ApiExtension, AwsAction } from '../extension.js'
import { PLANNED_AWS_ACTIONS } from '../extensions.js'
import { parseJsonBody } from '../json.js'
import { bodyAjv } from '../validation.js'
import { stepFunctionsActions } from './actions.js'

/** `X-Amz-Target: AWSStepFunctions.<Action>`, as the AWS SDKs and CLI send it. */
export const TARGET_PREFIX = 'AWSStepFunctions.'
export const AWS_JSON = 'application/x-amz-json-1.0'
const ACCEPTED_TYPES = new Set([AWS_JSON, 'application/x-amz-json-1.1', 'application/json'])

export interface AwsDoorOptions {
  readonly service: ServiceContext
  readonly authenticator: Authenticator
  /** Every action the door answers ({@link collectAwsActions}). */
  readonly actions: readonly AwsAction[]
}

/**
 * The Step Functions actions of the service layer and those of the extensions; throws when two
 * define the same action.
 */
export function collectAwsActions(
  extensions: readonly ApiExtension[],
  options: { readonly syncExecutionTimeoutMs: number },
): AwsAction[] {
  const all = [...stepFunctionsActions(options), ...extensions.flatMap((e) => e.awsActions ?? [])]
  const seen = new Set<string>()
  for (const action of all) {
    if (seen.has(action.name)) throw new Error(`AWS action ${action.name} is defined twice`)
    seen.add(action.name)
  }
  return all.sort((a, b) => a.name.localeCompare(b.name))
}

/** The OpenAPI components that document each action's request and response. */
export function awsComponents(actions: readonly AwsAction[]): Record<string, unknown> {
  const components: Record<string, unknown> = {}
  for (const action of actions) {
    components[`${action.name}Request`] = action.request
    components[`${action.name}Response`] = action.response
  }
  return components
}

interface CompiledAction {
  readonly action: AwsAction
  readonly validate: ValidateFunction
}

/**
 * The AWS JSON 1.0 door: `POST /` with `X-Amz-Target: AWSStepFunctions.<Action>`. Requests,
 * responses and errors are AWS's, so `@aws-sdk/client-sfn` and the AWS CLI work unchanged:
 * timestamps are epoch seconds, errors `{ "__type", "message" }` with AWS's status, and the
 * request id is in `x-amzn-RequestId`.
 *
 * Order of checks, each refusing before the next runs: authentication (over the raw body, which
 * SigV4 signs), the action, the content type, the JSON, the request's shape (a wrong type is
 * SerializationException, a missing member ValidationException), the caller's permission; then
 * the action, whose service call checks names, ARNs and limits as AWS does.
 */
export function awsDoor(app: FastifyInstance, options: AwsDoorOptions): void {
  // The body stays bytes until the signature over it is checked.
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body))
  app.setErrorHandler((err, request, reply) => sendAwsError(request, reply, err))

  const actions = new Map<string, CompiledAction>(
    options.actions.map((action) => [
      action.name,
      { action, validate: bodyAjv.compile(action.request) },
    ]),
  )
  const names = [...actions.keys()]

  app.post(
    '/',
    {
      // The body is checked per action below; these schemas document the door.
      validatorCompiler: () => () => true,
      schema: {
        tags: ['AWS JSON 1.0'],
        summary: 'AWS Step Functions API (AWS JSON 1.0 protocol)',
        description: awsDescription(actions),
        headers: {
          type: 'object',
          required: ['x-amz-target'],
          properties: {
            'x-amz-target': {
              type: 'string',
              enum: names.map((n) => `${TARGET_PREFIX}${n}`),
              description: 'The action.',
            },
            'content-type': { type: 'string', enum: [AWS_JSON] },
          },
        },
        body: {
          type: 'object',
          description:
            'The action’s request, as in the AWS Step Functions API reference (components `<Action>Request`).',
          additionalProperties: true,
        },
        response: {
          200: {
            type: 'object',
            description:
              'The action’s response (components `<Action>Response`; dates as epoch seconds).',
            additionalProperties: true,
          },
          '4XX': {
            type: 'object',
            description: 'AWS’s error: `__type` is the exception name (see docs/errors.md).',
            properties: { __type: { type: 'string' }, message: { type: 'string' } },
          },
        },
      },
    },
    async (request, reply) => {
      const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0)
      const principal = await options.authenticator.aws(request, body)
      request.principal = principal
      const name = actionName(request)
      const compiled = actions.get(name)
      if (!compiled) throw unknownAction(name)
      const { action, validate } = compiled
      request.log = request.log.child({
        action: name,
        ...(principal.id !== 'anonymous' ? { principal: principal.id } : {}),
      })
      reply.log = request.log
      checkContentType(request, body)
      if (typeof action.permission !== 'function') {
        authorize(principal, action.permission, 'aws', name)
      }
      const input = parseRequest(body)
      if (!validate(input)) throw shapeError(validate)
      if (typeof action.permission === 'function') {
        authorize(principal, action.permission(input), 'aws', name)
      }
      const controller = new AbortController()
      reply.raw.on('close', () => {
        if (!reply.raw.writableFinished) controller.abort()
      })
      const context: ActionContext = {
        service: options.service,
        principal,
        log: request.log,
        signal: controller.signal,
        authorize: (permission: Permission) => authorize(principal, permission, 'aws', name),
      }
      const result = await action.handle(input, context)
      // As bytes: fastify would add `; charset=utf-8` to a string, which AWS does not send.
      return reply
        .header('content-type', AWS_JSON)
        .header('x-amzn-requestid', request.id)
        .send(Buffer.from(JSON.stringify(toAwsJson(result)), 'utf8'))
    },
  )
}

function actionName(request: FastifyRequest): string {
  const target = request.headers['x-amz-target']
  const text = Array.isArray(target) ? target[0] : target
  if (text === undefined || !text.startsWith(TARGET_PREFIX)) {
    throw new MillraceError(
      'UnknownOperationException',
      text === undefined
        ? `The X-Amz-Target header is missing: send X-Amz-Target: ${TARGET_PREFIX}<Action>`
        : `Unknown target ${JSON.stringify(text.slice(0, 100))}: expected ${TARGET_PREFIX}<Action>`,
    )
  }
  return text.slice(TARGET_PREFIX.length)
}

function unknownAction(name: string): MillraceError {
  const shown = JSON.stringify(name.slice(0, 100))
  return new MillraceError(
    'UnknownOperationException',
    PLANNED_AWS_ACTIONS.includes(name)
      ? `${TARGET_PREFIX}${name} is not available in this server (its extension is not loaded)`
      : `Unknown operation ${shown}`,
  )
}

function checkContentType(request: FastifyRequest, body: Buffer): void {
  const type = request.headers['content-type']?.split(';')[0]?.trim().toLowerCase()
  if (type === undefined && body.length === 0) return
  if (type === undefined || !ACCEPTED_TYPES.has(type)) {
    throw new MillraceError(
      'UnsupportedMediaType',
      `The request body must be sent as Content-Type: ${AWS_JSON}`,
    )
  }
}

/** The body as a JSON object; members sent as null are absent, as AWS reads them. */
function parseRequest(body: Buffer): Record<string, unknown> {
  if (body.length === 0) return {}
  const value = parseJsonBody(body.toString('utf8'))
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new MillraceError(
      'SerializationException',
      'The request body must be a JSON object (a structure)',
    )
  }
  const request: Record<string, unknown> = {}
  for (const [key, member] of Object.entries(value)) {
    if (member !== null) request[key] = member
  }
  return request
}

/** AWS's answer to a request of the wrong shape. */
function shapeError(validate: ValidateFunction): MillraceError {
  const [error] = validate.errors ?? []
  if (!error) return new MillraceError('ValidationException')
  const field =
    error.keyword === 'required'
      ? String((error.params as { missingProperty?: unknown }).missingProperty)
      : error.instancePath.replace(/^\//, '').replace(/\//g, '.')
  if (error.keyword === 'required') {
    return new MillraceError(
      'ValidationException',
      `1 validation error detected: Value null at '${field}' failed to satisfy constraint: Member must not be null`,
      { field },
    )
  }
  if (error.keyword === 'type') {
    return new MillraceError(
      'SerializationException',
      `Value at '${field}' has the wrong type: it ${error.message ?? 'is not valid'}`,
      { field },
    )
  }
  return new MillraceError('ValidationException', describeAjvErrors([error], 'request'), { field })
}

/**
 * A response as AWS's JSON 1.0 protocol writes it: Date values as epoch seconds (milliseconds
 * in the fraction), undefined members left out.
 *
 * @example
 * toAwsJson({ startDate: new Date(1700000000123) }) // { startDate: 1700000000.123 }
 */
export function toAwsJson(value: unknown): unknown {
  if (value instanceof Date) return value.getTime() / 1000
  if (Array.isArray(value)) return value.map(toAwsJson)
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {}
    for (const [key, member] of Object.entries(value)) {
      if (member !== undefined) out[key] = toAwsJson(member)
    }
    return out
  }
  return value
}

function awsDescription(actions: ReadonlyMap<string, CompiledAction>): string {
  const lines = [...actions.values()].map(({ action }) => {
    const required = ((action.request['required'] as string[] | undefined) ?? []).join(', ')
    const summary = action.summary ? ` ${action.summary}` : ''
    const refs = `[request](#/components/schemas/${action.name}Request), [response](#/components/schemas/${action.name}Response)`
    return `- \`${action.name}\`${required ? ` (requires ${required})` : ''}: ${refs}.${summary}`
  })
  return [
    'The AWS Step Functions API: send `X-Amz-Target: AWSStepFunctions.<Action>` and',
    '`Content-Type: application/x-amz-json-1.0` with the action’s request as the body, signed',
    'with SigV4 (or `Authorization: Bearer <key>`). Requests and responses are AWS’s; see the',
    'AWS Step Functions API reference. Actions:',
    '',
    ...lines,
  ].join('\n')
}
