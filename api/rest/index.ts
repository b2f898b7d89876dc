import type { FastifyInstance } from 'fastify'
import type { ServiceContext } from '../../engine/service/index.js'
import { authorize, type Authenticator, type Permission, type Principal } from '../auth/index.js'
import { sendRestError } from '../errors.js'
import type { ApiExtension } from '../extension.js'
import { parseJsonBody } from '../json.js'
import { bodyAjv, queryAjv } from '../validation.js'
import { executionRoutes } from './executions.js'
import { stateMachineRoutes } from './state-machines.js'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** What the caller of a route needs (REST door; default admin). */
    permission?: Permission
  }
  interface FastifyRequest {
    /** Who is calling; set by the door's authentication before the handler runs. */
    principal: Principal | null
  }
}

export interface RestOptions {
  readonly service: ServiceContext
  readonly authenticator: Authenticator
  readonly extensions: readonly ApiExtension[]
}

/**
 * The REST door, registered under `/v1`: JSON bodies (only `application/json`), bearer-key
 * authentication and the route's permission checked before the body is read, schemas checked
 * with ajv, errors as `{ code, message, requestId }`.
 */
export async function restDoor(app: FastifyInstance, options: RestOptions): Promise<void> {
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, parseJsonBody(body as string))
    } catch (err) {
      done(err as Error, undefined)
    }
  })
  app.setValidatorCompiler(({ schema, httpPart }) =>
    (httpPart === 'body' ? bodyAjv : queryAjv).compile(schema),
  )
  app.setErrorHandler((err, request, reply) => sendRestError(request, reply, err))

  app.addHook('onRequest', (request, reply, done) => {
    try {
      const principal = options.authenticator.rest(request)
      request.principal = principal
      const permission = request.routeOptions.config.permission ?? { kind: 'admin' }
      authorize(principal, permission, 'rest', `${request.method} ${request.routeOptions.url}`)
      if (principal.id !== 'anonymous') {
        request.log = request.log.child({ principal: principal.id })
        reply.log = request.log
      }
      done()
    } catch (err) {
      done(err as Error)
    }
  })
  // A POST or PUT without a body is an empty object, so its schema names what is missing.
  app.addHook('preValidation', (request, _reply, done) => {
    if (request.body === undefined && (request.method === 'POST' || request.method === 'PUT')) {
      request.body = {}
    }
    done()
  })

  stateMachineRoutes(app, options.service)
  executionRoutes(app, options.service)
  for (const extension of options.extensions) {
    await extension.rest?.(app, { service: options.service })
  }
}
