import type { Executor } from './database.js'
import type { ExecutionStatus, JsonValue } from './schema.js'

/**
 * Reads of executions for the service layer (DescribeExecution, ListExecutions …). They never
 * lock: decisions lock the execution row (executions.ts), these only look.
 */

/** An execution as DescribeExecution shows it. */
export interface ExecutionRow {
  readonly id: string
  readonly stateMachineId: number
  readonly stateMachineName: string
  readonly revisionId: number
  readonly name: string
  readonly status: ExecutionStatus
  readonly input: JsonValue
  readonly output: JsonValue | null
  readonly error: string | null
  readonly cause: string | null
  readonly startedAt: Date
  readonly stoppedAt: Date | null
}

/**
 * The execution `executionName` of the state machine `stateMachineName` (deleted or not: the
 * executions of a deleted machine stay readable).
 *
 * @example
 * const execution = await findExecution(db, 'orders', 'order-42')
 */
export async function findExecution(
  db: Executor,
  stateMachineName: string,
  executionName: string,
): Promise<ExecutionRow | undefined> {
  const row = await db
    .selectFrom('executions as e')
    .innerJoin('state_machines as m', 'm.id', 'e.state_machine_id')
    .select([
      'e.id',
      'e.state_machine_id',
      'm.name as machine_name',
      'e.revision_id',
      'e.name',
      'e.status',
      'e.input',
      'e.output',
      'e.error',
      'e.cause',
      'e.started_at',
      'e.stopped_at',
    ])
    .where('m.name', '=', stateMachineName)
    .where('e.name', '=', executionName)
    .executeTakeFirst()
  if (!row) return undefined
  return {
    id: row.id,
    stateMachineId: row.state_machine_id,
    stateMachineName: row.machine_name,
    revisionId: row.revision_id,
    name: row.name,
    status: row.status,
    input: row.input,
    output: row.output,
    error: row.error,
    cause: row.cause,
    startedAt: row.started_at,
    stoppedAt: row.stopped_at,
  }
}

export interface ExecutionListItem {
  readonly id: string
  readonly name: string
  readonly status: ExecutionStatus
  readonly startedAt: Date
  readonly stoppedAt: Date | null
}

/**
 * One page of a state machine's executions, newest first: `started_at` descending, then `seq`
 * descending (the later insert first among executions started in the same millisecond), the
 * order of `executions_list_idx`. `after` is the id of the last execution of the previous
 * page. The cursor is the row itself rather than its timestamp, because timestamptz keeps
 * microseconds and a JavaScript Date only milliseconds: a timestamp cursor would skip or repeat
 * executions started within the same millisecond.
 */
export async function listExecutions(
  db: Executor,
  page: {
    stateMachineId: number
    status: ExecutionStatus | undefined
    after: string | undefined
    limit: number
  },
): Promise<ExecutionListItem[]> {
  let query = db
    .selectFrom('executions as e')
    .select(['e.id', 'e.name', 'e.status', 'e.started_at', 'e.stopped_at'])
    .where('e.state_machine_id', '=', page.stateMachineId)
    .orderBy('e.started_at', 'desc')
    .orderBy('e.seq', 'desc')
    .limit(page.limit)
  if (page.status !== undefined) query = query.where('e.status', '=', page.status)
  const after = page.after
  if (after !== undefined) {
    query = query.where((eb) => {
      const cursor = eb
        .selectFrom('executions as c')
        .select(['c.started_at', 'c.seq'])
        .where('c.id', '=', after)
        .$asTuple('started_at', 'seq')
      return eb(eb.refTuple('e.started_at', 'e.seq'), '<', cursor)
    })
  }
  const rows = await query.execute()
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    status: r.status,
    startedAt: r.started_at,
    stoppedAt: r.stopped_at,
  }))
}
