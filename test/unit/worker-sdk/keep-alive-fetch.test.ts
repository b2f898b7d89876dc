import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { keepAliveFetch } from '../../../worker-sdk/index.js'

describe('keepAliveFetch (the worker client default)', () => {
  let server: Server
  let url: string
  const seen: { body: string; headers: IncomingMessage['headers']; socket: unknown }[] = []

  beforeEach(async () => {
    seen.length = 0
    server = createServer((req, res) => {
      let body = ''
      req.setEncoding('utf8')
      req.on('data', (chunk: string) => (body += chunk))
      req.on('end', () => {
        seen.push({ body, headers: req.headers, socket: req.socket })
        if (req.headers['x-hang'] !== undefined) return // never answers
        res.statusCode = body === 'fail' ? 400 : 200
        res.end(JSON.stringify({ echo: body }))
      })
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`
  })

  afterEach(async () => {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  })

  const post = (body: string, headers: Record<string, string> = {}, signal?: AbortSignal) =>
    keepAliveFetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.0', ...headers },
      body,
      ...(signal ? { signal } : {}),
    })

  it('sends the body and headers and answers status, ok and the text', async () => {
    const ok = await post('héllo')
    expect([ok.status, ok.ok, await ok.text()]).toEqual([200, true, '{"echo":"héllo"}'])
    expect(seen[0]?.headers['content-type']).toBe('application/x-amz-json-1.0')
    expect(seen[0]?.headers['content-length']).toBe(String(Buffer.byteLength('héllo')))
    const failed = await post('fail')
    expect([failed.status, failed.ok]).toEqual([400, false])
  })

  it('reuses one connection for calls one after another', async () => {
    for (let i = 0; i < 3; i++) await (await post(`call ${i}`)).text()
    expect(seen).toHaveLength(3)
    expect(new Set(seen.map((s) => s.socket)).size).toBe(1)
  })

  it('rejects when the signal aborts a call in flight, and when nothing listens', async () => {
    const abort = new AbortController()
    const hanging = post('wait', { 'x-hang': '1' }, abort.signal)
    while (seen.length === 0) await new Promise((r) => setTimeout(r, 5))
    abort.abort()
    await expect(hanging).rejects.toThrow(/abort/i)
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
    await expect(post('anyone?')).rejects.toThrow(/ECONNREFUSED/)
    server.listen(0, '127.0.0.1') // for afterEach
  })
})
