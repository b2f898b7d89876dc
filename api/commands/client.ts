import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { validateDefinition } from '../../engine/asl/index.js'

/**
 * The CLI's client commands. `validate` runs locally; the others call a running server's REST
 * API (`millrace dev` or `millrace serve`): `--url` or MILLRACE_URL (default
 * http://127.0.0.1:$PORT, port 8080), with MILLRACE_API_KEY as the bearer key when the server
 * requires one. Output is human-readable; `--json` prints the API's JSON for scripts.
 */

/** An error the API answered: printed as `code: message`, exit status 1. */
export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message)
    this.name = 'ApiError'
  }
}

const COMMON = {
  url: { type: 'string' },
  json: { type: 'boolean' },
} as const

interface Client {
  request<T>(method: string, path: string, body?: unknown): Promise<T>
}

function client(url: string | undefined): Client {
  const base = (
    url ??
    process.env['MILLRACE_URL'] ??
    `http://${process.env['HOST'] ?? '127.0.0.1'}:${process.env['PORT'] ?? '8080'}`
  ).replace(/\/+$/, '')
  const key = process.env['MILLRACE_API_KEY']
  return {
    async request<T>(method: string, path: string, body?: unknown): Promise<T> {
      let response: Response
      try {
        response = await fetch(`${base}${path}`, {
          method,
          headers: {
            ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
            ...(key ? { authorization: `Bearer ${key}` } : {}),
          },
          ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        })
      } catch (err) {
        throw new ApiError(
          'ConnectionFailed',
          `cannot reach millrace at ${base} (${(err as Error).message}); is \`millrace dev\` or \`millrace serve\` running? (--url, MILLRACE_URL)`,
        )
      }
      const text = await response.text()
      const parsed: unknown = text === '' ? {} : JSON.parse(text)
      if (!response.ok) {
        const { code, message } = parsed as { code?: string; message?: string }
        throw new ApiError(code ?? `HTTP${response.status}`, message ?? text)
      }
      return parsed as T
    },
  }
}

const seg = encodeURIComponent

/** `arn:…:execution:MACHINE:NAME` or `MACHINE/NAME` → its REST path. */
function executionPath(ref: string | undefined): string {
  const arn = /^arn:[^:]+:states:[^:]*:[^:]*:execution:([^:]+):([^:]+)$/.exec(ref ?? '')
  const short = /^([^/:]+)\/([^/:]+)$/.exec(ref ?? '')
  const [, machine, name] = arn ?? short ?? []
  if (!machine || !name) {
    throw new ApiError('InvalidArn', `expected an execution ARN or MACHINE/EXECUTION, not ${ref}`)
  }
  return `/v1/state-machines/${seg(machine)}/executions/${seg(name)}`
}

function machineName(ref: string | undefined): string {
  const arn = /^arn:[^:]+:states:[^:]*:[^:]*:stateMachine:([^:]+)$/.exec(ref ?? '')
  const name = arn?.[1] ?? ref
  if (!name) throw new ApiError('InvalidName', 'a state machine name is required')
  return name
}

function readJsonArgument(value: string): unknown {
  const text = value.startsWith('@') ? readFileSync(value.slice(1), 'utf8') : value
  try {
    return JSON.parse(text)
  } catch (err) {
    throw new ApiError('InvalidExecutionInput', `--input is not JSON: ${(err as Error).message}`)
  }
}

function print(json: boolean, value: unknown, human: () => void): void {
  if (json) console.log(JSON.stringify(value, null, 2))
  else human()
}

/** `millrace validate FILE`: every problem with its location; exit 1 when there is an ERROR. */
export function validate(args: string[]): number {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: COMMON })
  const file = positionals[0]
  if (!file) throw new ApiError('Usage', 'millrace validate FILE')
  const issues = validateDefinition(readFileSync(file, 'utf8'))
  const errors = issues.filter((i) => i.severity === 'ERROR')
  print(
    values.json ?? false,
    { result: errors.length ? 'FAIL' : 'OK', diagnostics: issues },
    () => {
      for (const i of issues) {
        console.log(`${file}: ${i.severity} ${i.code} at ${i.location || '/'}: ${i.message}`)
      }
      console.log(errors.length ? `${file}: ${errors.length} error(s)` : `${file}: valid`)
    },
  )
  return errors.length ? 1 : 0
}

/** `millrace create NAME FILE`: create the state machine, or publish FILE as a new revision. */
export async function create(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: COMMON })
  const [name, file] = positionals
  if (!name || !file) throw new ApiError('Usage', 'millrace create NAME FILE')
  const api = client(values.url)
  const definition = readFileSync(file, 'utf8')
  try {
    const created = await api.request<{ stateMachineArn: string }>('POST', '/v1/state-machines', {
      name,
      definition,
    })
    print(values.json ?? false, created, () => console.log(`created ${created.stateMachineArn}`))
  } catch (err) {
    if (!(err instanceof ApiError) || err.code !== 'StateMachineAlreadyExists') throw err
    const updated = await api.request<{ stateMachineArn: string; revisionId: string }>(
      'PUT',
      `/v1/state-machines/${seg(name)}`,
      { definition },
    )
    print(values.json ?? false, updated, () =>
      console.log(`updated ${updated.stateMachineArn} (revision ${updated.revisionId})`),
    )
  }
  return 0
}

interface Described {
  executionArn: string
  status: string
  startDate: string
  stopDate?: string
  input: unknown
  output?: unknown
  error?: string
  cause?: string
}

