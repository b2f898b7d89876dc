// The bench's echo-counter function endpoint (../shared/bench/README.md), a process of its own:
// answers its input with `counter` + 1. Prints {"port":<port>} once listening on 127.0.0.1.
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createFunctionHandler } from '../worker-sdk/index.js'

const echo = createFunctionHandler<Record<string, unknown>, Record<string, unknown>>((input) => {
  const counter = typeof input['counter'] === 'number' ? input['counter'] : 0
  return { ...input, counter: counter + 1 }
})
const server = createServer(echo)
server.keepAliveTimeout = 60_000
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`)
})
process.once('SIGTERM', () => server.close(() => process.exit(0)))
