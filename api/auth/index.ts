import { readFileSync } from 'node:fs'
import { MillraceError } from '../../engine/errors.js'
import { authenticateBearer, parseApiKeys, parseKeysFile, type ApiKey } from './api-keys.js'
import { ANONYMOUS, type Principal } from './scopes.js'
import { parseAwsCredentials, verifySigV4, type AwsCredential } from './sigv4.js'

export { hashKey, parseApiKeys, parseKeysFile, type ApiKey } from './api-keys.js'
export {
  allows,
  ANONYMOUS,
  authorize,
  parseScope,
  type Permission,
  type Principal,
  type Scope,
} from './scopes.js'
export { MAX_CLOCK_SKEW_MS, parseAwsCredentials, type AwsCredential } from './sigv4.js'

/**
 * How the API authenticates. `off` lets every request in as {@link ANONYMOUS} (admin): only
 * `millrace dev` and `MILLRACE_AUTH=off` choose it, and both say so loudly when they start.
 */
export type AuthConfig =
  | { readonly mode: 'off' }
  | {
      readonly mode: 'on'
      readonly apiKeys: readonly ApiKey[]
      readonly awsCredentials: readonly AwsCredential[]
    }

/**
 * The auth configuration from the environment: `MILLRACE_AUTH=off`, or keys from
 * `MILLRACE_API_KEYS`, `MILLRACE_API_KEYS_FILE` and `MILLRACE_AWS_CREDENTIALS`. Throws when
 * auth is on and there is no credential at all (the server would refuse everything).
 *
 * @example
 * const auth = authConfigFromEnv(process.env)
 */
export function authConfigFromEnv(env: NodeJS.ProcessEnv): AuthConfig {
  const mode = (env['MILLRACE_AUTH'] ?? 'on').toLowerCase()
  if (mode === 'off') return { mode: 'off' }
  if (mode !== 'on') throw new Error(`MILLRACE_AUTH must be "on" or "off", not ${mode}`)
  const apiKeys = [
    ...parseApiKeys(env['MILLRACE_API_KEYS'] ?? ''),
    ...(env['MILLRACE_API_KEYS_FILE']
      ? parseKeysFile(
          readFileSync(env['MILLRACE_API_KEYS_FILE'], 'utf8'),
          env['MILLRACE_API_KEYS_FILE'],
        )
      : []),
  ]
  const awsCredentials = parseAwsCredentials(env['MILLRACE_AWS_CREDENTIALS'] ?? '')
  if (apiKeys.length === 0 && awsCredentials.length === 0) {
    throw new Error(
      'authentication is on but no credential is configured: set MILLRACE_API_KEYS (or MILLRACE_API_KEYS_FILE) and/or MILLRACE_AWS_CREDENTIALS, or MILLRACE_AUTH=off to run without auth',
    )
  }
  return { mode: 'on', apiKeys, awsCredentials }
}

/** The request as the authenticator needs it. */
export interface AuthRequest {
  readonly method: string
  readonly url: string
  readonly headers: Readonly<Record<string, string | string[] | undefined>>
}

/**
 * Authenticates requests for both doors. REST takes bearer keys; the AWS door takes SigV4
 * signatures and bearer keys.
 */
export class Authenticator {
  private readonly credentials: ReadonlyMap<string, AwsCredential>

  constructor(
    private readonly config: AuthConfig,
    private readonly now: () => number = Date.now,
  ) {
    this.credentials = new Map(
      config.mode === 'on' ? config.awsCredentials.map((c) => [c.accessKeyId, c]) : [],
    )
  }

  get enabled(): boolean {
    return this.config.mode === 'on'
  }

  /** REST: `Authorization: Bearer <key>`. Throws Unauthorized. */
  rest(request: AuthRequest): Principal {
    if (this.config.mode === 'off') return ANONYMOUS
    const authorization = single(request.headers['authorization'])
    if (authorization?.startsWith('AWS4-')) {
      throw new MillraceError(
        'Unauthorized',
        'SigV4 signatures are accepted on the AWS JSON door (POST /); /v1 takes Authorization: Bearer <key>',
      )
    }
    return authenticateBearer(authorization, this.config.apiKeys)
  }

  /** The AWS door: SigV4 (or a bearer key). Throws AWS's errors. */
  async aws(request: AuthRequest, body: Buffer): Promise<Principal> {
    if (this.config.mode === 'off') return ANONYMOUS
    const authorization = single(request.headers['authorization'])
    if (authorization === undefined || authorization === '') {
      throw new MillraceError('MissingAuthenticationTokenException', 'Missing Authentication Token')
    }
    if (/^Bearer /i.test(authorization)) {
      try {
        return authenticateBearer(authorization, this.config.apiKeys)
      } catch {
        throw new MillraceError(
          'UnrecognizedClientException',
          'The security token included in the request is invalid.',
        )
      }
    }
    // Fields one by one: a fastify request's are getters, which a spread would not copy.
    const signed = { method: request.method, url: request.url, headers: request.headers, body }
    return verifySigV4(signed, this.credentials, { now: this.now() })
  }
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value
}
