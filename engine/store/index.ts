// The store's public surface: other folders import from here only.
export {
  DEFAULT_DATA_DIR,
  openDatabase,
  type Backend,
  type Database,
  type DatabaseConfig,
  type Executor,
  type ListenOptions,
  type Unlisten,
} from './database.js'
export {
  loadMigrations,
  migrate,
  type MigrateOptions,
  type MigrateResult,
  type Migration,
} from './migrate.js'
export * from './schema.js'
