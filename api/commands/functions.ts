import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'

/**
 * `millrace functions …` and `millrace activities …`: the function registry and activities of a
 * running server, over its REST API (`--url` or MILLRACE_URL, default http://127.0.0.1:8080;
 * MILLRACE_API_KEY as the bearer key).
 *
 *   millrace functions put NAME URL [--timeout SECONDS] [--header K=V]… [--max-concurrency N]
 *   millrace functions get NAME | delete NAME | list
 *   millrace functions load FILE          register every function of a configuration file
 *   millrace activities create NAME | delete NAME | list
 */
export async function functions(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      url: { type: 'string' },
      json: { type: 'boolean' },
      timeout: { type: 'string' },
      header: { type: 'string', multiple: true },
      'max-concurrency': { type: 'string' },
    },
  })
  const [verb, name, target] = positionals
  const api = rest(values.url)
  switch (verb) {
    case 'put': {
      if (!name || !target) return usage()
      const headers: Record<string, string> = {}
      for (const h of values.header ?? []) {
        const eq = h.indexOf('=')
        if (eq <= 0) throw new Error(`--header ${h}: write NAME=VALUE`)
        headers[h.slice(0, eq)] = h.slice(eq + 1)
      }
      const fn = await api('PUT', `/functions/${encodeURIComponent(name)}`, {
        url: target,
        ...(values.timeout ? { timeoutSeconds: Number(values.timeout) } : {}),
        ...(Object.keys(headers).length > 0 ? { headers } : {}),
        ...(values['max-concurrency'] ? { maxConcurrency: Number(values['max-concurrency']) } : {}),
      })
      print(
        values.json,
        fn,
        (f) => `${String(f['name'])} → ${String(f['url'])} (${String(f['timeoutSeconds'])} s)`,
      )
      return 0
    }
    case 'get': {
      if (!name) return usage()
      const fn = await api('GET', `/functions/${encodeURIComponent(name)}`)
      print(values.json, fn, (f) => JSON.stringify(f, null, 2))
      return 0
    }
    case 'delete':
      if (!name) return usage()
      await api('DELETE', `/functions/${encodeURIComponent(name)}`)
      if (!values.json) console.log(`deleted ${name}`)
      return 0
    case 'list': {
      let token: string | undefined
      const all: Record<string, unknown>[] = []
      do {
        const page = (await api(
          'GET',
          `/functions?maxResults=1000${token ? `&nextToken=${encodeURIComponent(token)}` : ''}`,
        )) as { functions: Record<string, unknown>[]; nextToken?: string }
        all.push(...page.functions)
        token = page.nextToken
      } while (token)
      if (values.json) console.log(JSON.stringify(all, null, 2))
      else for (const f of all) console.log(`${String(f['name'])}\t${String(f['url'])}`)
      return 0
    }
    case 'load': {
      if (!name) return usage()
      const config = JSON.parse(readFileSync(name, 'utf8')) as {
        functions?: Record<string, Record<string, unknown>>
      }
      for (const [fn, body] of Object.entries(config.functions ?? {})) {
        await api('PUT', `/functions/${encodeURIComponent(fn)}`, body)
        if (!values.json) console.log(`registered ${fn} → ${String(body['url'])}`)
      }
      return 0
    }
    case undefined:
    default:
      return usage()
  }
}

export async function activities(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { url: { type: 'string' }, json: { type: 'boolean' } },
  })
  const [verb, name] = positionals
  const api = rest(values.url)
  switch (verb) {
    case 'create': {
      if (!name) return usage()
      const a = await api('POST', '/activities', { name })
      print(values.json, a, (x) => String(x['activityArn']))
      return 0
    }
    case 'delete':
      if (!name) return usage()
      await api('DELETE', `/activities/${encodeURIComponent(name)}`)
      if (!values.json) console.log(`deleted ${name}`)
      return 0
    case 'list': {
      const page = (await api('GET', '/activities?maxResults=1000')) as {
        activities: Record<string, unknown>[]
      }
      if (values.json) console.log(JSON.stringify(page.activities, null, 2))
      else for (const a of page.activities) console.log(String(a['activityArn']))
      return 0
    }
    case undefined:
    default:
      return usage()
  }
}

function usage(): number {
  console.error(`usage:
  millrace functions put NAME URL [--timeout SECONDS] [--header K=V]… [--max-concurrency N]
  millrace functions get NAME | delete NAME | list | load CONFIG.json
  millrace activities create NAME | delete NAME | list
(--url or MILLRACE_URL; MILLRACE_API_KEY; --json)`)
  return 2
}

function print(
  json: boolean | undefined,
  value: unknown,
  text: (v: Record<string, unknown>) => string,
): void {
  console.log(json ? JSON.stringify(value, null, 2) : text(value as Record<string, unknown>))
}

function rest(url: string | undefined) {
  const base = (
    url ??
    process.env['MILLRACE_URL'] ??
    `http://127.0.0.1:${process.env['PORT'] ?? '8080'}`
  ).replace(/\/+$/, '')
  const key = process.env['MILLRACE_API_KEY']
  return async (method: string, path: string, body?: unknown): Promise<unknown> => {
    let response: Response
    try {
      response = await fetch(`${base}/v1${path}`, {
        method,
        headers: {
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...(key ? { authorization: `Bearer ${key}` } : {}),
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      })
    } catch (err) {
      throw new Error(`cannot reach millrace at ${base} (${(err as Error).message})`)
    }
    const text = await response.text()
    const parsed: unknown = text === '' ? {} : JSON.parse(text)
    if (!response.ok) {
      const { code, message } = parsed as { code?: string; message?: string }
      throw new Error(`${code ?? response.status}: ${message ?? text}`)
    }
    return parsed
  }
}
