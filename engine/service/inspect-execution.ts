import type { JsonValue } from '../asl/index.js'
import { MillraceError } from '../errors.js'
import type { ExecutionStatus, FrameStatus } from '../store/index.js'
import {
  childFramesPage,
  childGroupsOfState,
  filteredHistoryPage,
  historyEventsByIds,
  historyOutline,
  historyTypeCounts,
  type ChildGroupRow,
  type OutlineRow,
} from '../store/inspect.js'
import type { ServiceContext } from './context.js'
import { toHistoryEvent, type HistoryEvent } from './get-execution-history.js'
import { requireExecution } from './lookups.js'
import { decodeToken, encodeToken, isPositiveInteger, pageSize } from './pagination.js'
import { validationError } from './validation.js'

/**
 * What happened to each state of an execution, read from its history: the web console colours
 * its graph with it. A state's *visit* runs from its StateEntered event to the event that ended
 * it. Every event names the previous event of the same frame (`previousEventId`), so each event
 * belongs to the visit whose StateEntered it descends from, even when Map iterations and Parallel
 * branches interleave their events.
 */

/** What happened to a state in an execution (all its visits together). */
export type StateStatus =
  'NOT_REACHED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CAUGHT' | 'CANCELLED'

type VisitEnd = 'SUCCEEDED' | 'FAILED' | 'CAUGHT' | 'CANCELLED'

interface Attempt {
  scheduledId: number
  scheduledAt: Date
  resource: string | null
  kind: string
  startedAt?: Date
  workerName?: string
  endedId?: number
  endedAt?: Date
  status: 'SCHEDULED' | 'STARTED' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT'
  error?: string
}

interface Visit {
  readonly name: string
  readonly enteredId: number
  readonly enteredAt: Date
  readonly parent: Visit | undefined
  readonly open: Set<Visit>
  end?: VisitEnd
  endedAt?: Date
  exitedId?: number
  failureId?: number
  failureError?: string
  /** The last event of this visit was a failure (nothing retried or caught it yet). */
  failedLast: boolean
  readonly attempts: Attempt[]
}

/** One state's summary over all its visits. */
export interface StateSummary {
  readonly name: string
  readonly status: Exclude<StateStatus, 'NOT_REACHED'>
  readonly entered: number
  readonly succeeded: number
  readonly caught: number
  readonly failed: number
  readonly cancelled: number
  readonly running: number
  /** Task attempts after the first, over all visits. */
  readonly retries: number
  /** The error of the latest failure of the state. */
  readonly error?: string
}

export interface ExecutionStatesResponse {
  readonly status: ExecutionStatus
  /** The id of the newest event read. */
  readonly lastEventId: number
  /** The states that were entered; a state not listed was not reached. */
  readonly states: readonly StateSummary[]
}

const ATTEMPT_PREFIXES = ['LambdaFunction', 'Activity', 'Task']
const STATE_ENTERED = /StateEntered$/
const STATE_EXITED = /StateExited$/
const STATE_ABORTED = /StateAborted$/

function attemptEvent(type: string): { kind: string; what: string } | undefined {
  for (const kind of ATTEMPT_PREFIXES) {
    if (type.startsWith(kind) && !type.startsWith('TaskState')) {
      return { kind, what: type.slice(kind.length) }
    }
  }
  return undefined
}

