import { randomUUID } from 'node:crypto'
import type { Logger } from 'pino'
import { Agent, type Dispatcher } from 'undici'
import {
  dataLimitCause,
  isObject,
  MAX_PAYLOAD_BYTES,
  parseResource,
  type JsonValue,
  type TaskResource,
} from '../../asl/index.js'
import type { PushTask } from '../../store/decisions.js'
import type { FunctionRow } from '../../store/functions.js'
import type { Database, Unlisten } from '../../store/index.js'
import type { TaskOutcome } from '../run-in-memory.js'
import { FunctionRegistry } from './function-registry.js'
import { DEFAULT_ALLOWED_HOSTS, HostAllowList } from './host-allow-list.js'
import { httpInvokeOutcome, httpInvokeRequest } from './http-invoke.js'
import { invokeRequest, lambdaOutcome, type InvokeRequest } from './lambda-response.js'

/**
 * The HTTP dispatcher: the Engine's push handler for function endpoints (docs/functions.md).
 *
 * - `arn:aws:lambda:…:function:<name>[:qualifier]`: the task input is POSTed as JSON to the
 *   registered URL of <name>; the 2xx JSON answer is the result.
 * - `arn:aws:states:::lambda:invoke` (and `.waitForTaskToken`): Parameters.Payload is POSTed to
 *   Parameters.FunctionName's URL; the result has Lambda's Invoke response shape.
 * - `arn:aws:states:::http:invoke` (and `.waitForTaskToken`): the request Parameters describe,
 *   the result shaped as AWS's HTTP Task shapes it.
 *
 * Errors a task gets, for Retry and Catch to match:
 *
 * | what happened                                     | error                                |
 * | ------------------------------------------------- | ------------------------------------ |
 * | the call took longer than its timeout             | States.Timeout                       |
 * | the answer is larger than 256 KiB                 | States.DataLimitExceeded             |
 * | the function is not registered                    | Lambda.ResourceNotFoundException     |
 * | the host is not on the allow-list                 | Millrace.HostNotAllowed              |
 * | connection refused or reset, DNS failure          | Lambda.SdkClientException            |
 * | a 2xx answer that is not JSON                     | Lambda.InvalidResponse               |
 * | an error body { errorType, errorMessage }         | its errorType (cause: the body)      |
 * | 429 without an error body                         | Lambda.TooManyRequestsException      |
 * | 5xx without an error body                         | Lambda.ServiceException              |
 * | any other status (3xx: redirects are not followed)| Lambda.UnexpectedStatus              |
 * | http:invoke: non-2xx / connection failure         | States.Http.StatusCode.<n> / States.Http.Socket |
 *
 * Every call carries `Idempotency-Key` (the same when the same attempt is sent again after a
 * crash), `X-Millrace-Execution-Arn`, `X-Millrace-State-Name` (percent-encoded UTF-8),
 * `X-Millrace-Attempt`, `X-Millrace-Task-Id`, `X-Millrace-Dispatch` (1, then 2 … for a
 * re-send) and `X-Millrace-Request-Id`. Connections are kept alive; calls to one function are
 * bounded (default 32 in flight per process; the registry's maxConcurrency overrides it), the
 * rest wait their turn. Requests go through undici, which costs about half the CPU of node:http
 * per call.
 */

export interface HttpDispatcherOptions {
  readonly database: Database
  readonly logger?: Logger
  /** Hosts calls may go to (see HostAllowList). Default: loopback only. */
  readonly allowedHosts?: readonly string[]
  /** Calls in flight per function and process when the registry names none. Default 32. */
  readonly maxConcurrencyPerFunction?: number
  /** For the function ARNs in error causes. */
  readonly region?: string
  readonly accountId?: string
}

/** What a call came back with. */
type CallResult =
  | {
      readonly kind: 'response'
      readonly status: number
      readonly headers: ResponseHeaders
      readonly body: string
    }
  | { readonly kind: 'too-large' }
  | { readonly kind: 'timeout' }
  | { readonly kind: 'network'; readonly code: string; readonly message: string }

type ResponseHeaders = Readonly<Record<string, string | string[] | undefined>>

