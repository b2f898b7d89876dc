// Function endpoints over real HTTP on 127.0.0.1 for the dispatcher tests: the handler kinds of
// ../shared/conformance/README.md at /<kind>, plus endpoints that misbehave on purpose.
import { randomUUID } from 'node:crypto'
import { once } from 'node:events'
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

/** The handler kinds of the conformance README, by name. */
export const HANDLER_KINDS = [
  'identity',
  'return_hello_world',
  'return_bytes_hello_world',
  'raise_exception',
  'raise_custom_exception',
  'large_output',
  'sleep_60s',
] as const

export interface ReceivedCall {
  readonly path: string
  readonly method: string
  readonly headers: IncomingHttpHeaders
  readonly body: string
}

export interface FunctionServer {
  readonly port: number
  /** `http://127.0.0.1:<port>` */
  readonly origin: string
  /** Every request received, in arrival order. */
  readonly calls: ReceivedCall[]
  /** Handle `path` yourself (overrides the built-in endpoints). */
  route(path: string, handler: (call: ReceivedCall, res: ServerResponse) => void): void
  close(): Promise<void>
}

/**
 * Starts the endpoints:
 * - `/<kind>` for each of {@link HANDLER_KINDS} (`sleep_60s` sleeps `SLEEP_MS`, 60 s by default);
 * - `/status/<n>`: answers status n with a plain-text body;
 * - `/not-json`: 200 with a body that is not JSON;
 * - `/redirect?to=<url>`: 302 to that URL;
 * - `/flaky/<n>/<anything>`: fails (500, Lambda error body FlakyError) the first n calls to
 *   that path, then echoes;
 * - `/slow/<ms>`: echoes after ms milliseconds;
 * - `/headers`: answers the request headers it got.
 *
 * @example
 * const server = await startFunctionServer()
 * await service.putFunction(ctx, { name: 'identity', url: `${server.origin}/identity` })
 */
export async function startFunctionServer(
  options: { sleepMs?: number } = {},
): Promise<FunctionServer> {
  const calls: ReceivedCall[] = []
  const routes = new Map<string, (call: ReceivedCall, res: ServerResponse) => void>()
  const flaky = new Map<string, number>()
  const sleepers = new Set<NodeJS.Timeout>()
  const sleep = (ms: number, then: () => void) => {
    const t = setTimeout(() => {
      sleepers.delete(t)
      then()
    }, ms)
    sleepers.add(t)
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1')
      const call: ReceivedCall = {
        path: url.pathname,
        method: req.method ?? 'GET',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      }
      calls.push(call)
      const custom = routes.get(url.pathname)
      if (custom) return custom(call, res)
      const json = (status: number, value: unknown) => {
        res.writeHead(status, {
          'content-type': 'application/json',
          'x-amzn-requestid': randomUUID(),
        })
        res.end(JSON.stringify(value))
      }
      const lambdaError = (errorType: string, errorMessage: string) =>
        json(500, {
          errorMessage,
          errorType,
          requestId: randomUUID(),
          stackTrace: ['  File "/var/task/handler.py", line 2, in handler\n'],
        })
      const parts = url.pathname.split('/').filter(Boolean)
      switch (parts[0]) {
        case 'identity':
          res.writeHead(200, { 'content-type': 'application/json' })
          return res.end(call.body)
        case 'return_hello_world':
          return json(200, { Return: 'HelloWorld' })
        case 'return_bytes_hello_world':
          return json(200, 'HelloWorld!')
        case 'raise_exception':
          return lambdaError('Exception', 'Some exception was raised.')
        case 'raise_custom_exception':
          return lambdaError('CustomException', '')
        case 'large_output':
          res.writeHead(200, { 'content-type': 'application/json' })
          return res.end('a'.repeat(263_168))
        case 'sleep_60s':
          return sleep(options.sleepMs ?? 60_000, () => {
            res.writeHead(200, { 'content-type': 'application/json' })
            res.end(call.body)
          })
        case 'status': {
          res.writeHead(Number(parts[1]), { 'content-type': 'text/plain' })
          return res.end(`status ${parts[1]}`)
        }
        case 'not-json':
          res.writeHead(200, { 'content-type': 'text/html' })
          return res.end('<html>not json</html>')
        case 'redirect':
          res.writeHead(302, { location: url.searchParams.get('to') ?? '/' })
          return res.end()
        case 'flaky': {
          const key = url.pathname
          const seen = (flaky.get(key) ?? 0) + 1
          flaky.set(key, seen)
          if (seen <= Number(parts[1])) return lambdaError('FlakyError', `call ${seen} fails`)
          res.writeHead(200, { 'content-type': 'application/json' })
          return res.end(call.body)
        }
        case 'slow':
          return sleep(Number(parts[1]), () => {
            res.writeHead(200, { 'content-type': 'application/json' })
            res.end(call.body)
          })
        case 'headers':
          return json(200, call.headers)
        case undefined:
        default:
          return json(404, { message: `no endpoint ${url.pathname}` })
      }
    })
  })
  server.keepAliveTimeout = 30_000
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const port = (server.address() as AddressInfo).port
  return {
    port,
    origin: `http://127.0.0.1:${port}`,
    calls,
    route: (path, handler) => routes.set(path, handler),
    async close() {
      for (const t of sleepers) clearTimeout(t)
      server.closeAllConnections()
      server.close()
      await once(server, 'close')
    },
  }
}