/** The visits of an execution's states, folded from its history outline. */
function foldVisits(rows: readonly OutlineRow[], executionRunning: boolean): Visit[] {
  const owner = new Map<number, Visit>()
  const visits: Visit[] = []
  const top = new Set<Visit>()

  const close = (visit: Visit, end: VisitEnd, at: Date) => {
    if (visit.end) return
    visit.end = end
    visit.endedAt = at
    ;(visit.parent?.open ?? top).delete(visit)
    for (const child of [...visit.open]) close(child, child.failedLast ? 'FAILED' : 'CANCELLED', at)
  }

  for (const row of rows) {
    const previous = owner.get(row.previousEventId)
    if (STATE_ENTERED.test(row.type) && row.name !== null) {
      const previousRow = previous ? rows[row.previousEventId - 1] : undefined
      const parent =
        previous && previousRow && STATE_EXITED.test(previousRow.type) ? previous.parent : previous
      const visit: Visit = {
        name: row.name,
        enteredId: row.eventId,
        enteredAt: row.occurredAt,
        parent,
        open: new Set(),
        failedLast: false,
        attempts: [],
      }
      visits.push(visit)
      ;(parent?.open ?? top).add(visit)
      owner.set(row.eventId, visit)
      continue
    }
    if (previous) owner.set(row.eventId, previous)
    const type = row.type
    if (
      type === 'ExecutionSucceeded' ||
      type === 'ExecutionFailed' ||
      type === 'ExecutionTimedOut' ||
      type === 'ExecutionAborted'
    ) {
      const ending = type === 'ExecutionAborted' ? 'CANCELLED' : 'FAILED'
      if (previous && type !== 'ExecutionSucceeded') {
        if (!previous.failureId && row.error !== null) {
          previous.failureId = row.eventId
          previous.failureError = row.error
        }
        previous.failedLast = ending === 'FAILED'
        close(previous, ending, row.occurredAt)
      }
      for (const visit of [...top])
        close(visit, visit.failedLast ? 'FAILED' : 'CANCELLED', row.occurredAt)
      continue
    }
    if (!previous) continue
    if (STATE_EXITED.test(type)) {
      previous.exitedId = row.eventId
      // A failure a retry got past does not count; one the state left through a Catch does.
      close(previous, previous.failedLast ? 'CAUGHT' : 'SUCCEEDED', row.occurredAt)
      continue
    }
    if (STATE_ABORTED.test(type) || type === 'MapIterationAborted') {
      close(previous, 'CANCELLED', row.occurredAt)
      continue
    }
    if (type === 'MapIterationFailed') {
      close(previous, 'FAILED', row.occurredAt)
      continue
    }
    if (type.startsWith('MapIteration')) continue
    const attempt = attemptEvent(type)
    const last = previous.attempts[previous.attempts.length - 1]
    if (attempt && attempt.what === 'Scheduled') {
      previous.attempts.push({
        scheduledId: row.eventId,
        scheduledAt: row.occurredAt,
        resource: row.extra,
        kind: attempt.kind,
        status: 'SCHEDULED',
      })
      previous.failedLast = false
      continue
    }
    if (attempt && attempt.what === 'Started' && last) {
      last.startedAt = row.occurredAt
      last.status = 'STARTED'
      if (attempt.kind === 'Activity' && row.extra !== null) last.workerName = row.extra
      continue
    }
    if (attempt && attempt.what === 'Succeeded' && last) {
      last.status = 'SUCCEEDED'
      last.endedId = row.eventId
      last.endedAt = row.occurredAt
      continue
    }
    if (type.endsWith('Failed') || type.endsWith('TimedOut')) {
      if (row.error !== null || previous.failureId === undefined) {
        previous.failureId = row.eventId
        if (row.error !== null) previous.failureError = row.error
      }
      previous.failedLast = true
      if (attempt && last && last.endedId === undefined) {
        last.status = type.endsWith('TimedOut') ? 'TIMED_OUT' : 'FAILED'
        last.endedId = row.eventId
        last.endedAt = row.occurredAt
        if (row.error !== null) last.error = row.error
      }
    }
  }
  if (!executionRunning) {
    const end = rows[rows.length - 1]?.occurredAt ?? new Date(0)
    for (const visit of [...top]) close(visit, visit.failedLast ? 'FAILED' : 'CANCELLED', end)
  }
  return visits
}

const PRIORITY: readonly StateSummary['status'][] = [
  'RUNNING',
  'FAILED',
  'CAUGHT',
  'CANCELLED',
  'SUCCEEDED',
]