interface CallRequest {
  readonly url: URL
  readonly method: string
  readonly headers: Record<string, string>
  readonly body?: string
  readonly timeoutMs: number
}

/** AWS's HTTP Task gives up after 60 s; so does the ASL default TimeoutSeconds. */
const DEFAULT_TIMEOUT_SECONDS = 60

/**
 * @example
 * const dispatcher = new HttpDispatcher({ database, allowedHosts: ['localhost', '10.0.0.0/8'] })
 * await dispatcher.start()
 * const engine = new Engine({ database, logger, pushHandler: dispatcher.handle })
 * // … on shutdown, after engine.stop():
 * await dispatcher.close()
 */
export class HttpDispatcher {
  readonly registry: FunctionRegistry
  private readonly allow: HostAllowList
  private readonly log: Logger | undefined
  private readonly defaultLimit: number
  private readonly limits = new Map<string, Semaphore>()
  private readonly urls = new WeakMap<FunctionRow, URL>()
  private readonly agent: Agent
  private unlisten: Unlisten | undefined
  private readonly region: string
  private readonly accountId: string

  constructor(options: HttpDispatcherOptions) {
    this.registry = new FunctionRegistry(options.database)
    this.allow = new HostAllowList(options.allowedHosts ?? DEFAULT_ALLOWED_HOSTS)
    // New connections resolve names with the allow-list: to the address it checked.
    this.agent = new Agent({ connections: 256, connect: { lookup: this.allow.lookup } })
    this.log = options.logger
    this.defaultLimit = options.maxConcurrencyPerFunction ?? 32
    this.region = options.region ?? 'us-east-1'
    this.accountId = options.accountId ?? '000000000000'
  }

  /** Keep registry entries until a put or delete says otherwise (a LISTEN). */
  async start(): Promise<void> {
    this.unlisten ??= await this.registry.listen()
  }

  async close(): Promise<void> {
    await this.unlisten?.()
    this.unlisten = undefined
    await this.agent.destroy()
  }

  /** The Engine's push handler. Never throws: every failure is a task outcome. */
  readonly handle = async (task: PushTask): Promise<TaskOutcome> => {
    const resource = parseResource(task.resource)
    if (resource.kind === 'lambda-function') {
      return this.callFunction(task, resource, resource.functionName, task.input, undefined)
    }
    if (
      resource.kind === 'service' &&
      resource.action === 'invoke' &&
      resource.pattern !== 'sync'
    ) {
      if (resource.service === 'lambda') {
        const request = invokeRequest(task.input)
        return this.callFunction(task, resource, request.functionName, request.event, request)
      }
      if (resource.service === 'http') return this.callHttp(task)
    }
    return {
      kind: 'failed',
      error: 'Millrace.UnsupportedIntegration',
      cause: `millrace cannot call ${task.resource}: it runs Lambda function ARNs, lambda:invoke and http:invoke (docs/functions.md)`,
    }
  }

  private async callFunction(
    task: PushTask,
    resource: TaskResource,
    name: string,
    event: JsonValue,
    request: InvokeRequest | undefined,
  ): Promise<TaskOutcome> {
    const fn = await this.registry.lookup(name)
    const arn = `arn:aws:lambda:${this.region}:${this.accountId}:function:${name}`
    if (!fn) {
      return failed(
        'Lambda.ResourceNotFoundException',
        `Function not found: ${arn} (register it with PUT /v1/functions/${name})`,
      )
    }
    const url = this.urlOf(fn)
    if (!(await this.allow.check(url.hostname))) return hostNotAllowed(url, `function ${name}`)
    const requestId = randomUUID()
    const seconds = Math.min(fn.timeoutSeconds, task.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS)
    const result = await this.limit(`fn:${name}`, fn.maxConcurrency).run(() =>
      this.call({
        url,
        method: 'POST',
        headers: {
          ...fn.headers,
          ...millraceHeaders(task, requestId),
          'content-type': 'application/json',
          accept: 'application/json',
        },
        body: JSON.stringify(event),
        timeoutMs: seconds * 1000,
      }),
    )
    switch (result.kind) {
      case 'timeout':
        return { kind: 'timed-out' }
      case 'too-large':
        return failed('States.DataLimitExceeded', dataLimitCause(resource))
      case 'network':
        this.log?.debug({ function: name, code: result.code }, 'function call failed')
        return failed(
          'Lambda.SdkClientException',
          `Unable to call function ${name} at ${url.origin}${url.pathname}: ${result.code} ${result.message}`,
        )
      case 'response':
        return functionOutcome(resource, request, requestId, name, result)
    }
  }

