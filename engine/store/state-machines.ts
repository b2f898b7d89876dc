import { sql } from 'kysely'
import type { Executor } from './database.js'
import type { StateMachineType } from './schema.js'

/**
 * State machines and their immutable revisions, as the service layer reads and writes them
 * (engine/service/create-state-machine.ts and friends). A state machine row is never removed:
 * DeleteStateMachine sets `deleted_at`, and the row counts as DELETING while executions of it
 * still run, and as gone once none do (see {@link StateMachineRow.running}).
 */

/** A state machine with its current revision. */
export interface StateMachineRow {
  readonly id: number
  readonly name: string
  readonly type: StateMachineType
  readonly roleArn: string
  readonly createdAt: Date
  readonly deletedAt: Date | null
  /** True when at least one execution of it is RUNNING (only read for deleted machines). */
  readonly running: boolean
  readonly revision: RevisionRow
}

export interface RevisionRow {
  readonly id: number
  readonly revision: number
  readonly definition: string
  readonly createdAt: Date
}

/**
 * The state machine named `name`, deleted or not, with its current revision. `forUpdate` locks
 * the row for the rest of the transaction (create, update and delete take it).
 *
 * @example
 * const machine = await findStateMachine(db, 'orders')
 * if (!machine || machine.deletedAt) throw new MillraceError('StateMachineDoesNotExist')
 */
export async function findStateMachine(
  db: Executor,
  name: string,
  options: { forUpdate?: boolean } = {},
): Promise<StateMachineRow | undefined> {
  let query = db
    .selectFrom('state_machines as m')
    .innerJoin('state_machine_revisions as r', 'r.id', 'm.current_revision_id')
    .select((eb) => [
      'm.id',
      'm.name',
      'm.type',
      'm.role_arn',
      'm.created_at',
      'm.deleted_at',
      'r.id as revision_id',
      'r.revision',
      'r.definition',
      'r.created_at as revision_created_at',
      // Only asked for deleted machines: a live one's running executions do not matter here.
      eb
        .case()
        .when('m.deleted_at', 'is', null)
        .then(false)
        .else(
          eb.exists(
            eb
              .selectFrom('executions as e')
              .select(sql`1`.as('one'))
              .whereRef('e.state_machine_id', '=', 'm.id')
              .where('e.status', '=', 'RUNNING'),
          ),
        )
        .end()
        .as('running'),
    ])
    .where('m.name', '=', name)
  if (options.forUpdate) query = query.forUpdate('m')
  const row = await query.executeTakeFirst()
  if (!row) return undefined
  return {
    id: row.id,
    name: row.name,
    type: row.type,
    roleArn: row.role_arn,
    createdAt: row.created_at,
    deletedAt: row.deleted_at,
    running: row.running === true,
    revision: {
      id: row.revision_id,
      revision: row.revision,
      definition: row.definition,
      createdAt: row.revision_created_at,
    },
  }
}

export interface NewStateMachine {
  readonly name: string
  readonly type: StateMachineType
  readonly roleArn: string
  readonly definition: string
  readonly definitionHash: string
}

/**
 * Inserts a state machine with revision 1 as its current revision. Answers undefined when a
 * state machine of that name exists (deleted or not): the caller looks at it and decides.
 */
export async function insertStateMachine(
  trx: Executor,
  m: NewStateMachine,
): Promise<{ id: number; createdAt: Date; revision: RevisionRow } | undefined> {
  const row = await trx
    .insertInto('state_machines')
    .values({ name: m.name, type: m.type, role_arn: m.roleArn })
    .onConflict((oc) => oc.column('name').doNothing())
    .returning(['id', 'created_at'])
    .executeTakeFirst()
  if (!row) return undefined
  const revision = await insertRevision(trx, row.id, 1, m.definition, m.definitionHash, m.roleArn)
  await trx
    .updateTable('state_machines')
    .set({ current_revision_id: revision.id })
    .where('id', '=', row.id)
    .execute()
  return { id: row.id, createdAt: row.created_at, revision }
}

/**
 * Brings a deleted state machine back under its old name, as a new machine: new type, role and
 * creation date, and a new current revision numbered after the old ones. Its old executions
 * stay (they are the same ARN's executions). The caller holds the row lock.
 */