function summarize(visits: readonly Visit[]): StateSummary[] {
  const byName = new Map<string, Visit[]>()
  for (const visit of visits) {
    const list = byName.get(visit.name) ?? []
    list.push(visit)
    byName.set(visit.name, list)
  }
  return [...byName].map(([name, list]) => {
    const count = (end: VisitEnd | undefined) => list.filter((v) => v.end === end).length
    const counts = {
      succeeded: count('SUCCEEDED'),
      caught: count('CAUGHT'),
      failed: count('FAILED'),
      cancelled: count('CANCELLED'),
      running: count(undefined),
    }
    const status =
      PRIORITY.find((s) => counts[s.toLowerCase() as keyof typeof counts] > 0) ?? 'SUCCEEDED'
    let error: string | undefined
    for (const v of list) if (v.failureError !== undefined) error = v.failureError
    return {
      name,
      status,
      entered: list.length,
      ...counts,
      retries: list.reduce((n, v) => n + Math.max(0, v.attempts.length - 1), 0),
      ...(error !== undefined ? { error } : {}),
    }
  })
}

export interface InspectExecutionRequest {
  readonly executionArn: string
}

/**
 * What happened to each state of an execution: its status over all visits, counts of how its
 * visits ended, and its retries. States that were never entered are not listed.
 *
 * Errors: InvalidArn, ExecutionDoesNotExist.
 *
 * @example
 * const { states } = await describeExecutionStates(ctx, { executionArn })
 * states.find((s) => s.name === 'Charge')?.status // 'CAUGHT'
 */
export async function describeExecutionStates(
  ctx: ServiceContext,
  request: InspectExecutionRequest,
): Promise<ExecutionStatesResponse> {
  const execution = await requireExecution(ctx, request.executionArn)
  const rows = await historyOutline(ctx.database.db, execution.id)
  const visits = foldVisits(rows, execution.status === 'RUNNING')
  return {
    status: execution.status,
    lastEventId: rows[rows.length - 1]?.eventId ?? 0,
    states: summarize(visits),
  }
}

/** One attempt of a Task, from its history events. */
export interface AttemptDescription {
  readonly attempt: number
  readonly status: Attempt['status']
  readonly resource?: string
  /** `LambdaFunction` (function endpoint), `Activity` or `Task` (other integrations). */
  readonly kind: string
  readonly scheduledDate: Date
  readonly startedDate?: Date
  readonly endDate?: Date
  readonly workerName?: string
  /** From scheduled to started (activities: until a worker took it). */
  readonly waitedMs?: number
  /** From started to the end (function endpoints: from scheduled, as their start is their end). */
  readonly ranMs?: number
  readonly error?: string
  readonly cause?: string
}

/** A Map or Parallel run of the state (its child group). */
export interface ChildRunDescription {
  readonly run: number
  readonly type: 'Parallel' | 'Map'
  readonly total: number
  readonly started: number
  readonly running: number
  readonly succeeded: number
  readonly failed: number
  readonly done: boolean
}

export interface StateDescription {
  readonly name: string
  readonly status: StateStatus
  readonly summary?: StateSummary
  /** Which visit the fields below describe (the latest), and how many there were. */
  readonly visit?: number
  readonly enteredDate?: Date
  readonly exitedDate?: Date
  readonly input?: JsonValue
  readonly output?: JsonValue
  readonly error?: string
  readonly cause?: string
  readonly attempts: readonly AttemptDescription[]
  readonly runs: readonly ChildRunDescription[]
}

export interface DescribeExecutionStateRequest extends InspectExecutionRequest {
  readonly stateName: string
}

/**
 * One state of an execution: its latest visit's input, output, error and cause, each Task attempt
 * with its times and worker, and its Map or Parallel runs with their counters.
 *
 * Errors: InvalidArn, ExecutionDoesNotExist.
 *
 * @example
 * const charge = await describeExecutionState(ctx, { executionArn, stateName: 'Charge' })
 * charge.attempts.length // 3 after two retries
 */
