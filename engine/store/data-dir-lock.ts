import { randomBytes } from 'node:crypto'
import { link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises'
import { hostname } from 'node:os'
import { join } from 'node:path'

/** A held lock on an embedded data folder. */
export interface DataDirLock {
  readonly path: string
  release(): Promise<void>
}

interface LockOwner {
  readonly pid: number
  readonly hostname: string
  readonly since: string
}

const LOCK_FILE = 'millrace.lock'

/**
 * Takes the lock file in an embedded data folder, creating the folder if needed.
 *
 * PGlite does not guard its data directory: two processes that open the same folder both
 * start, write over each other and lose data (tried with PGlite 0.5.16). A lock left behind by
 * a process that died on this host is taken over; one held by a live process is refused.
 *
 * @example
 * const lock = await lockDataDir('./.millrace')
 * try { ... } finally { await lock.release() }
 */
export async function lockDataDir(dir: string): Promise<DataDirLock> {
  await mkdir(dir, { recursive: true })
  const path = join(dir, LOCK_FILE)
  const me: LockOwner = { pid: process.pid, hostname: hostname(), since: new Date().toISOString() }
  const text = JSON.stringify(me)
  // Written in full under a private name, then linked into place: link() fails with EEXIST
  // atomically, and a reader never sees a half-written lock.
  const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}`
  await writeFile(temp, text, { flag: 'wx' })
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        await link(temp, path)
        break
      } catch (error) {
        if (!isErrno(error, 'EEXIST')) throw error
        if (attempt > 0) throw lockedError(dir, await readOwner(path))
        const owner = await readOwner(path)
        if (owner !== undefined && !(owner.hostname === me.hostname && !isAlive(owner.pid))) {
          throw lockedError(dir, owner)
        }
        await unlink(path).catch(ignoreErrno('ENOENT'))
      }
    }
  } finally {
    await unlink(temp).catch(ignoreErrno('ENOENT'))
  }

  let released = false
  return {
    path,
    async release() {
      if (released) return
      released = true
      const owner = await readOwner(path)
      if (owner?.pid === me.pid && owner.since === me.since) {
        await unlink(path).catch(ignoreErrno('ENOENT'))
      }
    },
  }
}

function lockedError(dir: string, owner: LockOwner | undefined): Error {
  const who = owner ? `process ${owner.pid} on ${owner.hostname}` : 'another process'
  return new Error(
    `Data folder ${dir} is in use by ${who}. Stop it, or give this engine another data folder.`,
  )
}

async function readOwner(path: string): Promise<LockOwner | undefined> {
  try {
    const parsed = JSON.parse(await readFile(path, 'utf8')) as Partial<LockOwner>
    if (typeof parsed.pid === 'number' && typeof parsed.hostname === 'string') {
      return { pid: parsed.pid, hostname: parsed.hostname, since: String(parsed.since) }
    }
    return undefined
  } catch {
    return undefined
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return !isErrno(error, 'ESRCH')
  }
}

function isErrno(error: unknown, code: string): boolean {
  return error instanceof Error && (error as NodeJS.ErrnoException).code === code
}

function ignoreErrno(code: string): (error: unknown) => void {
  return (error) => {
    if (!isErrno(error, code)) throw error
  }
}
