import { keepAliveFetch, type Fetch } from './keep-alive-fetch.js'

/**
 * A minimal client of millrace's AWS JSON 1.0 API (the Step Functions wire protocol): POST /
 * with `X-Amz-Target: AWSStepFunctions.<Action>`, through a fetch: node:http keep-alive
 * connections by default (keep-alive-fetch.ts), or the one given.
 */

export interface Credentials {
  /** An API key (`millrace key worker:<activity>`), sent as `Authorization: Bearer <key>`. */
  readonly apiKey: string
}

export interface ClientOptions {
  /** The server, e.g. `http://127.0.0.1:8080`. */
  readonly endpoint: string
  readonly credentials?: Credentials | undefined
  /**
   * What sends the requests: the global `fetch`, or any function with its shape (tests,
   * proxies, runtimes without node:http). Default: node:http with keep-alive connections.
   */
  readonly fetch?: Fetch | undefined
}

/**
 * An error the server answered (`__type` and `message`), e.g. `TaskTimedOut`. `name` is AWS's
 * error name, so `err.name === 'TaskTimedOut'` works as with the AWS SDK.
 */
export class ServiceError extends Error {
  readonly status: number
  constructor(name: string, message: string, status: number) {
    super(message)
    this.name = name
    this.status = status
  }
}

/** The server could not be reached, or answered something that is not the protocol. */
export class ConnectionError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'ConnectionError'
  }
}

export class StepFunctionsClient {
  private readonly url: string
  private readonly fetch: Fetch

  constructor(private readonly options: ClientOptions) {
    this.url = options.endpoint.replace(/\/+$/, '') + '/'
    this.fetch = options.fetch ?? keepAliveFetch
  }

  /**
   * Calls an action; answers its JSON response. Throws ServiceError for an error the server
   * answered, ConnectionError when it could not be reached (or the call was aborted).
   */
  async call<T extends object>(
    action: string,
    body: Record<string, unknown>,
    signal?: AbortSignal,
  ): Promise<T> {
    let response: Awaited<ReturnType<Fetch>>
    try {
      response = await this.fetch(this.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-amz-json-1.0',
          'x-amz-target': `AWSStepFunctions.${action}`,
          ...(this.options.credentials
            ? { authorization: `Bearer ${this.options.credentials.apiKey}` }
            : {}),
        },
        body: JSON.stringify(body),
        ...(signal ? { signal } : {}),
      })
    } catch (err) {
      throw new ConnectionError(`${action}: ${(err as Error).message}`, { cause: err })
    }
    let text: string
    try {
      text = await response.text()
    } catch (err) {
      throw new ConnectionError(`${action}: ${(err as Error).message}`, { cause: err })
    }
    let parsed: Record<string, unknown> = {}
    try {
      parsed = text === '' ? {} : (JSON.parse(text) as Record<string, unknown>)
    } catch {
      throw new ConnectionError(`${action}: HTTP ${response.status} answered text that is not JSON`)
    }
    if (!response.ok) {
      const type =
        typeof parsed['__type'] === 'string' ? parsed['__type'] : `HTTP${response.status}`
      const name = type.slice(type.lastIndexOf('#') + 1)
      const message =
        typeof parsed['message'] === 'string'
          ? parsed['message']
          : typeof parsed['Message'] === 'string'
            ? parsed['Message']
            : `HTTP ${response.status}`
      if (response.status >= 500) {
        // The server or its database is in trouble, or a proxy is: worth trying again.
        throw new ConnectionError(`${action}: ${name}: ${message}`)
      }
      throw new ServiceError(name, message, response.status)
    }
    return parsed as T
  }
}
