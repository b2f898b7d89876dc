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

async function handleNode<I, O>(
  fn: FunctionHandler<I, O>,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const chunks: Buffer[] = []
  try {
    for await (const chunk of req) chunks.push(chunk as Buffer)
  } catch {
    return // the caller hung up
  }
  const text = Buffer.concat(chunks).toString('utf8')
  let input: I
  try {
    input = (text === '' ? null : JSON.parse(text)) as I
  } catch {
    return send(res, 400, { errorType: 'InvalidRequest', errorMessage: 'the body is not JSON' })
  }
  const { status, body } = await invoke(fn, input, req.headers, hangUp(res))
  send(res, status, body)
}

async function handleFastify<I, O>(
  fn: FunctionHandler<I, O>,
  request: FastifyLikeRequest,
  reply: FastifyLikeReply,
): Promise<void> {
  // The response, not the request: since Node 16 a request emits 'close' as soon as its body
  // has been read, which says nothing about the caller.
  const { status, body } = await invoke(
    fn,
    (request.body ?? null) as I,
    request.headers,
    hangUp(reply.raw),
  )
  reply.code(status).header('content-type', 'application/json').send(JSON.stringify(body))
}

async function invoke<I, O>(
  fn: FunctionHandler<I, O>,
  input: I,
  headers: IncomingMessage['headers'],
  signal: AbortSignal,
): Promise<{ status: number; body: unknown }> {
  const header = (name: string) => {
    const v = headers[name]
    return Array.isArray(v) ? v[0] : v
  }
  const decoded = (name: string) => {
    const v = header(name)
    return v === undefined ? undefined : decodeURIComponent(v)
  }
  const attempt = header('x-millrace-attempt')
  const ctx: FunctionContext = {
    idempotencyKey: header('idempotency-key'),
    executionArn: decoded('x-millrace-execution-arn'),
    stateName: decoded('x-millrace-state-name'),
    attempt: attempt === undefined ? undefined : Number(attempt),
    taskId: header('x-millrace-task-id'),
    signal,
  }
  try {
    const output = await fn(input, ctx)
    return { status: 200, body: output === undefined ? null : output }
  } catch (err) {
    const { error, cause } = failureOf(err)
    return { status: 500, body: { errorType: error, errorMessage: cause ?? '' } }
  }
}

/** Aborts when the connection closes before the answer was written (the caller hung up). */
function hangUp(res: ServerResponse): AbortSignal {
  const abort = new AbortController()
  res.once('close', () => {
    if (!res.writableFinished) abort.abort()
  })
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
