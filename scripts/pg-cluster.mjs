// A throwaway PostgreSQL cluster for tests and benchmarks (scripts/test.mjs, scripts/bench.mjs).
import { spawnSync } from 'node:child_process'
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export function findBindir() {
  const hasServer = (dir) =>
    dir && existsSync(join(dir, 'postgres')) && existsSync(join(dir, 'initdb'))
  const candidates = ['/usr/lib/postgresql/15/bin']
  const pgConfig = spawnSync('pg_config', ['--bindir'], { encoding: 'utf8' })
  if (pgConfig.status === 0) candidates.push(pgConfig.stdout.trim())
  if (existsSync('/usr/lib/postgresql')) {
    const versions = readdirSync('/usr/lib/postgresql')
      .filter((v) => /^\d+$/.test(v))
      .sort((a, b) => Number(b) - Number(a))
    candidates.push(...versions.map((v) => `/usr/lib/postgresql/${v}/bin`))
  }
  return candidates.find(hasServer)
}

/**
 * Start a private cluster in a temp folder on a free port of 127.0.0.1 (as the postgres user when
 * running as root). `durable: false` turns fsync and synchronous commit off, for tests; benchmarks
 * keep PostgreSQL's defaults. Answers { url, port, version, dataDir, stop, restart }.
 */
export async function startCluster(bindir, { durable = false, interrupted = () => false } = {}) {
  const asRoot = process.getuid?.() === 0
  const dir = mkdtempSync(join(tmpdir(), 'millrace-pg-'))
  const data = join(dir, 'data')
  const run = (command, commandArgs) => {
    const argv = asRoot
      ? ['runuser', ['-u', 'postgres', '--', join(bindir, command), ...commandArgs]]
      : [join(bindir, command), commandArgs]
    const result = spawnSync(argv[0], argv[1], { encoding: 'utf8', cwd: dir })
    if (result.status !== 0) {
      throw new Error(
        `${command} failed (${result.error?.message ?? `exit ${result.status}`}):\n` +
          `${result.stdout ?? ''}${result.stderr ?? ''}`,
      )
    }
    return result.stdout
  }
  const removeDir = () => rmSync(dir, { recursive: true, force: true })

  try {
    if (asRoot) {
      const id = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' })
      const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' })
      if (id.status !== 0) {
        throw new Error('running as root, but there is no `postgres` user to run the cluster as')
      }
      chownSync(dir, Number(id.stdout), Number(gid.stdout))
    }
    run('initdb', [
      '-D',
      data,
      '-U',
      'postgres',
      '--auth=trust',
      '--encoding=UTF8',
      '--locale=C',
      '--no-sync',
    ])
  } catch (error) {
    removeDir()
    throw error
  }

  let lastError
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort()
    // A throwaway cluster: durability settings off for speed, TCP on loopback only, the socket
    // in our own folder (not /var/run/postgresql, which may not exist).
    const options = [
      `-p ${port}`,
      "-c listen_addresses='127.0.0.1'",
      `-c unix_socket_directories='${dir}'`,
      ...(durable ? [] : ['-c fsync=off', '-c synchronous_commit=off', '-c full_page_writes=off']),
      '-c max_connections=200',
    ].join(' ')
    try {
      run('pg_ctl', ['-D', data, '-l', join(dir, 'server.log'), '-o', options, '-w', 'start'])
      const stop = () => {
        try {
          run('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop'])
        } finally {
          removeDir()
        }
      }
      const version = run('postgres', ['--version'])
        .trim()
        .replace(/^postgres \(PostgreSQL\) /, '')
      // An immediate restart (crash-like), for tests that prove engines reconnect by themselves.
      const restart = () =>
        run('pg_ctl', [
          '-D',
          data,
          '-l',
          join(dir, 'server.log'),
          '-o',
          options,
          '-m',
          'immediate',
          '-w',
          'restart',
        ])
      return {
        url: `postgres://postgres@127.0.0.1:${port}/postgres`,
        port,
        version,
        dataDir: data,
        stop,
        restart,
      }
    } catch (error) {
      // most likely the port was taken in between: try another
      const logFile = join(dir, 'server.log')
      lastError = existsSync(logFile)
        ? new Error(`${error.message}\nserver.log:\n${readFileSync(logFile, 'utf8')}`)
        : error
      if (interrupted()) break
    }
  }
  removeDir()
  throw lastError
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })
}