  private async callHttp(task: PushTask): Promise<TaskOutcome> {
    const request = httpInvokeRequest(task.input)
    if ('kind' in request) return request
    if (!(await this.allow.check(request.url.hostname))) {
      return hostNotAllowed(request.url, 'http:invoke')
    }
    const requestId = randomUUID()
    const seconds = Math.min(
      task.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS,
      DEFAULT_TIMEOUT_SECONDS,
    )
    const result = await this.limit(`http:${request.url.host}`, null).run(() =>
      this.call({
        url: request.url,
        method: request.method,
        headers: { ...request.headers, ...millraceHeaders(task, requestId) },
        ...(request.body !== undefined ? { body: request.body } : {}),
        timeoutMs: seconds * 1000,
      }),
    )
    switch (result.kind) {
      case 'timeout':
        return { kind: 'timed-out' }
      case 'too-large':
        return failed('States.DataLimitExceeded', dataLimitCause(parseResource(task.resource)))
      case 'network':
        return failed(
          'States.Http.Socket',
          `Unable to call ${request.url.origin}${request.url.pathname}: ${result.code} ${result.message}`,
        )
      case 'response':
        return httpInvokeOutcome(result.status, result.headers, result.body)
    }
  }

  /**
   * One HTTP request: no redirects (undici's dispatch never follows them), the answer read up
   * to 256 KiB (a larger one is cut off: too-large), a timeout over the whole exchange.
   */
  private call(req: CallRequest): Promise<CallResult> {
    return new Promise((settle) => {
      const reader = new ResponseReader(settle, MAX_PAYLOAD_BYTES, req.timeoutMs)
      this.agent.dispatch(
        {
          origin: req.url.origin,
          path: `${req.url.pathname}${req.url.search}`,
          method: req.method,
          headers: req.headers,
          ...(req.body !== undefined ? { body: req.body } : {}),
        },
        reader,
      )
    })
  }

  /** A function's URL, parsed once per registry row (the registry hands out the row it cached). */
  private urlOf(fn: FunctionRow): URL {
    let url = this.urls.get(fn)
    if (!url) {
      url = new URL(fn.url)
      this.urls.set(fn, url)
    }
    return url
  }

  private limit(key: string, max: number | null): Semaphore {
    const wanted = max ?? this.defaultLimit
    let s = this.limits.get(key)
    if (!s) {
      s = new Semaphore(wanted)
      this.limits.set(key, s)
    }
    s.max = wanted
    return s
  }
}

/** The outcome of a function's answer (Lambda's protocol). */
function functionOutcome(
  resource: TaskResource,
  request: InvokeRequest | undefined,
  requestId: string,
  name: string,
  result: Extract<CallResult, { kind: 'response' }>,
): TaskOutcome {
  const { status, body, headers } = result
  const response = {
    status,
    body,
    requestId: headerText(headers['x-amzn-requestid']) ?? requestId,
    functionError: headers['x-amz-function-error'] !== undefined,
  }
  if (status >= 200 && status < 300) return lambdaOutcome(resource, response, request)
  if (Buffer.byteLength(body, 'utf8') > MAX_PAYLOAD_BYTES) {
    return failed('States.DataLimitExceeded', dataLimitCause(resource))
  }
  if (isLambdaError(body)) return lambdaOutcome(resource, response, request)
  const what = `HTTP ${status} from function ${name}${snippet(body)}`
  if (status === 429) return failed('Lambda.TooManyRequestsException', what)
  if (status >= 500) return failed('Lambda.ServiceException', what)
  const location = headerText(headers['location'])
  return failed(
    'Lambda.UnexpectedStatus',
    status >= 300 && status < 400
      ? `${what}: redirects are not followed${location ? ` (to ${location})` : ''}`
      : what,
  )
}

