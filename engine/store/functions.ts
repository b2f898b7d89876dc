import { sql } from 'kysely'
import type { Executor } from './database.js'
import { toJsonb } from './schema.js'

/** The function registry: where each Lambda function name's push tasks are POSTed. */

export interface FunctionRow {
  readonly name: string
  readonly url: string
  readonly timeoutSeconds: number
  readonly headers: Readonly<Record<string, string>>
  readonly maxConcurrency: number | null
  readonly createdAt: Date
  readonly updatedAt: Date
}

export interface FunctionFields {
  readonly url: string
  readonly timeoutSeconds: number
  readonly headers: Readonly<Record<string, string>>
  readonly maxConcurrency: number | null
}

/** Insert or replace a function; answers the row as stored and whether it was new. */
export async function putFunction(
  db: Executor,
  name: string,
  fields: FunctionFields,
): Promise<{ row: FunctionRow; created: boolean }> {
  const row = await db
    .insertInto('functions')
    .values({
      name,
      url: fields.url,
      timeout_seconds: fields.timeoutSeconds,
      headers: toJsonb({ ...fields.headers }),
      max_concurrency: fields.maxConcurrency,
    })
    .onConflict((oc) =>
      oc.column('name').doUpdateSet({
        url: fields.url,
        timeout_seconds: fields.timeoutSeconds,
        headers: toJsonb({ ...fields.headers }),
        max_concurrency: fields.maxConcurrency,
        updated_at: sql<Date>`now()`,
      }),
    )
    // xmax = 0 only on a row this statement inserted (an update leaves the old version's xid).
    .returning([
      'name',
      'url',
      'timeout_seconds',
      'headers',
      'max_concurrency',
      'created_at',
      'updated_at',
      sql<boolean>`(xmax = 0)`.as('created'),
    ])
    .executeTakeFirstOrThrow()
  return { row: toRow(row), created: row.created }
}

export async function findFunction(db: Executor, name: string): Promise<FunctionRow | undefined> {
  const row = await db
    .selectFrom('functions')
    .select([
      'name',
      'url',
      'timeout_seconds',
      'headers',
      'max_concurrency',
      'created_at',
      'updated_at',
    ])
    .where('name', '=', name)
    .executeTakeFirst()
  return row ? toRow(row) : undefined
}

/** Answers whether a function of that name existed. */
export async function deleteFunction(db: Executor, name: string): Promise<boolean> {
  const result = await db.deleteFrom('functions').where('name', '=', name).executeTakeFirst()
  return Number(result.numDeletedRows) > 0
}

/** Functions in name order, after `after` (keyset paging). */
export async function listFunctions(
  db: Executor,
  page: { after: string | undefined; limit: number },
): Promise<FunctionRow[]> {
  let query = db
    .selectFrom('functions')
    .select([
      'name',
      'url',
      'timeout_seconds',
      'headers',
      'max_concurrency',
      'created_at',
      'updated_at',
    ])
    .orderBy('name')
    .limit(page.limit)
  if (page.after !== undefined) query = query.where('name', '>', page.after)
  return (await query.execute()).map(toRow)
}

function toRow(r: {
  name: string
  url: string
  timeout_seconds: number
  headers: Record<string, string>
  max_concurrency: number | null
  created_at: Date
  updated_at: Date
}): FunctionRow {
  return {
    name: r.name,
    url: r.url,
    timeoutSeconds: r.timeout_seconds,
    headers: r.headers,
    maxConcurrency: r.max_concurrency,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  }
}
