import {
  CompiledQuery,
  type DatabaseConnection,
  type Driver,
  type TransactionSettings,
} from 'kysely'

/** Commands whose result carries a count of affected rows (kysely's numAffectedRows). */
export const AFFECTED_ROW_COMMANDS = new Set(['INSERT', 'UPDATE', 'DELETE', 'MERGE'])

/**
 * The transaction and savepoint statements of a kysely driver, as PostgreSQL spells them, sent
 * on the connection itself. The server and PGlite drivers extend it.
 */
export abstract class SqlTransactions implements Pick<
  Driver,
  | 'beginTransaction'
  | 'commitTransaction'
  | 'rollbackTransaction'
  | 'savepoint'
  | 'rollbackToSavepoint'
  | 'releaseSavepoint'
> {
  async beginTransaction(
    connection: DatabaseConnection,
    settings: TransactionSettings,
  ): Promise<void> {
    let statement = 'begin'
    if (settings.isolationLevel) statement += ` isolation level ${settings.isolationLevel}`
    if (settings.accessMode) statement += ` ${settings.accessMode}`
    await run(connection, statement)
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await run(connection, 'commit')
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await run(connection, 'rollback')
  }

  // kysely passes a query compiler for savepoints; a quoted identifier is all they need here.
  async savepoint(connection: DatabaseConnection, savepointName: string): Promise<void> {
    await run(connection, `savepoint ${quoteIdent(savepointName)}`)
  }

  async rollbackToSavepoint(connection: DatabaseConnection, savepointName: string): Promise<void> {
    await run(connection, `rollback to savepoint ${quoteIdent(savepointName)}`)
  }

  async releaseSavepoint(connection: DatabaseConnection, savepointName: string): Promise<void> {
    await run(connection, `release savepoint ${quoteIdent(savepointName)}`)
  }
}

async function run(connection: DatabaseConnection, statement: string): Promise<void> {
  await connection.executeQuery(CompiledQuery.raw(statement))
}

function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`
}
