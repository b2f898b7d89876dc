import { isObject } from '../json.js'
import type { ScopeInfo, StateInfo, ValidationContext } from './context.js'
import { ISSUE_CODES, type Pointer } from './issues.js'

/**
 * The transition graph of one States scope: StartAt and every Next / Default / Choices[].Next /
 * Catch[].Next name a state of the same scope, some state ends the scope, and every state is
 * reachable from StartAt.
 *
 * AWS (measured with ValidateStateMachineDefinition, see floci-io/floci#2735): a dangling target
 * is MISSING_TRANSITION_TARGET at the field; an unreachable state is MISSING_TRANSITION_TARGET
 * `State "C" is not reachable.` at the state; a scope with no terminal state at all is one
 * MISSING_END_STATE, and then AWS skips the reachability walk.
 */

interface Transition {
  readonly target: string
  /** Relative to the state. */
  readonly rel: Pointer
  readonly field: string
}

/** Every transition a state declares (only the well-typed ones). */
export function transitionsOf(info: StateInfo): Transition[] {
  const node = info.node
  if (!node) return []
  const out: Transition[] = []
  if (typeof node['Next'] === 'string' && info.type !== 'Choice') {
    out.push({ target: node['Next'], rel: ['Next'], field: 'Next' })
  }
  if (info.type === 'Choice') {
    const choices = node['Choices']
    if (Array.isArray(choices)) {
      choices.forEach((rule, i) => {
        if (isObject(rule) && typeof rule['Next'] === 'string') {
          out.push({
            target: rule['Next'],
            rel: ['Choices', i, 'Next'],
            field: `Choices[${i}].Next`,
          })
        }
      })
    }
    if (typeof node['Default'] === 'string') {
      out.push({ target: node['Default'], rel: ['Default'], field: 'Default' })
    }
  }
  const catchers = node['Catch']
  if (
    Array.isArray(catchers) &&
    (info.type === 'Task' || info.type === 'Parallel' || info.type === 'Map')
  ) {
    catchers.forEach((c, i) => {
      if (isObject(c) && typeof c['Next'] === 'string') {
        out.push({ target: c['Next'], rel: ['Catch', i, 'Next'], field: `Catch[${i}].Next` })
      }
    })
  }
  return out
}

function isTerminal(info: StateInfo): boolean {
  if (info.type === 'Succeed' || info.type === 'Fail') return true
  if (info.type === 'Choice') return false
  return info.node?.['End'] === true
}

export function checkScopeGraph(ctx: ValidationContext, scope: ScopeInfo): void {
  const { states } = scope
  if (states.size === 0) return
  const startAt = scope.startAt
  const startValid = typeof startAt === 'string' && states.has(startAt)
  if (typeof startAt === 'string' && !startValid) {
    ctx.sink.error(
      ISSUE_CODES.MISSING_TRANSITION_TARGET,
      [...scope.location, 'StartAt'],
      `'StartAt' of ${scope.label} names '${startAt}', but no state has that name in this ` +
        `States scope${elsewhere(ctx, scope, startAt)}`,
    )
  }

  for (const info of states.values()) {
    for (const t of transitionsOf(info)) {
      if (states.has(t.target)) continue
      ctx.sink.error(
        ISSUE_CODES.MISSING_TRANSITION_TARGET,
        [...info.location, ...t.rel],
        `${info.subject}: '${t.field}' names '${t.target}', but no state has that name in ` +
          `${scope.label}${elsewhere(ctx, scope, t.target)}`,
      )
    }
  }

  if (![...states.values()].some(isTerminal)) {
    ctx.sink.error(
      ISSUE_CODES.MISSING_END_STATE,
      scope.location,
      `${capitalize(scope.label)} has no terminal state: no state has "End": true and there is ` +
        `no Succeed or Fail state`,
    )
    return
  }
  if (!startValid) return

  const reached = new Set<string>([startAt])
  const queue = [startAt]
  for (let name = queue.pop(); name !== undefined; name = queue.pop()) {
    const info = states.get(name)
    if (!info) continue
    for (const t of transitionsOf(info)) {
      if (states.has(t.target) && !reached.has(t.target)) {
        reached.add(t.target)
        queue.push(t.target)
      }
    }
  }
  for (const info of states.values()) {
    if (reached.has(info.name)) continue
    ctx.sink.error(
      ISSUE_CODES.MISSING_TRANSITION_TARGET,
      info.location,
      `${info.subject} is not reachable: no transition of ${scope.label} leads to it from ` +
        `StartAt '${startAt}'`,
    )
  }
}

/** When the missing target lives in another scope, say so: transitions never cross scopes. */
function elsewhere(ctx: ValidationContext, scope: ScopeInfo, name: string): string {
  const other = ctx.scopes.find((s) => s !== scope && s.states.has(name))
  return other
    ? ` (a state '${name}' exists in ${other.label}, but transitions cannot cross into or out ` +
        `of a Parallel branch or a Map iteration)`
    : ''
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1)
}
