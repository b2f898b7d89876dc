import { lookup as dnsCallbackLookup } from 'node:dns'
import { lookup as dnsLookup } from 'node:dns/promises'
import { BlockList, isIP, type LookupFunction } from 'node:net'

/**
 * Which hosts push tasks may call (outbound safety against SSRF). Entries:
 * - `localhost`, `api.example.com`: that host name (case-insensitive), whatever it resolves to;
 * - `*.example.com`: any name under example.com;
 * - `127.0.0.1`, `::1`: that address; `10.0.0.0/8`, `fd00::/8`: an address range;
 * - `*`: every host (no protection: only for trusted definitions on a trusted network).
 *
 * A host name that no name entry covers is allowed only when every address it resolves to is in
 * an address entry, and the call then connects to the address that was checked: connections
 * resolve names with `lookup`, which answers that address (a DNS answer that changes between
 * the check and the connection cannot sneak in another host).
 */
export const DEFAULT_ALLOWED_HOSTS: readonly string[] = ['localhost', '127.0.0.0/8', '::1']

export interface ResolvedHost {
  /** The address to connect to; undefined: connect by name (a name entry allowed it). */
  readonly address?: string
  readonly family?: 4 | 6
}

/** Checked host names, and checked addresses, remembered at most (a full map is emptied). */
const MAX_REMEMBERED = 1000

export class HostAllowList {
  private readonly any: boolean
  private readonly names = new Set<string>()
  private readonly suffixes: string[] = []
  private readonly addresses = new BlockList()
  /** Host names allowed by their addresses: the address each was last checked at. */
  private readonly pinned = new Map<string, { address: string; family: 4 | 6 }>()
  /** Addresses checked against the entries (which never change), and the answer. */
  private readonly checked = new Map<string, boolean>()

  constructor(entries: readonly string[] = DEFAULT_ALLOWED_HOSTS) {
    this.any = entries.includes('*')
    for (const raw of entries) {
      const entry = raw
        .trim()
        .toLowerCase()
        .replace(/^\[|\]$/g, '')
      if (entry === '' || entry === '*') continue
      const slash = entry.indexOf('/')
      if (slash > 0) {
        const net = entry.slice(0, slash)
        const prefix = Number(entry.slice(slash + 1))
        const family = isIP(net)
        if (family === 0 || !Number.isInteger(prefix)) {
          throw new Error(`allowed host ${JSON.stringify(raw)}: not an address range`)
        }
        this.addresses.addSubnet(net, prefix, family === 4 ? 'ipv4' : 'ipv6')
      } else if (isIP(entry) !== 0) {
        this.addresses.addAddress(entry, isIP(entry) === 4 ? 'ipv4' : 'ipv6')
      } else if (entry.startsWith('*.')) {
        this.suffixes.push(entry.slice(1))
      } else {
        this.names.add(entry)
      }
    }
  }

  /**
   * Whether `hostname` (a URL's hostname) may be called; answers how to connect, or undefined
   * when it may not.
   */
  async check(hostname: string): Promise<ResolvedHost | undefined> {
    const host = hostname.toLowerCase().replace(/^\[|\]$/g, '')
    if (this.any) return {}
    const family = isIP(host)
    if (family !== 0) return this.addressAllowed(host, family) ? {} : undefined
    if (this.allowedByName(host)) return {}
    let resolved: { address: string; family: number }[]
    try {
      resolved = await dnsLookup(host, { all: true })
    } catch {
      return undefined
    }
    if (resolved.length === 0) return undefined
    if (!resolved.every((r) => this.addressAllowed(r.address, r.family))) return undefined
    const first = resolved[0] as { address: string; family: number }
    const pin = { address: first.address, family: first.family === 6 ? (6 as const) : (4 as const) }
    if (this.pinned.size >= MAX_REMEMBERED) this.pinned.clear()
    this.pinned.set(host, pin)
    return pin
  }

  /**
   * The DNS lookup for connections (net.connect's `lookup`): a host name `check` allowed by its
   * addresses resolves to the address it was checked at; one allowed by name is asked of DNS.
   * Any other name (its pin forgotten since, the map being full) is checked again here, so a
   * connection never goes to an address the allow-list did not admit.
   */
  readonly lookup: LookupFunction = (hostname, options, callback) => {
    const answer = (pin: { address: string; family: 4 | 6 }) => {
      if (options.all) callback(null, [pin])
      else callback(null, pin.address, pin.family)
    }
    const host = hostname.toLowerCase()
    const pin = this.pinned.get(host)
    if (pin) answer(pin)
    else if (this.any || this.allowedByName(host)) dnsCallbackLookup(hostname, options, callback)
    else {
      void this.check(host).then((checked) => {
        if (checked?.address !== undefined) {
          answer({ address: checked.address, family: checked.family ?? 4 })
          return
        }
        const err: NodeJS.ErrnoException = new Error(`${hostname} is not on the allow-list`)
        err.code = 'EHOSTNOTALLOWED'
        callback(err, '', 4)
      })
    }
  }

  private allowedByName(host: string): boolean {
    return this.names.has(host) || this.suffixes.some((s) => host.endsWith(s))
  }

  /** BlockList.check builds a SocketAddress per call; every push task asks about its host. */
  private addressAllowed(address: string, family: number): boolean {
    let allowed = this.checked.get(address)
    if (allowed === undefined) {
      allowed = this.addresses.check(address, family === 6 ? 'ipv6' : 'ipv4')
      if (this.checked.size >= MAX_REMEMBERED) this.checked.clear()
      this.checked.set(address, allowed)
    }
    return allowed
  }
}
