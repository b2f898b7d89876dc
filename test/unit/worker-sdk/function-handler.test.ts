import { once } from 'node:events'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fastify } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createFunctionHandler,
  TaskFailure,
  type FunctionContext,
} from '../../../worker-sdk/index.js'

/** What ctx.signal did, by the `wait` of the call that saw it. */
const signals = new Map<string, 'aborted' | 'quiet'>()

/** createFunctionHandler speaks the function call protocol on node:http and on fastify. */
const handler = createFunctionHandler<
  { n?: number; fail?: string; wait?: string; ms?: number },
  unknown
>(async (input, ctx) => {
  if (input.fail === 'task') throw new TaskFailure('Order.Invalid', 'no items')
  if (input.fail === 'error') throw new TypeError('boom')
  if (input.wait !== undefined) {
    const key = input.wait
    signals.set(key, 'quiet')
    ctx.signal.addEventListener('abort', () => signals.set(key, 'aborted'))
    await new Promise((r) => setTimeout(r, input.ms ?? 0))
    return { waited: true }
  }
  return { n: (input.n ?? 0) + 1, ctx: { ...ctx, signal: undefined } as Partial<FunctionContext> }
})

const headers = {
  'content-type': 'application/json',
  'idempotency-key': 'task-1:2',
  'x-millrace-execution-arn': encodeURIComponent(
    'arn:aws:states:us-east-1:000000000000:execution:m:e',
  ),
  'x-millrace-state-name': encodeURIComponent('Prüfen'),
  'x-millrace-attempt': '2',
  'x-millrace-task-id': 'task-1',
}

for (const kind of ['node:http', 'fastify'] as const) {
  describe(`createFunctionHandler on ${kind}`, () => {
    let url: string
    let close: () => Promise<void>

    beforeAll(async () => {
      if (kind === 'node:http') {
        const server = createServer(handler)
        server.listen(0, '127.0.0.1')
        await once(server, 'listening')
        url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/fn`
        close = async () => {
          server.close()
          await once(server, 'close')
        }
      } else {
        const app = fastify({ forceCloseConnections: true })
        app.post('/fn', handler)
        url = `${await app.listen({ host: '127.0.0.1', port: 0 })}/fn`
        close = () => app.close()
      }
    })

    afterAll(() => close())

    const call = async (body: unknown) => {
      const res = await fetch(url, { method: 'POST', headers, body: JSON.stringify(body) })
      return { status: res.status, body: (await res.json()) as Record<string, unknown> }
    }

    it('answers the result 200 with the call context from the headers', async () => {
      const r = await call({ n: 1 })
      expect(r.status).toBe(200)
      expect(r.body).toEqual({
        n: 2,
        ctx: {
          idempotencyKey: 'task-1:2',
          executionArn: 'arn:aws:states:us-east-1:000000000000:execution:m:e',
          stateName: 'Prüfen',
          attempt: 2,
          taskId: 'task-1',
        },
      })
    })

    it("answers a TaskFailure as Lambda's error body", async () => {
      expect(await call({ fail: 'task' })).toEqual({
        status: 500,
        body: { errorType: 'Order.Invalid', errorMessage: 'no items' },
      })
    })

    it('answers any other error with its name and message', async () => {
      expect(await call({ fail: 'error' })).toEqual({
        status: 500,
        body: { errorType: 'TypeError', errorMessage: 'boom' },
      })
    })

    it('ctx.signal stays quiet through a call that is answered', async () => {
      const key = `${kind}-answered`
      expect(await call({ wait: key, ms: 100 })).toEqual({ status: 200, body: { waited: true } })
      await new Promise((r) => setTimeout(r, 50))
      expect(signals.get(key)).toBe('quiet')
    })

    it('ctx.signal aborts when the caller hangs up', async () => {
      const key = `${kind}-hung-up`
      const abort = new AbortController()
      const pending = fetch(url, {
        method: 'POST',
        headers,
        body: JSON.stringify({ wait: key, ms: 2000 }),
        signal: abort.signal,
      }).catch(() => 'hung up')
      await until(() => signals.get(key) === 'quiet')
      abort.abort()
      expect(await pending).toBe('hung up')
      await until(() => signals.get(key) === 'aborted')
    })
  })
}

async function until(ok: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !ok(); i++) await new Promise((r) => setTimeout(r, 10))
  expect(ok()).toBe(true)
}