export async function describeExecutionState(
  ctx: ServiceContext,
  request: DescribeExecutionStateRequest,
): Promise<StateDescription> {
  const execution = await requireExecution(ctx, request.executionArn)
  const db = ctx.database.db
  const rows = await historyOutline(db, execution.id)
  const visits = foldVisits(rows, execution.status === 'RUNNING')
  const mine = visits.filter((v) => v.name === request.stateName)
  const runs = (await childGroupsOfState(db, execution.id, request.stateName)).map(toRun)
  const latest = mine[mine.length - 1]
  if (!latest) return { name: request.stateName, status: 'NOT_REACHED', attempts: [], runs }
  const summary = summarize(mine)[0]
  const ids = [latest.enteredId, latest.exitedId, latest.failureId]
  for (const a of latest.attempts) if (a.endedId !== undefined) ids.push(a.endedId)
  const events = new Map(
    (
      await historyEventsByIds(
        db,
        execution.id,
        ids.filter((id): id is number => id !== undefined),
      )
    ).map((e) => [e.eventId, e]),
  )
  const detail = (id: number | undefined): Record<string, JsonValue> => {
    const event = id === undefined ? undefined : events.get(id)
    const value = event?.details ? Object.values(event.details)[0] : undefined
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? value : {}
  }
  const text = (value: JsonValue | undefined) => (typeof value === 'string' ? value : undefined)
  const entered = detail(latest.enteredId)
  const exited = detail(latest.exitedId)
  const failure = detail(latest.failureId)
  const error = text(failure['error']) ?? latest.failureError
  const cause = text(failure['cause'])
  return {
    name: request.stateName,
    status: summary?.status ?? 'RUNNING',
    ...(summary ? { summary } : {}),
    visit: mine.length,
    enteredDate: latest.enteredAt,
    ...(latest.exitedId !== undefined && latest.endedAt ? { exitedDate: latest.endedAt } : {}),
    ...('input' in entered ? { input: entered['input'] } : {}),
    ...('output' in exited ? { output: exited['output'] } : {}),
    ...(error !== undefined ? { error } : {}),
    ...(cause !== undefined ? { cause } : {}),
    attempts: latest.attempts.map((a, i) => {
      const ended = detail(a.endedId)
      const attemptCause = text(ended['cause'])
      const lambda = a.kind === 'LambdaFunction'
      const waitedMs =
        a.startedAt && !lambda ? a.startedAt.getTime() - a.scheduledAt.getTime() : undefined
      const from = lambda ? a.scheduledAt : a.startedAt
      const ranMs = from && a.endedAt ? a.endedAt.getTime() - from.getTime() : undefined
      return {
        attempt: i + 1,
        status: a.status,
        kind: a.kind,
        ...(a.resource !== null ? { resource: a.resource } : {}),
        scheduledDate: a.scheduledAt,
        ...(a.startedAt ? { startedDate: a.startedAt } : {}),
        ...(a.endedAt ? { endDate: a.endedAt } : {}),
        ...(a.workerName !== undefined ? { workerName: a.workerName } : {}),
        ...(waitedMs !== undefined ? { waitedMs } : {}),
        ...(ranMs !== undefined ? { ranMs } : {}),
        ...(a.error !== undefined ? { error: a.error } : {}),
        ...(attemptCause !== undefined ? { cause: attemptCause } : {}),
      }
    }),
    runs,
  }
}

function toRun(g: ChildGroupRow): ChildRunDescription {
  return {
    run: g.run,
    type: g.stateType,
    total: g.total,
    started: g.started,
    running: g.running,
    succeeded: g.succeeded,
    failed: g.failed,
    done: g.done,
  }
}

const FRAME_STATUSES: readonly FrameStatus[] = [
  'QUEUED',
  'RUNNING',
  'SUCCEEDED',
  'FAILED',
  'ABORTED',
  'TIMED_OUT',
]

export interface ListMapIterationsRequest extends DescribeExecutionStateRequest {
  /** Which run of the state (1 for the first); default the latest. */
  readonly run?: number | undefined
  readonly status?: FrameStatus | undefined
  readonly maxResults?: number | undefined
  readonly nextToken?: string | undefined
}

export interface MapIteration {
  readonly index: number
  readonly status: FrameStatus
  readonly error?: string
  readonly cause?: string
}

export interface ListMapIterationsResponse {
  readonly run: number
  readonly runs: readonly ChildRunDescription[]
  readonly iterations: readonly MapIteration[]
  readonly nextToken?: string
}

