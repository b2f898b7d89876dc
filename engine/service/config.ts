import { readFileSync } from 'node:fs'
import { createActivity } from './create-activity.js'
import type { ServiceContext } from './context.js'
import { putFunction, type PutFunctionRequest } from './put-function.js'

/**
 * The configuration file read at start (`MILLRACE_CONFIG=millrace.json`, or `--config`):
 *
 * ```json
 * {
 *   "functions": {
 *     "echo": { "url": "http://127.0.0.1:9000/echo", "timeoutSeconds": 10, "headers": {} }
 *   },
 *   "activities": ["resize-images"],
 *   "allowedHosts": ["localhost", "127.0.0.0/8", "::1", "*.internal.example.com"]
 * }
 * ```
 *
 * Functions are registered (replacing one of the same name) and activities created, so every
 * engine on the database sees them; `allowedHosts` is this process's outbound allow-list
 * (MILLRACE_ALLOWED_HOSTS, comma-separated, takes precedence).
 */
export interface MillraceConfig {
  readonly functions?: Readonly<Record<string, Omit<PutFunctionRequest, 'name'>>>
  readonly activities?: readonly string[]
  readonly allowedHosts?: readonly string[]
}

/** Reads and checks the shape of a configuration file; throws with the file's name. */
export function readConfig(file: string): MillraceConfig {
  let value: unknown
  try {
    value = JSON.parse(readFileSync(file, 'utf8'))
  } catch (err) {
    throw new Error(`${file}: ${(err as Error).message}`)
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(`${file}: the configuration must be a JSON object`)
  }
  const config = value as Record<string, unknown>
  for (const key of Object.keys(config)) {
    if (!['functions', 'activities', 'allowedHosts', '$schema'].includes(key)) {
      throw new Error(`${file}: unknown key ${JSON.stringify(key)}`)
    }
  }
  const functions = config['functions']
  if (functions !== undefined && (typeof functions !== 'object' || functions === null)) {
    throw new Error(`${file}: "functions" must be an object of name → { url, … }`)
  }
  for (const key of ['activities', 'allowedHosts'] as const) {
    const list = config[key]
    if (list !== undefined && (!Array.isArray(list) || list.some((x) => typeof x !== 'string'))) {
      throw new Error(`${file}: "${key}" must be a list of strings`)
    }
  }
  return config
}

/**
 * Registers the configuration's functions and creates its activities.
 *
 * @example
 * await applyConfig(ctx, readConfig('millrace.json'))
 */
export async function applyConfig(ctx: ServiceContext, config: MillraceConfig): Promise<void> {
  for (const [name, fn] of Object.entries(config.functions ?? {})) {
    await putFunction(ctx, { ...fn, name })
  }
  for (const name of config.activities ?? []) await createActivity(ctx, { name })
}

/**
 * The outbound allow-list from MILLRACE_ALLOWED_HOSTS (comma-separated), else the
 * configuration's, else undefined (the dispatcher's default: loopback only).
 */
export function allowedHostsFrom(
  env: Readonly<Record<string, string | undefined>>,
  config: MillraceConfig = {},
): readonly string[] | undefined {
  const text = env['MILLRACE_ALLOWED_HOSTS']
  if (text !== undefined && text.trim() !== '') {
    return text
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)
  }
  return config.allowedHosts
}
