// Activity worker processes for the e2e tests (test/e2e/fixtures/activity-worker.ts through tsx).
import { spawn, type ChildProcess } from 'node:child_process'
import { afterAll, afterEach, beforeAll } from 'vitest'
import type { Backend } from '../../engine/store/index.js'
import { startApiServer, type ApiServer } from './api-server.js'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))

export interface WorkerLine {
  readonly event: 'took' | 'error' | 'aborted' | 'stopped'
  readonly token?: string
  readonly input?: Record<string, unknown>
  readonly name?: string
  readonly message?: string
  readonly reason?: string
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
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'test/e2e/fixtures/activity-worker.ts'],
      {
        cwd: ROOT,
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    )
    return new WorkerProcess(child)
  }

  get took(): WorkerLine[] {
    return this.lines.filter((l) => l.event === 'took')
  }

  get errors(): WorkerLine[] {
    return this.lines.filter((l) => l.event === 'error')
  }

  get aborted(): WorkerLine[] {
    return this.lines.filter((l) => l.event === 'aborted')
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

/** The function endpoints of function-server.ts in a process of their own. */
export async function startFunctionServerProcess(env: Record<string, string> = {}): Promise<{
  readonly origin: string
  readonly pid: number
  stop(): Promise<void>
}> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'test/e2e/fixtures/function-server.ts'],
    {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  )
  const port = await new Promise<number>((resolve, reject) => {
    let text = ''
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      text += chunk
      const nl = text.indexOf('\n')
      if (nl >= 0) resolve((JSON.parse(text.slice(0, nl)) as { port: number }).port)
    })
    child.once('exit', (code) => reject(new Error(`function server exited with ${code}`)))
  })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  return {
    origin: `http://127.0.0.1:${port}`,
    pid: child.pid ?? 0,
    async stop() {
      child.kill('SIGTERM')
      await exited
    },
  }
}

export interface EndpointLine {
  readonly event: 'listening' | 'call' | 'aborted'
  readonly path?: string
  readonly attempt?: number
  readonly idempotencyKey?: string
  readonly executionArn?: string
  readonly stateName?: string
}

export interface FunctionEndpointsProcess {
  /** `http://127.0.0.1:<port>` of the node:http server and of the fastify one. */
  readonly origins: { readonly node: string; readonly fastify: string }
  /** Every line it printed after `listening`. */
  readonly lines: EndpointLine[]
  stop(): Promise<void>
}

/**
 * The createFunctionHandler endpoints of test/e2e/fixtures/function-endpoints.ts in a process
 * of their own.
 *
 * @example
 * const fns = await startFunctionEndpointsProcess({ FLAKY_UNTIL: '3' })
 * await api.rest('PUT', '/functions/price', { url: `${fns.origins.node}/price` })
 */
export async function startFunctionEndpointsProcess(
  env: Record<string, string> = {},
): Promise<FunctionEndpointsProcess> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'test/e2e/fixtures/function-endpoints.ts'],
    { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] },
  )
  const lines: EndpointLine[] = []
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const ports = await new Promise<{ node: number; fastify: number }>((resolve, reject) => {
    let buffer = ''
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      buffer += chunk
      let nl: number
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = JSON.parse(buffer.slice(0, nl)) as EndpointLine & {
          node?: number
          fastify?: number
        }
        buffer = buffer.slice(nl + 1)
        if (line.event === 'listening')
          resolve({ node: line.node ?? 0, fastify: line.fastify ?? 0 })
        else lines.push(line)
      }
    })
    child.once('exit', (code) => reject(new Error(`function endpoints exited with ${code}`)))
  })
  return {
    origins: {
      node: `http://127.0.0.1:${ports.node}`,
      fastify: `http://127.0.0.1:${ports.fastify}`,
    },
    lines,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return
      child.kill('SIGTERM')
      await exited
    },
  }
}

/**
 * For a describe block: an API server on `backend` (retry back-off 100× faster; task and
 * heartbeat timeouts stay real) and worker processes, each stopped after its test.
 */
export function useWorkerProcesses(backend: Backend): {
  readonly api: ApiServer
  readonly spawn: (env: Record<string, string>) => WorkerProcess
} {
  let server: ApiServer | undefined
  let workers: WorkerProcess[] = []
  beforeAll(async () => {
    server = await startApiServer(backend, { timeScale: 0.01 })
  })
  afterEach(async () => {
    await Promise.all(workers.map((w) => w.stop()))
    workers = []
  })
  afterAll(async () => {
    await server?.close()
  })
  const api = (): ApiServer => {
    if (!server) throw new Error('the API server starts in beforeAll')
    return server
  }
  return {
    get api() {
      return api()
    },
    spawn: (env) => {
      const w = WorkerProcess.start({ MILLRACE_URL: api().url, ...env })
      workers.push(w)
      return w
    },
  }
}
