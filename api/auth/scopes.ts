import { MillraceError } from '../../engine/errors.js'

/**
 * What a credential may do. A key or access-key pair holds one or more scopes:
 *
 * - `admin`: everything.
 * - `read`: describe, list, history, validate.
 * - `start`: what `read` allows, and start and stop executions.
 * - `worker`: poll and answer the tasks of every activity; `worker:NAME` of activity NAME only.
 * - `metrics`: scrape `/metrics` and nothing else (a Prometheus server's key). `read`, `start`
 *   and `admin` may scrape too.
 */
export type Scope =
  | { readonly kind: 'admin' }
  | { readonly kind: 'read' }
  | { readonly kind: 'metrics' }
  | { readonly kind: 'start' }
  | { readonly kind: 'worker'; readonly activity: string | undefined }

/**
 * What a route or action needs. `worker` names the activity when it is known; without one, any
 * worker scope passes, and the handler checks again once it knows the activity (a task token
 * names its activity only after it is looked up).
 */
export type Permission =
  | { readonly kind: 'public' }
  | { readonly kind: 'metrics' }
  | { readonly kind: 'read' }
  | { readonly kind: 'start' }
  | { readonly kind: 'admin' }
  | { readonly kind: 'worker'; readonly activity?: string | undefined }

/** Who is calling: a key's id (never the key), or `anonymous` when auth is off. */
export interface Principal {
  /** Safe to log: a name from the keys file, or the first 12 hex digits of the key's hash. */
  readonly id: string
  readonly scopes: readonly Scope[]
}

/** The principal of every request when auth is off (`millrace dev`, `MILLRACE_AUTH=off`). */
export const ANONYMOUS: Principal = { id: 'anonymous', scopes: [{ kind: 'admin' }] }

const SCOPE = /^(admin|read|start|worker|metrics)(?::(.+))?$/

/**
 * Parses a scope as written in `MILLRACE_API_KEYS` and the keys file.
 *
 * @example
 * parseScope('worker:resize') // { kind: 'worker', activity: 'resize' }
 */
export function parseScope(text: string): Scope {
  const match = SCOPE.exec(text.trim())
  const [, kind, activity] = match ?? []
  if (kind === 'worker') return { kind, activity }
  if (
    (kind === 'admin' || kind === 'read' || kind === 'start' || kind === 'metrics') &&
    activity === undefined
  ) {
    return { kind }
  }
  throw new Error(
    `not a scope: ${JSON.stringify(text)} (one of admin, read, start, worker, worker:ACTIVITY, metrics)`,
  )
}

/**
 * True when one of the scopes allows the permission.
 *
 * @example
 * allows([{ kind: 'start' }], { kind: 'read' }) // true
 * allows([{ kind: 'worker', activity: 'a' }], { kind: 'worker', activity: 'b' }) // false
 */
export function allows(scopes: readonly Scope[], permission: Permission): boolean {
  if (permission.kind === 'public') return true
  return scopes.some((scope) => {
    switch (scope.kind) {
      case 'admin':
        return true
      case 'read':
        return permission.kind === 'read' || permission.kind === 'metrics'
      case 'start':
        return (
          permission.kind === 'read' || permission.kind === 'start' || permission.kind === 'metrics'
        )
      case 'metrics':
        return permission.kind === 'metrics'
      case 'worker':
        return (
          permission.kind === 'worker' &&
          (scope.activity === undefined ||
            permission.activity === undefined ||
            scope.activity === permission.activity)
        )
    }
  })
}

/** Throws the door's "not allowed" error unless the principal may do it. */
export function authorize(
  principal: Principal,
  permission: Permission,
  door: 'rest' | 'aws',
  action: string,
): void {
  if (allows(principal.scopes, permission)) return
  const message = `The credentials of ${principal.id} do not allow ${action} (needs scope ${permission.kind})`
  throw new MillraceError(door === 'rest' ? 'Forbidden' : 'AccessDeniedException', message, {
    action,
  })
}
