import { randomUUID } from 'node:crypto'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import { fastify, type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import { sql } from 'kysely'
import type { ServiceContext } from '../engine/service/index.js'
import { Authenticator, authorize, type AuthConfig } from './auth/index.js'
import { awsComponents, awsDoor, collectAwsActions } from './aws/door.js'
import { MillraceError } from '../engine/errors.js'
import { sendRestError } from './errors.js'
import { consoleRoutes, defaultConsoleDir } from './console/static.js'
import type { ApiExtension } from './extension.js'
import { DEFAULT_EXTENSIONS } from './extensions.js'
import type { PrometheusMetrics } from './metrics.js'
import { restDoor } from './rest/index.js'

/** Size limits of the API. Execution input is limited to 256 KiB by the service layer, as AWS. */
export interface Limits {
  /** Largest request body in bytes (default 1 MiB, AWS's largest definition). */
  readonly bodyBytes: number
  /** How long StartSyncExecution waits for the end (default 5 minutes, AWS's Express limit). */
  readonly syncExecutionTimeoutMs: number
}

export const DEFAULT_LIMITS: Limits = {
  bodyBytes: 1024 * 1024,
  syncExecutionTimeoutMs: 5 * 60_000,
}

export interface AppOptions {
  /** The engine and database every route works on. */
  readonly service: ServiceContext
  /** `{ mode: 'off' }` only for `millrace dev` and MILLRACE_AUTH=off. */
  readonly auth: AuthConfig
  readonly limits?: Partial<Limits>
  /** A pino logger; without one the app logs nothing. */
  readonly logger?: FastifyBaseLogger
  /** Routes of other features (default {@link DEFAULT_EXTENSIONS}). */
  readonly extensions?: readonly ApiExtension[]
  /** The clock SigV4 dates are checked against (tests move it). */
  readonly now?: () => number
  /**
   * Served at `GET /metrics` (Prometheus text format); give the engine `metrics.engine` so it
   * reports there. Without it there is no `/metrics` route.
   */
  readonly metrics?: PrometheusMetrics
  /**
   * `/metrics` needs a bearer key with scope metrics, read, start or admin while auth is on;
   * true serves it to anyone (MILLRACE_METRICS_AUTH=off, for a scraper on a private network).
   */
  readonly publicMetrics?: boolean
  /** The web console's built files (default dist/public/console); false: no `/console`. */
  readonly consoleDir?: string | false
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/

/**
 * Builds the API without listening: the REST door under `/v1`, the AWS JSON 1.0 door on
 * `POST /`, `/health`, `/ready`, the OpenAPI document at `/openapi.json` and a page at `/docs`.
 * Tests call `app.inject()`; `millrace serve` calls `app.listen()`.
 *
 * @example
 * const app = await buildApp({ service: { engine, database }, auth: authConfigFromEnv(process.env) })
 * await app.listen({ host: '127.0.0.1', port: 8080 })
 */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const limits = { ...DEFAULT_LIMITS, ...options.limits }
  const extensions = options.extensions ?? DEFAULT_EXTENSIONS
  const authenticator = new Authenticator(options.auth, options.now)
  const actions = collectAwsActions(extensions, {
    syncExecutionTimeoutMs: limits.syncExecutionTimeoutMs,
  })
  const app = fastify({
    ...(options.logger ? { loggerInstance: options.logger } : { logger: false }),
    bodyLimit: limits.bodyBytes,
    // A caller's X-Request-Id is kept when it is a plain token, so logs can be joined up.
    genReqId: (request) => {
      const given = request.headers['x-request-id']
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID()
    },
    return503OnClosing: true,
    forceCloseConnections: 'idle',
  })
  app.decorateRequest('principal', null)
  app.addHook('onSend', (request, reply, payload, done) => {
    void reply.header('x-request-id', request.id)
    done(null, payload)
  })
  app.setErrorHandler((err, request, reply) => sendRestError(request, reply, err))
  app.setNotFoundHandler((request, reply) =>
    sendRestError(
      request,
      reply,
      new MillraceError(
        'NotFound',
        `There is no route ${request.method} ${request.url.split('?')[0] ?? ''}`,
      ),
    ),
  )

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'millrace',
        version: '1',
        description:
          'AWS Step Functions on PostgreSQL. Two doors to one engine: REST under /v1 (Authorization: Bearer <key>) and the AWS JSON 1.0 protocol on POST / (SigV4, as the AWS SDKs and CLI sign). See docs/api.md.',
      },
      components: {
        schemas: awsComponents(actions) as Record<string, never>,
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'An API key.' },
          sigv4: {
            type: 'apiKey',
            in: 'header',
            name: 'Authorization',
            description: 'AWS Signature Version 4 (service `states`), as AWS SDKs sign.',
          },
        },
      },
      ...(options.auth.mode === 'on' ? { security: [{ bearer: [] }, { sigv4: [] }] } : {}),
      tags: [
        { name: 'state machines', description: 'REST: /v1/state-machines' },
        { name: 'executions', description: 'REST: /v1/state-machines/{name}/executions' },
        { name: 'AWS JSON 1.0', description: 'The AWS Step Functions wire protocol' },
        { name: 'health', description: 'Liveness and readiness' },
        { name: 'metrics', description: 'Prometheus metrics' },
      ],
    },
  })
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true })
  app.get('/openapi.json', { schema: { hide: true } }, () => app.swagger())

  app.get(
    '/health',
    {
      schema: {
        tags: ['health'],
        summary: 'Liveness: the process answers',
        security: [],
        response: {
          200: { type: 'object', properties: { status: { type: 'string', enum: ['ok'] } } },
        },
      },
    },
    () => ({ status: 'ok' }),
  )
  app.get(
    '/ready',
    {
      schema: {
        tags: ['health'],
        summary: 'Readiness: the database answers',
        security: [],
        response: {
          200: { type: 'object', properties: { status: { type: 'string', enum: ['ready'] } } },
          503: {
            type: 'object',
            properties: { status: { type: 'string' }, message: { type: 'string' } },
          },
        },
      },
    },
    async (request, reply) => {
      try {
        await sql`select 1`.execute(options.service.database.db)
        return { status: 'ready' }
      } catch (err) {
        request.log.warn({ err }, 'database does not answer')
        return reply
          .status(503)
          .send({ status: 'unavailable', message: 'database does not answer' })
      }
    },
  )

  const { metrics } = options
  if (metrics) {
    const publicMetrics = options.publicMetrics === true || !authenticator.enabled
    app.get(
      '/metrics',
      {
        schema: {
          tags: ['metrics'],
          summary: 'Prometheus metrics (text format 0.0.4)',
          description:
            'Executions started and finished, state transitions, task dispatch latency, timer lag, claim-loop latency and database connections. With auth on, a bearer key of scope metrics, read, start or admin (see docs/api.md).',
          ...(publicMetrics ? { security: [] } : { security: [{ bearer: [] }] }),
          produces: ['text/plain'],
          response: { 200: { type: 'string', description: 'Prometheus text format' } },
        },
      },
      async (request, reply) => {
        if (!publicMetrics) {
          const principal = authenticator.rest(request)
          authorize(principal, { kind: 'metrics' }, 'rest', 'GET /metrics')
        }
        const text = await metrics.render()
        return reply.type(metrics.contentType).send(text)
      },
    )
  }

  await app.register(
    async (scope) => {
      await restDoor(scope, { service: options.service, authenticator, extensions })
    },
    { prefix: '/v1' },
  )
  if (options.consoleDir !== false) {
    const dir = options.consoleDir ?? defaultConsoleDir()
    await app.register((scope, _options, done) => {
      consoleRoutes(scope, { dir })
      done()
    })
  }
  await app.register((scope, _options, done) => {
    awsDoor(scope, { service: options.service, authenticator, actions })
    done()
  })
  return app
}
