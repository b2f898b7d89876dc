import { createHash, timingSafeEqual } from 'node:crypto'
import { MillraceError } from '../../engine/errors.js'
import { parseScope, type Principal, type Scope } from './scopes.js'

/**
 * API keys for the REST door (`Authorization: Bearer <key>`). Only the SHA-256 of each key is
 * kept in memory and in the keys file; a presented key is hashed and compared with every stored
 * hash in constant time. Keys are long random strings (`millrace key` makes one), so a plain
 * SHA-256 is enough: there is nothing to brute-force that a slow hash would protect.
 */
export interface ApiKey {
  /** Shown in logs and errors: the keys file's `id`, or `key-` and 12 hex digits of the hash. */
  readonly id: string
  readonly sha256: Buffer
  readonly scopes: readonly Scope[]
}

/**
 * SHA-256 of a key, as hex (what the keys file stores).
 *
 * @example
 * hashKey('s3cret') // '5b4e…'
 */
export function hashKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex')
}

/**
 * Parses `MILLRACE_API_KEYS`: comma-separated entries `KEY` (scope admin) or `KEY=SCOPE+SCOPE`
 * (scopes: admin, read, start, worker, worker:ACTIVITY, metrics). Keys may not contain `,`, `=` or
 * spaces; only their hashes are kept.
 *
 * @example
 * parseApiKeys('k1, k2=read, k3=worker:resize+worker:thumbs')
 */
export function parseApiKeys(text: string): ApiKey[] {
  const keys: ApiKey[] = []
  for (const entry of text.split(',')) {
    const trimmed = entry.trim()
    if (trimmed === '') continue
    const at = trimmed.indexOf('=')
    const key = at < 0 ? trimmed : trimmed.slice(0, at)
    const scopes = at < 0 ? 'admin' : trimmed.slice(at + 1)
    if (key.length < 16 || /\s/.test(key)) {
      // The key itself is not echoed: only where it is in the list.
      throw new Error(
        `MILLRACE_API_KEYS entry ${keys.length + 1}: a key must be at least 16 characters without spaces`,
      )
    }
    keys.push(makeKey(undefined, hashKey(key), scopes.split('+').map(parseScope)))
  }
  return keys
}

/**
 * Parses a keys file: `{ "keys": [{ "id": "ci", "sha256": "<hex>", "scopes": ["start"] }] }`.
 * The file holds hashes only (`millrace key` prints an entry).
 */
export function parseKeysFile(json: string, source = 'keys file'): ApiKey[] {
  let parsed: unknown
  try {
    parsed = JSON.parse(json)
  } catch (err) {
    throw new Error(`${source}: not JSON (${(err as Error).message})`)
  }
  const list = (parsed as { keys?: unknown } | null)?.keys
  if (!Array.isArray(list)) throw new Error(`${source}: expected { "keys": [ … ] }`)
  return list.map((item: unknown, i) => {
    const { id, sha256, scopes } = (item ?? {}) as Record<string, unknown>
    if (typeof sha256 !== 'string' || !/^[0-9a-f]{64}$/i.test(sha256)) {
      throw new Error(`${source}: keys[${i}].sha256 must be 64 hex digits`)
    }
    if (id !== undefined && (typeof id !== 'string' || !/^[\w.-]{1,64}$/.test(id))) {
      throw new Error(`${source}: keys[${i}].id must be 1-64 of [A-Za-z0-9_.-]`)
    }
    const scopeList = scopes ?? ['admin']
    if (!Array.isArray(scopeList) || !scopeList.every((s) => typeof s === 'string')) {
      throw new Error(`${source}: keys[${i}].scopes must be a list of strings`)
    }
    return makeKey(id, sha256.toLowerCase(), scopeList.map(parseScope))
  })
}

function makeKey(id: string | undefined, hex: string, scopes: Scope[]): ApiKey {
  return { id: id ?? `key-${hex.slice(0, 12)}`, sha256: Buffer.from(hex, 'hex'), scopes }
}

/**
 * The principal a bearer key belongs to. Every stored hash is compared, each in constant time,
 * so the time taken does not tell which (or whether one) matched. Throws Unauthorized.
 */
export function authenticateBearer(
  authorization: string | undefined,
  keys: readonly ApiKey[],
): Principal {
  if (authorization === undefined || authorization === '') {
    throw new MillraceError(
      'Unauthorized',
      'Authentication is required: send Authorization: Bearer <key>',
    )
  }
  const match = /^Bearer[ ]+(\S+)\s*$/i.exec(authorization)
  if (!match?.[1]) {
    throw new MillraceError(
      'Unauthorized',
      'The Authorization header must be "Bearer <key>" (or an AWS SigV4 signature on POST /)',
    )
  }
  const presented = createHash('sha256').update(match[1], 'utf8').digest()
  let found: ApiKey | undefined
  for (const key of keys) {
    if (timingSafeEqual(key.sha256, presented) && found === undefined) found = key
  }
  if (!found) throw new MillraceError('Unauthorized', 'The API key is not valid')
  return { id: found.id, scopes: found.scopes }
}
