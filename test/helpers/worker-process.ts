// Activity worker processes for the e2e tests (test/e2e/fixtures/activity-worker.ts through tsx).
import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))

export interface WorkerLine {
  readonly event: 'took' | 'error' | 'stopped'
  readonly token?: string
  readonly input?: Record<string, unknown>
  readonly name?: string
  readonly message?: string
}

export class WorkerProcess {
  readonly lines: WorkerLine[] = []
  readonly stderr: string[] = []
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>

  private constructor(private readonly child: ChildProcess) {
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => resolve({ code, signal }))
    })
    let buffer = ''
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      buffer += chunk
      let nl: number
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl)
        buffer = buffer.slice(nl + 1)
        try {
          this.lines.push(JSON.parse(line) as WorkerLine)
        } catch {
          this.stderr.push(line)
        }
      }
    })
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => this.stderr.push(chunk))
  }

  /**
   * @example
   * const w = WorkerProcess.start({ MILLRACE_URL: url, ACTIVITY_ARN: arn, MODE: 'echo' })
   */
  static start(env: Record<string, string>): WorkerProcess {
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/e2e/fixtures/activity-worker.ts'], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    return new WorkerProcess(child)
  }

  get took(): WorkerLine[] {
    return this.lines.filter((l) => l.event === 'took')
  }

  get errors(): WorkerLine[] {
    return this.lines.filter((l) => l.event === 'error')
  }

  signal(signal: NodeJS.Signals): void {
    this.child.kill(signal)
  }

  /** SIGTERM (the worker drains), then SIGKILL if it has not exited within `ms`. */
  async stop(ms = 10_000): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return
    this.child.kill('SIGTERM')
    const t = setTimeout(() => this.child.kill('SIGKILL'), ms)
    await this.exited
    clearTimeout(t)
  }
}
