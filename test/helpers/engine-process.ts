// Engine processes for the runtime tests: `millrace engine` in a child process, its pino log
// parsed line by line, signals sent by PID, and its memory read from /proc.
//
// The child runs the TypeScript sources through tsx (`node --import tsx api/cli.ts engine`), not
// dist/: the tests always run the code under test, without a build step that could be stale or
// that could race with another build writing dist/ at the same time.
import { spawn, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

/** The repository root: children run from there. */
export const ROOT = fileURLToPath(new URL('../..', import.meta.url))

/** One pino log line of a child (JSON), with the fields the engine logs. */
export interface LogLine {
  readonly level: number
  readonly msg: string
  readonly engineId?: string
  readonly executionId?: string
  readonly cause?: string
  readonly events?: number
  readonly [key: string]: unknown
}

export interface EngineProcessOptions {
  readonly databaseUrl: string
  readonly engineId: string
  /** MILLRACE_TIME_SCALE: multiplies every timer's delay. */
  readonly timeScale?: number
  /** MILLRACE_POLL_MS: how often the loops poll without a notification. */
  readonly pollMs?: number
  /** LOG_LEVEL (default info: the engine logs only its start and stop there). */
  readonly logLevel?: 'debug' | 'info' | 'warn'
  /** A TypeScript entry to run instead of `api/cli.ts engine`, with its arguments. */
  readonly entry?: readonly string[]
  /** More environment variables for the child. */
  readonly env?: Readonly<Record<string, string>>
  /** Options for node itself (e.g. --trace-gc while looking into memory). */
  readonly nodeArgs?: readonly string[]
}

const LOG_PREFIX = '{'

/** A running engine process. */
export class EngineProcess {
  readonly logs: LogLine[] = []
  /** Lines that were not JSON (stderr, stack traces): shown when the process fails. */
  readonly otherOutput: string[] = []
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  #exit: { code: number | null; signal: NodeJS.Signals | null } | undefined
  readonly #waiters = new Set<() => void>()

  private constructor(
    readonly engineId: string,
    private readonly child: ChildProcess,
  ) {
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.#exit = { code, signal }
        this.#notify()
        resolve({ code, signal })
      })
    })
    collectLines(child.stdout, (line) => this.#line(line))
    collectLines(child.stderr, (line) => this.#line(line))
  }

  /**
   * Starts an engine process and resolves once it logged 'engine started' (migrations applied,
   * LISTEN in place, loops running). Rejects if it exits first.
   */
  static async start(options: EngineProcessOptions): Promise<EngineProcess> {
    const env: Record<string, string> = {
      DATABASE_URL: options.databaseUrl,
      MILLRACE_ENGINE_ID: options.engineId,
      LOG_LEVEL: options.logLevel ?? 'info',
      ...(options.timeScale !== undefined
        ? { MILLRACE_TIME_SCALE: String(options.timeScale) }
        : {}),
      ...(options.pollMs !== undefined ? { MILLRACE_POLL_MS: String(options.pollMs) } : {}),
      ...options.env,
    }
    const args = [
      ...(options.nodeArgs ?? []),
      '--import',
      'tsx',
      ...(options.entry ?? ['api/cli.ts', 'engine']),
    ]
    const child = spawn(process.execPath, args, {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    const engine = new EngineProcess(options.engineId, child)
    started.add(engine)
    await engine.waitForLog((l) => l.msg === 'engine started', 60_000)
    return engine
  }

  get pid(): number {
    return this.child.pid as number
  }

  get running(): boolean {
    return this.#exit === undefined
  }

  /** Log lines of one message. */
  lines(msg: string): LogLine[] {
    return this.logs.filter((l) => l.msg === msg)
  }

  /**
   * Resolves with the first log line (already logged or to come) that matches. The deadline
   * only keeps a broken engine from hanging the suite.
   */
  async waitForLog(match: (line: LogLine) => boolean, deadlineMs = 30_000): Promise<LogLine> {
    const until = Date.now() + deadlineMs
    for (;;) {
      const hit = this.logs.find(match)
      if (hit) return hit
      if (!this.running) {
        throw new Error(
          `engine ${this.engineId} exited (${JSON.stringify(this.#exit)}):\n${this.output()}`,
        )
      }
      if (Date.now() > until) {
        throw new Error(
          `engine ${this.engineId}: no matching log line within ${deadlineMs} ms:\n${this.output()}`,
        )
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(done, 200)
        const waiters = this.#waiters
        function done() {
          clearTimeout(t)
          waiters.delete(done)
          resolve()
        }
        waiters.add(done)
      })
    }
  }

  /** Sends a signal to this process, by its PID. */
  signal(signal: NodeJS.Signals): void {
    if (this.running) process.kill(this.pid, signal)
  }

  /** Resident memory in bytes (VmRSS of /proc/<pid>/status). */
  rssBytes(): number {
    const status = readFileSync(`/proc/${this.pid}/status`, 'utf8')
    const m = /^VmRSS:\s+(\d+) kB$/m.exec(status)
    if (!m) throw new Error(`no VmRSS in /proc/${this.pid}/status`)
    return Number(m[1]) * 1024
  }

  /** True while the process is stopped (SIGSTOP): state T in /proc/<pid>/stat. */
  stopped(): boolean {
    const stat = readFileSync(`/proc/${this.pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('T')
  }

  /** SIGTERM (a graceful stop) and wait for the exit; SIGKILL after `deadlineMs`. */
  async stop(deadlineMs = 20_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    this.signal('SIGCONT')
    this.signal('SIGTERM')
    const timer = setTimeout(() => this.signal('SIGKILL'), deadlineMs)
    try {
      return await this.exited
    } finally {
      clearTimeout(timer)
    }
  }

  /** SIGKILL and wait for the exit. */
  async kill(): Promise<void> {
    this.signal('SIGKILL')
    await this.exited
  }

  /** Everything it printed, for failure messages (the last 60 lines). */
  output(): string {
    const all = [...this.logs.map((l) => JSON.stringify(l)), ...this.otherOutput]
    return all.slice(-60).join('\n')
  }

  #line(line: string): void {
    if (line.startsWith(LOG_PREFIX)) {
      try {
        this.logs.push(JSON.parse(line) as LogLine)
        this.#notify()
        return
      } catch {
        // not a log line after all
      }
    }
    this.otherOutput.push(line)
  }

  #notify(): void {
    for (const w of [...this.#waiters]) w()
  }
}

const started = new Set<EngineProcess>()

/**
 * SIGKILLs (by PID) every engine process started since the last call that is still running, and
 * waits for each to exit. Answers the engine ids it had to kill. For afterEach.
 */
export async function killEngineProcesses(): Promise<string[]> {
  const alive = [...started].filter((e) => e.running)
  started.clear()
  for (const e of alive) e.signal('SIGCONT')
  await Promise.all(alive.map((e) => e.kill()))
  return alive.map((e) => e.engineId)
}

/** Engine processes started by this test file that are still running. */
export function runningEngineProcesses(): string[] {
  return [...started].filter((e) => e.running).map((e) => e.engineId)
}

function collectLines(stream: NodeJS.ReadableStream | null, onLine: (line: string) => void): void {
  if (!stream) return
  let rest = ''
  stream.setEncoding('utf8')
  stream.on('data', (chunk: string) => {
    const parts = (rest + chunk).split('\n')
    rest = parts.pop() ?? ''
    for (const p of parts) if (p.length > 0) onLine(p)
  })
  stream.on('end', () => {
    if (rest.length > 0) onLine(rest)
  })
}