/**
 * The iterations of a Map state's run (or the branches of a Parallel's), by index, one page at
 * a time, optionally of one status. Iterations MaxConcurrency has not started yet are not listed
 * (the run's `started` says how many were).
 *
 * Errors: InvalidArn, ExecutionDoesNotExist, NotFound (the state has no such run),
 * ValidationException, InvalidToken.
 *
 * @example
 * const { iterations, nextToken } = await listMapIterations(ctx, { executionArn, stateName: 'PriceLines', status: 'FAILED' })
 */
export async function listMapIterations(
  ctx: ServiceContext,
  request: ListMapIterationsRequest,
): Promise<ListMapIterationsResponse> {
  const limit = pageSize(request.maxResults)
  if (request.status !== undefined && !FRAME_STATUSES.includes(request.status)) {
    throw validationError(
      'status',
      `Member must satisfy enum value set: ${FRAME_STATUSES.join(', ')}`,
    )
  }
  const execution = await requireExecution(ctx, request.executionArn)
  const groups = await childGroupsOfState(ctx.database.db, execution.id, request.stateName)
  const run = request.run ?? groups.length
  const group = groups[run - 1]
  if (!group) {
    throw new MillraceError(
      'NotFound',
      `State '${request.stateName}' has no Map or Parallel run ${run} in this execution`,
    )
  }
  const scope = `${group.id}:${request.status ?? ''}`
  const after = decodeToken(request.nextToken, 'iterations', scope, isIndexCursor)
  const rows = await childFramesPage(ctx.database.db, group.id, {
    after: after === undefined ? undefined : after - 1,
    limit: limit + 1,
    status: request.status,
  })
  const page = rows.slice(0, limit)
  const last = page[page.length - 1]
  return {
    run,
    runs: groups.map(toRun),
    iterations: page.map((r) => ({
      index: r.index,
      status: r.status,
      ...(r.error !== null ? { error: r.error } : {}),
      ...(r.cause !== null ? { cause: r.cause } : {}),
    })),
    ...(rows.length > limit && last
      ? { nextToken: encodeToken('iterations', scope, last.index + 1) }
      : {}),
  }
}

// Cursors are index + 1, so index 0 makes a positive cursor.
const isIndexCursor = isPositiveInteger

export interface ListExecutionEventsRequest extends InspectExecutionRequest {
  /** Only events of these types (all when empty or absent). */
  readonly types?: readonly string[] | undefined
  readonly maxResults?: number | undefined
  readonly nextToken?: string | undefined
}

export interface ListExecutionEventsResponse {
  readonly events: readonly HistoryEvent[]
  /** How many events of each type the execution has. */
  readonly typeCounts: Readonly<Record<string, number>>
  readonly nextToken?: string
}

/**
 * An execution's history in event order, only events of the given types, one page at a time,
 * in AWS's HistoryEvent shape (as GetExecutionHistory), with the count of each type.
 *
 * Errors: InvalidArn, ExecutionDoesNotExist, ValidationException, InvalidToken.
 *
 * @example
 * const { events } = await listExecutionEvents(ctx, { executionArn, types: ['LambdaFunctionFailed'] })
 */
export async function listExecutionEvents(
  ctx: ServiceContext,
  request: ListExecutionEventsRequest,
): Promise<ListExecutionEventsResponse> {
  const limit = pageSize(request.maxResults)
  const types = [...new Set(request.types ?? [])].sort()
  const execution = await requireExecution(ctx, request.executionArn)
  const scope = `${execution.id}:${types.join(',')}`
  const after = decodeToken(request.nextToken, 'events', scope, isPositiveInteger)
  const db = ctx.database.db
  const [rows, typeCounts] = await Promise.all([
    filteredHistoryPage(db, execution.id, { types, after, limit: limit + 1 }),
    historyTypeCounts(db, execution.id),
  ])
  const page = rows.slice(0, limit)
  const last = page[page.length - 1]
  return {
    events: page.map((row) => toHistoryEvent(row)),
    typeCounts,
    ...(rows.length > limit && last
      ? { nextToken: encodeToken('events', scope, last.eventId) }
      : {}),
  }
}
