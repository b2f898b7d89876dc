import type { FastifyBaseLogger, FastifyInstance } from 'fastify'
import type { ServiceContext } from '../engine/service/index.js'
import type { Permission, Principal } from './auth/index.js'

/**
 * How a feature adds routes to both API doors without editing them: an {@link ApiExtension}
 * lists AWS JSON actions and registers REST routes, and `api/extensions.ts` lists the
 * extensions `millrace serve` and `millrace dev` load (tests pass their own to `buildApp`).
 *
 * - AWS actions get the door's authentication, JSON parsing and checks (prototype-pollution
 *   keys, nesting), `__type` errors, epoch-second timestamps and request logging. Their
 *   `request` schema is checked with ajv before `handle` runs: a wrong type answers
 *   SerializationException, a missing member ValidationException, as AWS does.
 * - REST routes are registered inside the `/v1` scope: the JSON body parser, the error handler
 *   (`{ code, message, requestId }` with the REST status of engine/errors.ts) and bearer-key
 *   authentication are in place. A route says what it needs with `config: { permission }`
 *   (default `admin`); see {@link RestRouteConfig}.
 *
 * @example
 * const activities: ApiExtension = {
 *   name: 'activities',
 *   awsActions: [{
 *     name: 'DescribeActivity',
 *     permission: { kind: 'read' },
 *     request: { type: 'object', required: ['activityArn'], properties: { activityArn: { type: 'string' } } },
 *     response: { type: 'object' },
 *     handle: (request, ctx) => describeActivity(ctx.service, request),
 *   }],
 *   rest: (app) => {
 *     app.get('/activities', { config: { permission: { kind: 'read' } }, schema: { … } }, handler)
 *   },
 * }
 */
export interface ApiExtension {
  /** Shown in logs and the OpenAPI document's tags. */
  readonly name: string
  readonly awsActions?: readonly AwsAction[]
  /** Registers REST routes under `/v1` (paths relative to it: `/activities`). */
  readonly rest?: (app: FastifyInstance, deps: RestDeps) => void | Promise<void>
}

/** What REST routes of an extension get. */
export interface RestDeps {
  readonly service: ServiceContext
}

/** `config` of a REST route: the permission its caller needs (default admin). */
export interface RestRouteConfig {
  readonly permission?: Permission
}

/** A JSON Schema (draft-07, as fastify and ajv use it). */
export type JsonSchema = Readonly<Record<string, unknown>>

/** One action of the AWS JSON 1.0 door (`X-Amz-Target: AWSStepFunctions.<name>`). */
export interface AwsAction {
  /** AWS's action name: `GetActivityTask`. */
  readonly name: string
  /**
   * What the caller needs. A function gets the checked request (for example to name the
   * activity of GetActivityTask); the handler may check more with `ctx.authorize`.
   */
  readonly permission: Permission | ((request: Readonly<Record<string, unknown>>) => Permission)
  /**
   * AWS's request shape: member types and required members. Members AWS has and millrace
   * ignores may be listed; members not listed are ignored (as AWS ignores unknown members).
   */
  readonly request: JsonSchema
  /** AWS's response shape, for the OpenAPI document. */
  readonly response: JsonSchema
  readonly summary?: string
  /**
   * Answers the AWS-shaped response: Date values become epoch seconds, undefined members are
   * left out. Throw a MillraceError for AWS's errors.
   */
  handle(request: Readonly<Record<string, unknown>>, ctx: ActionContext): Promise<object>
}

/** What an action's handler gets besides the request. */
export interface ActionContext {
  readonly service: ServiceContext
  readonly principal: Principal
  /** The request's logger (it carries the request id and the action). */
  readonly log: FastifyBaseLogger
  /** Aborted when the client goes away: long polls stop waiting. */
  readonly signal: AbortSignal
  /** Throws AccessDeniedException unless the caller may do it. */
  authorize(permission: Permission): void
}