export async function recreateStateMachine(
  trx: Executor,
  id: number,
  m: Omit<NewStateMachine, 'name'>,
): Promise<{ createdAt: Date; revision: RevisionRow }> {
  const revision = await insertRevision(
    trx,
    id,
    (await lastRevision(trx, id)) + 1,
    m.definition,
    m.definitionHash,
    m.roleArn,
  )
  const row = await trx
    .updateTable('state_machines')
    .set({
      type: m.type,
      role_arn: m.roleArn,
      deleted_at: null,
      created_at: sql<Date>`now()`,
      current_revision_id: revision.id,
    })
    .where('id', '=', id)
    .returning('created_at')
    .executeTakeFirstOrThrow()
  return { createdAt: row.created_at, revision }
}

/**
 * Publishes a new revision (numbered after the last one) and makes it current; `roleArn`
 * replaces the machine's role. Executions already started keep the revision they started on.
 * The caller holds the row lock.
 */
export async function addRevision(
  trx: Executor,
  id: number,
  r: { definition: string; definitionHash: string; roleArn: string },
): Promise<RevisionRow> {
  const revision = await insertRevision(
    trx,
    id,
    (await lastRevision(trx, id)) + 1,
    r.definition,
    r.definitionHash,
    r.roleArn,
  )
  await trx
    .updateTable('state_machines')
    .set({ role_arn: r.roleArn, current_revision_id: revision.id })
    .where('id', '=', id)
    .execute()
  return revision
}

async function insertRevision(
  trx: Executor,
  stateMachineId: number,
  revision: number,
  definition: string,
  definitionHash: string,
  roleArn: string,
): Promise<RevisionRow> {
  const row = await trx
    .insertInto('state_machine_revisions')
    .values({
      state_machine_id: stateMachineId,
      revision,
      definition,
      definition_hash: definitionHash,
      role_arn: roleArn,
    })
    .returning(['id', 'created_at'])
    .executeTakeFirstOrThrow()
  return { id: row.id, revision, definition, createdAt: row.created_at }
}

async function lastRevision(trx: Executor, stateMachineId: number): Promise<number> {
  const row = await trx
    .selectFrom('state_machine_revisions')
    .select((eb) => eb.fn.max('revision').as('last'))
    .where('state_machine_id', '=', stateMachineId)
    .executeTakeFirst()
  return Number(row?.last ?? 0)
}

/** Marks a state machine deleted (its running executions go on). Answers false if it was. */
export async function markStateMachineDeleted(trx: Executor, id: number): Promise<boolean> {
  const res = await trx
    .updateTable('state_machines')
    .set({ deleted_at: sql<Date>`now()` })
    .where('id', '=', id)
    .where('deleted_at', 'is', null)
    .executeTakeFirst()
  return Number(res.numUpdatedRows) === 1
}

export interface StateMachineListItem {
  readonly id: number
  readonly name: string
  readonly type: StateMachineType
  readonly createdAt: Date
}

/**
 * One page of the state machines that are not deleted, in id order (creation order), starting
 * after the id `after`. Keyset pagination: a page costs the same wherever it starts.
 */
export async function listStateMachines(
  db: Executor,
  page: { after: number | undefined; limit: number },
): Promise<StateMachineListItem[]> {
  let query = db
    .selectFrom('state_machines')
    .select(['id', 'name', 'type', 'created_at'])
    .where('deleted_at', 'is', null)
    .orderBy('id')
    .limit(page.limit)
  if (page.after !== undefined) query = query.where('id', '>', page.after)
  const rows = await query.execute()
  return rows.map((r) => ({ id: r.id, name: r.name, type: r.type, createdAt: r.created_at }))
}

/** A revision by id (an execution's pinned revision). */
export async function findRevision(db: Executor, id: number): Promise<RevisionRow | undefined> {
  const row = await db
    .selectFrom('state_machine_revisions')
    .select(['id', 'revision', 'definition', 'created_at'])
    .where('id', '=', id)
    .executeTakeFirst()
  if (!row) return undefined
  return {
    id: row.id,
    revision: row.revision,
    definition: row.definition,
    createdAt: row.created_at,
  }
}
