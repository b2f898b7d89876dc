import {
  toAwsHistoryEvent,
  type HistoryEvent as StoredEvent,
  type JsonValue,
} from '../asl/index.js'
import { historyPage, type HistoryRow } from '../store/history.js'
import type { ServiceContext } from './context.js'
import { requireExecution } from './lookups.js'
import { decodeToken, encodeToken, isPositiveInteger, pageSize } from './pagination.js'
import { optionalBoolean } from './validation.js'

export interface GetExecutionHistoryRequest {
  readonly executionArn: string
  /** 1–1000; absent or 0 means 100 (AWS). */
  readonly maxResults?: number | undefined
  readonly nextToken?: string | undefined
  /** Newest event first. */
  readonly reverseOrder?: boolean | undefined
  /** False leaves out the payloads (`input`, `output`, `parameters`). Default true. */
  readonly includeExecutionData?: boolean | undefined
}

/**
 * AWS's HistoryEvent: `timestamp`, `type`, `id`, `previousEventId` and one `<type>EventDetails`
 * object (absent for types that have none), whose payloads are JSON text.
 */
export interface HistoryEvent {
  readonly timestamp: Date
  readonly type: string
  readonly id: number
  readonly previousEventId: number
  readonly [detailsKey: string]: unknown
}

export interface GetExecutionHistoryResponse {
  readonly events: readonly HistoryEvent[]
  /** Present when there are more: pass it back, with the same other arguments. */
  readonly nextToken?: string
}

/** Detail fields that carry execution data (AWS: "input or output of a history event"). */
const DATA_FIELDS = ['input', 'output', 'parameters']

/**
 * An execution's history, one page at a time, as AWS's GetExecutionHistory: events in id order
 * (newest first with `reverseOrder`), each in AWS's HistoryEvent shape with payloads as JSON text.
 * History is append-only and paged by event id, so walking the pages of a running execution
 * lists each event once.
 *
 * Errors: InvalidArn, ExecutionDoesNotExist, ValidationException (maxResults), InvalidToken.
 *
 * @example
 * const { events } = await getExecutionHistory(ctx, { executionArn, reverseOrder: true, maxResults: 1 })
 * events[0]?.type // 'ExecutionSucceeded' once it has ended
 */
export async function getExecutionHistory(
  ctx: ServiceContext,
  request: GetExecutionHistoryRequest,
): Promise<GetExecutionHistoryResponse> {
  const limit = pageSize(request.maxResults)
  const reverse = optionalBoolean(request.reverseOrder, 'reverseOrder') ?? false
  const includeData = optionalBoolean(request.includeExecutionData, 'includeExecutionData') ?? true
  const execution = await requireExecution(ctx, request.executionArn)
  const scope = `${execution.id}:${reverse ? 'desc' : 'asc'}`
  const after = decodeToken(request.nextToken, 'history', scope, isPositiveInteger)
  const rows = await historyPage(ctx.database.db, execution.id, {
    after,
    reverse,
    limit: limit + 1,
  })
  const page = rows.slice(0, limit)
  const last = page[page.length - 1]
  return {
    events: page.map((row) => toHistoryEvent(row, includeData)),
    ...(rows.length > limit && last
      ? { nextToken: encodeToken('history', scope, last.eventId) }
      : {}),
  }
}

/** A stored event in AWS's shape: payloads become JSON text, the timestamp a Date. */
export function toHistoryEvent(row: HistoryRow, includeData = true): HistoryEvent {
  const stored = {
    id: row.eventId,
    previousEventId: row.previousEventId,
    type: row.type,
    timestamp: row.occurredAt.getTime(),
    ...(row.details ?? {}),
  } as StoredEvent
  const aws = toAwsHistoryEvent(stored)
  const event: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(aws)) {
    if (key === 'timestamp') continue
    event[key] = includeData || !key.endsWith('EventDetails') ? value : withoutData(value)
  }
  return {
    timestamp: row.occurredAt,
    type: row.type,
    id: row.eventId,
    previousEventId: row.previousEventId,
    ...event,
  }
}

function withoutData(details: JsonValue): JsonValue {
  if (details === null || typeof details !== 'object' || Array.isArray(details)) return details
  const copy = { ...details }
  for (const field of DATA_FIELDS) delete copy[field]
  return copy
}