/** `millrace start NAME [--input JSON|@file] [--name N] [--wait]` */
export async function start(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      ...COMMON,
      input: { type: 'string' },
      name: { type: 'string' },
      wait: { type: 'boolean' },
    },
  })
  const machine = machineName(positionals[0])
  const api = client(values.url)
  const started = await api.request<{ executionArn: string; name: string }>(
    'POST',
    `/v1/state-machines/${seg(machine)}/executions`,
    {
      ...(values.name !== undefined ? { name: values.name } : {}),
      ...(values.input !== undefined ? { input: readJsonArgument(values.input) } : {}),
    },
  )
  if (!values.wait) {
    print(values.json ?? false, started, () => console.log(started.executionArn))
    return 0
  }
  const path = executionPath(started.executionArn)
  let described = await api.request<Described>('GET', path)
  while (described.status === 'RUNNING') {
    await new Promise((resolve) => setTimeout(resolve, 200))
    described = await api.request<Described>('GET', path)
  }
  print(values.json ?? false, described, () => printExecution(described))
  return described.status === 'SUCCEEDED' ? 0 : 1
}

/** `millrace describe ARN` */
export async function describe(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: COMMON })
  const described = await client(values.url).request<Described>(
    'GET',
    executionPath(positionals[0]),
  )
  print(values.json ?? false, described, () => printExecution(described))
  return 0
}

function printExecution(d: Described): void {
  console.log(`execution  ${d.executionArn}`)
  console.log(`status     ${d.status}`)
  console.log(`started    ${d.startDate}`)
  if (d.stopDate) console.log(`stopped    ${d.stopDate}`)
  console.log(`input      ${JSON.stringify(d.input)}`)
  if (d.output !== undefined) console.log(`output     ${JSON.stringify(d.output)}`)
  if (d.error !== undefined) console.log(`error      ${d.error}`)
  if (d.cause !== undefined) console.log(`cause      ${d.cause}`)
}

/** `millrace list` (state machines) or `millrace list NAME [--status S]` (its executions). */
export async function list(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { ...COMMON, status: { type: 'string' } },
  })
  const api = client(values.url)
  if (!positionals[0]) {
    if (values.status !== undefined) {
      throw new ApiError('Usage', '--status needs a state machine: millrace list NAME --status S')
    }
    const items = await allPages<{ name: string; type: string; creationDate: string }>(
      api,
      '/v1/state-machines',
      'stateMachines',
    )
    print(values.json ?? false, items, () => {
      for (const m of items)
        console.log(`${m.name.padEnd(40)} ${m.type.padEnd(9)} ${m.creationDate}`)
    })
    return 0
  }
  const query = values.status ? `?status=${seg(values.status)}` : ''
  const items = await allPages<{ name: string; status: string; startDate: string }>(
    api,
    `/v1/state-machines/${seg(machineName(positionals[0]))}/executions${query}`,
    'executions',
  )
  print(values.json ?? false, items, () => {
    for (const e of items) console.log(`${e.name.padEnd(40)} ${e.status.padEnd(10)} ${e.startDate}`)
  })
  return 0
}

async function allPages<T>(api: Client, path: string, field: string): Promise<T[]> {
  const items: T[] = []
  let token: string | undefined
  do {
    const sep = path.includes('?') ? '&' : '?'
    const page = await api.request<Record<string, unknown>>(
      'GET',
      `${path}${token ? `${sep}nextToken=${seg(token)}` : ''}`,
    )
    items.push(...(page[field] as T[]))
    token = page['nextToken'] as string | undefined
  } while (token)
  return items
}

interface Event {
  id: number
  type: string
  timestamp: string
  [details: string]: unknown
}

/** `millrace history ARN [--follow]`: a table of events; --follow until the execution ends. */
export async function history(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { ...COMMON, follow: { type: 'boolean' } },
  })
  const api = client(values.url)
  const path = executionPath(positionals[0])
  let last = 0
  let first: number | undefined
  if (!values.json) console.log('  id  time                      elapsed  event')
  for (;;) {
    // Read the status first: events written before it ended are then all in the page below.
    const { status } = await api.request<Described>('GET', path)
    const events = (await allPages<Event>(api, `${path}/history?maxResults=1000`, 'events')).filter(
      (e) => e.id > last,
    )
    for (const e of events) {
      first ??= Date.parse(e.timestamp)
      if (values.json) console.log(JSON.stringify(e))
      else {
        const elapsed = `${Date.parse(e.timestamp) - first} ms`
        const state = stateName(e)
        console.log(
          `${String(e.id).padStart(4)}  ${e.timestamp}  ${elapsed.padStart(8)}  ${e.type}${state ? `  ${state}` : ''}`,
        )
      }
      last = e.id
    }
    if (!values.follow || status !== 'RUNNING') return 0
    await new Promise((resolve) => setTimeout(resolve, 500))
  }
}

function stateName(e: Event): string | undefined {
  for (const [key, value] of Object.entries(e)) {
    if (key.endsWith('EventDetails') && value && typeof value === 'object' && 'name' in value) {
      return String(value.name)
    }
  }
  return undefined
}

/** `millrace stop ARN [--error E] [--cause C]` */
export async function stop(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { ...COMMON, error: { type: 'string' }, cause: { type: 'string' } },
  })
  const stopped = await client(values.url).request<{ stopDate: string }>(
    'POST',
    `${executionPath(positionals[0])}/stop`,
    {
      ...(values.error !== undefined ? { error: values.error } : {}),
      ...(values.cause !== undefined ? { cause: values.cause } : {}),
    },
  )
  print(values.json ?? false, stopped, () => console.log(`stopped at ${stopped.stopDate}`))
  return 0
}
