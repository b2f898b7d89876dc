// Calls to the REST API under /v1 with the browser session's API key (Authorization: Bearer).
// The key is kept in sessionStorage: entered once per browser session, gone when it ends.
// `millrace dev` runs without authentication, so no key is asked for there.

const KEY = 'millrace.apiKey'

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message)
  }
}

type KeyPrompt = (reason: string) => Promise<string>
let promptForKey: KeyPrompt | undefined

/** Sets what asks the user for a key when the API answers 401. */
export function onKeyNeeded(prompt: KeyPrompt): void {
  promptForKey = prompt
}

export function storedKey(): string | null {
  return sessionStorage.getItem(KEY)
}

export function setKey(key: string | null): void {
  if (key === null || key === '') sessionStorage.removeItem(KEY)
  else sessionStorage.setItem(KEY, key)
}

/**
 * A JSON call to `/v1${path}`. A 401 asks for a key and tries again with it.
 *
 * @example
 * const { stateMachines } = await api<{ stateMachines: Machine[] }>('/state-machines')
 */
export async function api<T>(
  path: string,
  init: { method?: string; body?: unknown } = {},
): Promise<T> {
  for (let tries = 0; ; tries++) {
    const headers: Record<string, string> = { accept: 'application/json' }
    const key = storedKey()
    if (key) headers['authorization'] = `Bearer ${key}`
    if (init.body !== undefined) headers['content-type'] = 'application/json'
    const res = await fetch(`/v1${path}`, {
      method: init.method ?? 'GET',
      headers,
      ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
    })
    const text = await res.text()
    const body: unknown = text === '' ? undefined : JSON.parse(text)
    if (res.ok) return body as T
    const err = (body ?? {}) as { code?: string; message?: string }
    if (res.status === 401 && promptForKey && tries < 3) {
      setKey(await promptForKey(err.message ?? 'This server needs an API key.'))
      continue
    }
    throw new ApiError(res.status, err.code ?? String(res.status), err.message ?? res.statusText)
  }
}

/** `encodeURIComponent` for a path segment. */
export const seg = encodeURIComponent

export interface Page<T> {
  readonly items: readonly T[]
  readonly nextToken?: string
}
