import type { IncomingMessage, ServerResponse } from 'node:http'
import { failureOf } from './task-failure.js'

/** What a function endpoint's handler gets besides the task input (from millrace's headers). */
export interface FunctionContext {
  /** The same when the same attempt is sent again after a crash: deduplicate on it. */
  readonly idempotencyKey: string | undefined
  readonly executionArn: string | undefined
  readonly stateName: string | undefined
  /** 1 for the first attempt, 2 for the first retry … */
  readonly attempt: number | undefined
  readonly taskId: string | undefined
  /** Aborted when millrace hangs up (the call timed out). */
  readonly signal: AbortSignal
}

export type FunctionHandler<I, O> = (input: I, ctx: FunctionContext) => Promise<O> | O

/** The fastify shapes the handler uses (so the SDK does not depend on fastify). */
interface FastifyLikeRequest {
  readonly body: unknown
  readonly headers: IncomingMessage['headers']
}
interface FastifyLikeReply {
  readonly raw: ServerResponse
  code(status: number): FastifyLikeReply
  header(name: string, value: string): FastifyLikeReply
  send(body: string): unknown
}

/**
 * A handler for node:http or fastify that speaks millrace's function call protocol
 * (docs/functions.md): the request body is the task input; the result is answered 200 as JSON; a
 * thrown error is answered 500 `{ errorType, errorMessage }` (a TaskFailure's error and cause,
 * else the error's name and message), which the task fails with.
 *
 * @example
 * // node:http
 * http.createServer(createFunctionHandler(async (input: { n: number }) => ({ n: input.n + 1 }))).listen(9000)
 * // fastify (JSON body already parsed)
 * app.post('/resize', createFunctionHandler(resize))
 */
export function createFunctionHandler<I = unknown, O = unknown>(
  fn: FunctionHandler<I, O>,
): (req: IncomingMessage | FastifyLikeRequest, res: ServerResponse | FastifyLikeReply) => void {
  return (req, res) => {
    if ('writeHead' in res) void handleNode(fn, req as IncomingMessage, res)
    else void handleFastify(fn, req as FastifyLikeRequest, res)
  }
}

function handleNode<I, O>(
  fn: FunctionHandler<I, O>,
  req: IncomingMessage,
  res: ServerResponse,
): void {
  // Events rather than `for await`: a stream's async iterator costs a promise per chunk.
  const chunks: Buffer[] = []
  req.on('data', (chunk: Buffer) => chunks.push(chunk))
  req.once('error', () => {}) // the caller hung up: nobody to answer
  req.once('end', () => {
    const text = Buffer.concat(chunks).toString('utf8')
    let input: I
    try {
      input = (text === '' ? null : JSON.parse(text)) as I
    } catch {
      send(res, 400, { errorType: 'InvalidRequest', errorMessage: 'the body is not JSON' })
      return
    }
    void invoke(fn, input, req, res).then(({ status, body }) => send(res, status, body))
  })
}

async function handleFastify<I, O>(
  fn: FunctionHandler<I, O>,
  request: FastifyLikeRequest,
  reply: FastifyLikeReply,
): Promise<void> {
  // The response, not the request: since Node 16 a request emits 'close' as soon as its body
  // has been read, which says nothing about the caller.
  const { status, body } = await invoke(fn, (request.body ?? null) as I, request, reply.raw)
  reply.code(status).header('content-type', 'application/json').send(JSON.stringify(body))
}

async function invoke<I, O>(
  fn: FunctionHandler<I, O>,
  input: I,
  req: HasHeaders,
  res: ServerResponse,
): Promise<{ status: number; body: unknown }> {
  const ctx = callContext(req, res)
  try {
    const output = await fn(input, ctx)
    return { status: 200, body: output === undefined ? null : output }
  } catch (err) {
    const { error, cause } = failureOf(err)
    return { status: 500, body: { errorType: error, errorMessage: cause ?? '' } }
  }
}

/**
 * A call's FunctionContext, each field read when first asked for: node:http builds a request's
 * headers object on first access, and a handler that looks at none of them (or never at its
 * signal) should not pay for them. The getters are the object's own: spreading it or logging
 * it shows every field.
 */
function callContext(req: HasHeaders, res: ServerResponse): FunctionContext {
  let signal: AbortSignal | undefined
  return {
    get idempotencyKey() {
      return header(req, 'idempotency-key')
    },
    get executionArn() {
      return decoded(req, 'x-millrace-execution-arn')
    },
    get stateName() {
      return decoded(req, 'x-millrace-state-name')
    },
    get attempt() {
      const attempt = header(req, 'x-millrace-attempt')
      return attempt === undefined ? undefined : Number(attempt)
    },
    get taskId() {
      return header(req, 'x-millrace-task-id')
    },
    get signal() {
      return (signal ??= hangUp(res))
    },
  }
}

type HasHeaders = { readonly headers: IncomingMessage['headers'] }

function header(req: HasHeaders, name: string): string | undefined {
  const v = req.headers[name]
  return Array.isArray(v) ? v[0] : v
}

function decoded(req: HasHeaders, name: string): string | undefined {
  const v = header(req, name)
  return v === undefined ? undefined : decodeURIComponent(v)
}

/** Aborts when the connection closes before the answer was written (the caller hung up). */
function hangUp(res: ServerResponse): AbortSignal {
  const abort = new AbortController()
  if (res.destroyed && !res.writableFinished) abort.abort()
  else {
    res.once('close', () => {
      if (!res.writableFinished) abort.abort()
    })
  }
  return abort.signal
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (res.writableEnded || res.destroyed) return
  const text = JSON.stringify(body)
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  })
  res.end(text)
}
