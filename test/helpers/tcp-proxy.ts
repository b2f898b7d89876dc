// A TCP proxy on 127.0.0.1 that a test can take "down" and bring back, to play a database server
// that restarts without restarting the shared test server.
import { once } from 'node:events'
import { createServer, connect, type AddressInfo, type Socket } from 'node:net'

export interface TcpProxy {
  /** Port on 127.0.0.1 that forwards to the target. */
  readonly port: number
  /** Cuts every open connection and refuses new ones (accepted, then closed at once). */
  down(): void
  /** Forwards new connections again. */
  up(): void
  /** Resolves when `count` more connections have been refused since the call. */
  refusals(count: number): Promise<void>
  close(): Promise<void>
}

/**
 * Starts a proxy to `target` (`host:port` of a URL).
 *
 * @example
 * const proxy = await startTcpProxy('127.0.0.1', 5432)
 * proxy.down(); await proxy.refusals(2); proxy.up()
 */
export async function startTcpProxy(host: string, port: number): Promise<TcpProxy> {
  const open = new Set<Socket>()
  let isDown = false
  let refused = 0
  const waiters: { until: number; resolve: () => void }[] = []

  const server = createServer((client) => {
    if (isDown) {
      refused++
      client.destroy()
      for (const waiter of waiters.filter((w) => refused >= w.until)) {
        waiters.splice(waiters.indexOf(waiter), 1)
        waiter.resolve()
      }
      return
    }
    const upstream = connect(port, host)
    open.add(client).add(upstream)
    const cut = () => {
      client.destroy()
      upstream.destroy()
      open.delete(client)
      open.delete(upstream)
    }
    client.on('error', cut).on('close', cut)
    upstream.on('error', cut).on('close', cut)
    client.pipe(upstream).pipe(client)
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')

  return {
    port: (server.address() as AddressInfo).port,
    down() {
      isDown = true
      for (const socket of open) socket.destroy()
      open.clear()
    },
    up() {
      isDown = false
    },
    refusals(count) {
      return new Promise((resolve) => waiters.push({ until: refused + count, resolve }))
    },
    async close() {
      for (const socket of open) socket.destroy()
      server.close()
      await once(server, 'close')
    },
  }
}