function isLambdaError(body: string): boolean {
  try {
    const parsed = JSON.parse(body) as unknown
    return isObject(parsed) && typeof (parsed as { errorType?: unknown }).errorType === 'string'
  } catch {
    return false
  }
}

function snippet(body: string): string {
  const text = body.trim()
  if (text === '') return ''
  return `: ${text.length > 512 ? `${text.slice(0, 512)}…` : text}`
}

function headerText(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value
}

function failed(error: string, cause: string): TaskOutcome {
  return { kind: 'failed', error, cause }
}

function hostNotAllowed(url: URL, what: string): TaskOutcome {
  return failed(
    'Millrace.HostNotAllowed',
    `The host ${url.hostname} of ${what} is not on the engine's allow-list (MILLRACE_ALLOWED_HOSTS)`,
  )
}

/**
 * Reads one response for `call` through undici's handler interface: the body is collected as
 * it arrives, with no stream or AbortSignal per call. Settles once: with the response, too-large
 * (the declared or read length passes `max`; the exchange is aborted), a timeout after
 * `timeoutMs` (aborted too) or a network error.
 */
class ResponseReader implements Dispatcher.DispatchHandler {
  private controller: Dispatcher.DispatchController | undefined
  private settled = false
  private status = 0
  private headers: ResponseHeaders = {}
  private readonly chunks: Buffer[] = []
  private size = 0
  private readonly timer: NodeJS.Timeout

  constructor(
    private readonly settle: (result: CallResult) => void,
    private readonly max: number,
    timeoutMs: number,
  ) {
    this.timer = setTimeout(() => this.finish({ kind: 'timeout' }), timeoutMs)
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller
    // Timed out while it waited for a connection: give the connection back at once.
    if (this.settled) controller.abort(new Error('millrace: call abandoned'))
  }

  onResponseStart(
    _controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: ResponseHeaders,
  ): void {
    this.status = statusCode
    this.headers = headers
    const declared = Number(headers['content-length'])
    if (Number.isFinite(declared) && declared > this.max) this.finish({ kind: 'too-large' })
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.size += chunk.length
    if (this.size > this.max) this.finish({ kind: 'too-large' })
    else this.chunks.push(chunk)
  }

  onResponseEnd(): void {
    const body = Buffer.concat(this.chunks, this.size).toString('utf8')
    this.finish({ kind: 'response', status: this.status, headers: this.headers, body })
  }

  onResponseError(_controller: Dispatcher.DispatchController | undefined, err: Error): void {
    const e = err as NodeJS.ErrnoException
    this.finish({ kind: 'network', code: e.code ?? 'ERROR', message: e.message })
  }

  private finish(result: CallResult): void {
    if (this.settled) return
    this.settled = true
    clearTimeout(this.timer)
    this.settle(result)
    // Anything but a complete answer leaves the exchange unfinished: end it, freeing the socket.
    if (result.kind === 'too-large' || result.kind === 'timeout') {
      this.controller?.abort(new Error(`millrace: call ended (${result.kind})`))
    }
  }
}

function millraceHeaders(task: PushTask, requestId: string): Record<string, string> {
  return {
    'idempotency-key': `${task.id}:${task.attempt}`,
    'x-millrace-task-id': task.id,
    'x-millrace-attempt': String(task.attempt),
    'x-millrace-dispatch': String(task.dispatchCount),
    'x-millrace-state-name': encodeURIComponent(task.stateName),
    'x-millrace-request-id': requestId,
    ...(task.executionArn !== undefined
      ? { 'x-millrace-execution-arn': encodeURIComponent(task.executionArn) }
      : {}),
    'user-agent': 'millrace',
  }
}

/** At most `max` holders at once; the others wait in arrival order. */
class Semaphore {
  private active = 0
  private readonly waiting: (() => void)[] = []
  constructor(public max: number) {}

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.max) await new Promise<void>((r) => this.waiting.push(r))
    this.active++
    try {
      return await fn()
    } finally {
      this.active--
      if (this.active < this.max) this.waiting.shift()?.()
    }
  }
}
