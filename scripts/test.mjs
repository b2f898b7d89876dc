#!/usr/bin/env node
// `npm test [-- vitest args]`: runs `vitest run` with a PostgreSQL server for the server suites.
//
// Which server:
//   1. MILLRACE_TEST_DATABASE_URL, else DATABASE_URL: that server (tests create and drop their
//      own databases on it, so the role needs CREATEDB).
//   2. Else PostgreSQL binaries (/usr/lib/postgresql/15/bin, `pg_config --bindir`, then any
//      /usr/lib/postgresql/*/bin): a throwaway cluster in a temp folder, on a free port of
//      127.0.0.1, stopped and deleted when vitest ends (also on failure, SIGINT and SIGTERM).
//      As root the cluster runs as the `postgres` user, since PostgreSQL refuses to run as root.
//   3. Else no server: the server suites skip and say so.
// When only the `unit` project is selected, no server is started.
// The exit code is vitest's.
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { findBindir, startCluster } from './pg-cluster.mjs'

const args = process.argv.slice(2)
const log = (message) => console.log(`[test] ${message}`)

const SIGNAL_EXIT = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 }

let cluster
let child
let interrupted
let stopping = false

for (const signal of Object.keys(SIGNAL_EXIT)) {
  process.on(signal, () => {
    interrupted ??= SIGNAL_EXIT[signal]
    // Ctrl-C reaches vitest too (same process group); a signal sent to us alone is forwarded.
    // Either way we wait for vitest to exit, then stop the cluster.
    if (child && child.exitCode === null) child.kill(signal)
  })
}

try {
  const env = { ...process.env }
  const url = process.env.MILLRACE_TEST_DATABASE_URL || process.env.DATABASE_URL
  if (!needsServer(args)) {
    log('only unit tests selected: no PostgreSQL server started')
  } else if (url) {
    env.MILLRACE_TEST_DATABASE_URL = url
    log(`PostgreSQL server suite: using the server at ${redact(url)}`)
  } else {
    const bindir = findBindir()
    if (bindir) {
      const started = Date.now()
      cluster = await startCluster(bindir, {
        durable: false,
        interrupted: () => interrupted !== undefined,
      })
      env.MILLRACE_TEST_DATABASE_URL = cluster.url
      log(
        `PostgreSQL server suite: throwaway cluster ${cluster.version} at 127.0.0.1:${cluster.port}` +
          ` (${bindir}, ready in ${Date.now() - started} ms)`,
      )
    } else {
      delete env.MILLRACE_TEST_DATABASE_URL
      console.log(
        '\n*** PostgreSQL server suite SKIPPED: no server binaries found' +
          ' (set MILLRACE_TEST_DATABASE_URL or install PostgreSQL 15) ***\n',
      )
    }
  }
  const code = interrupted ?? (await runVitest(env))
  await shutdown(code)
} catch (error) {
  console.error(error)
  await shutdown(1)
}

function needsServer(vitestArgs) {
  const projects = []
  vitestArgs.forEach((arg, i) => {
    if (arg === '--project') projects.push(vitestArgs[i + 1] ?? '')
    else if (arg.startsWith('--project=')) projects.push(arg.slice('--project='.length))
  })
  return projects.length === 0 || projects.some((p) => p !== 'unit')
}

function runVitest(env) {
  const bin = join(import.meta.dirname, '..', 'node_modules', 'vitest', 'vitest.mjs')
  return new Promise((resolve, reject) => {
    child = spawn(process.execPath, [bin, 'run', ...args], { stdio: 'inherit', env })
    child.on('error', reject)
    child.on('exit', (code, signal) => resolve(code ?? SIGNAL_EXIT[signal] ?? 1))
  })
}

async function shutdown(code) {
  if (stopping) return
  stopping = true
  if (cluster) {
    try {
      cluster.stop()
    } catch (error) {
      console.error('[test] stopping the throwaway cluster failed:', error)
      if (code === 0) code = 1
    }
  }
  process.exit(code)
}

function redact(url) {
  try {
    const parsed = new URL(url)
    if (parsed.password) parsed.password = '***'
    return parsed.toString()
  } catch {
    return '(unparsable URL)'
  }
}
