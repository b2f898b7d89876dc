import { describe, expect, it } from 'vitest'
import { HostAllowList } from '../../../engine/runtime/dispatch/host-allow-list.js'

/** The outbound allow-list: which hosts push tasks may call (docs/functions.md). */
describe('HostAllowList', () => {
  const table: { entries?: string[]; host: string; allowed: boolean; why: string }[] = [
    { host: '127.0.0.1', allowed: true, why: 'loopback is allowed by default' },
    { host: '127.8.9.10', allowed: true, why: 'the whole 127.0.0.0/8 range' },
    { host: '[::1]', allowed: true, why: 'IPv6 loopback, bracketed as in a URL' },
    { host: 'localhost', allowed: true, why: 'the name localhost' },
    { host: '10.0.0.1', allowed: false, why: 'a private address is not loopback' },
    { host: '169.254.169.254', allowed: false, why: 'the cloud metadata address' },
    { host: 'metadata.invalid', allowed: false, why: 'a name that does not resolve' },
    { entries: ['10.0.0.0/8'], host: '10.1.2.3', allowed: true, why: 'an address range' },
    { entries: ['10.0.0.0/8'], host: '11.0.0.1', allowed: false, why: 'outside the range' },
    { entries: ['10.0.0.0/8'], host: '127.0.0.1', allowed: false, why: 'the default is replaced' },
    {
      entries: ['api.example.com'],
      host: 'API.example.com',
      allowed: true,
      why: 'names ignore case',
    },
    { entries: ['*.example.com'], host: 'a.b.example.com', allowed: true, why: 'a wildcard' },
    {
      entries: ['*.example.com'],
      host: 'example.com',
      allowed: false,
      why: 'the wildcard needs a label',
    },
    { entries: ['*.example.com'], host: 'evilexample.com', allowed: false, why: 'not a subdomain' },
    { entries: ['*'], host: '8.8.8.8', allowed: true, why: 'everything' },
    {
      entries: ['127.0.0.0/8'],
      host: 'localhost',
      allowed: true,
      why: 'a name resolving into a range',
    },
  ]
  for (const c of table) {
    it(`${c.host} with [${(c.entries ?? ['default']).join(', ')}]: ${c.why}`, async () => {
      const list = new HostAllowList(c.entries)
      expect((await list.check(c.host)) !== undefined).toBe(c.allowed)
    })
  }

  it('connects to the address it checked when an address entry allowed a name', async () => {
    const resolved = await new HostAllowList(['127.0.0.0/8', '::1']).check('localhost')
    expect(resolved?.address).toMatch(/^(127\.|::1)/)
  })

  it('resolves a name it allowed by its addresses to the address it checked', async () => {
    const list = new HostAllowList(['127.0.0.0/8', '::1'])
    const checked = await list.check('LocalHost')
    const lookup = (hostname: string, all: boolean) =>
      new Promise<unknown>((resolve, reject) => {
        list.lookup(hostname, { all }, (err, address, family) => {
          if (err) reject(err)
          else resolve(all ? address : { address, family })
        })
      })
    expect(checked?.address).toBeDefined()
    const pin = { address: checked?.address, family: checked?.family }
    expect(await lookup('localhost', false)).toEqual(pin)
    expect(await lookup('localhost', true)).toEqual([pin])
    // A name allowed by name is not pinned: DNS answers it.
    const byName = new HostAllowList(['localhost', '*.invalid'])
    expect(await byName.check('localhost')).toEqual({})
    await expect(
      new Promise((resolve, reject) =>
        byName.lookup('nothing.invalid', {}, (err) => (err ? reject(err) : resolve(null))),
      ),
    ).rejects.toMatchObject({ code: 'ENOTFOUND' })
  })

  it('checks a name it has not checked before when a connection resolves it', async () => {
    const list = new HostAllowList(['127.0.0.0/8', '::1'])
    const resolve = (hostname: string) =>
      new Promise<unknown>((resolve, reject) => {
        list.lookup(hostname, {}, (err, address) => (err ? reject(err) : resolve(address)))
      })
    // Not checked first (a pin forgotten): the lookup checks it itself, and pins it.
    const address = await resolve('localhost')
    expect((await list.check('localhost'))?.address).toBe(address)
    await expect(resolve('nothing.invalid')).rejects.toMatchObject({ code: 'EHOSTNOTALLOWED' })
  })

  it('refuses an entry that is not a range', () => {
    expect(() => new HostAllowList(['nonsense/8'])).toThrow(/not an address range/)
  })
})
