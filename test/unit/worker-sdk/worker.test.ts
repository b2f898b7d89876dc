import { afterEach, describe, expect, it } from 'vitest'
import {
  createWorker,
  TaskFailure,
  type TaskContext,
  type Worker,
  type WorkerState,
} from '../../../worker-sdk/index.js'

/**
 * worker-sdk against a fake server: a fetch that answers the AWS JSON actions from a queue of
 * tasks and records every call. No engine, no sockets.
 */
interface Call {
  readonly action: string
  readonly body: Record<string, unknown>
}

class FakeServer {
  readonly calls: Call[] = []
  readonly queue: { taskToken: string; input: string }[] = []
  /** Answers for SendTaskHeartbeat, in order; default {}. */
  heartbeatAnswers: (() => Promise<Response>)[] = []
  down = false
  private waiting: (() => void)[] = []

  push(taskToken: string, input: unknown): void {
    this.queue.push({ taskToken, input: JSON.stringify(input) })
    for (const w of this.waiting.splice(0)) w()
  }

  answers(action: string): Record<string, unknown>[] {
    return this.calls.filter((c) => c.action === action).map((c) => c.body)
  }

  readonly fetch: typeof fetch = async (_url, init) => {
    if (this.down) throw new TypeError('fetch failed (ECONNREFUSED)')
    const action =
      String((init?.headers as Record<string, string>)['x-amz-target']).split('.')[1] ?? ''
    const body = JSON.parse(init?.body as string) as Record<string, unknown>
    this.calls.push({ action, body })
    const signal = init?.signal ?? undefined
    switch (action) {
      case 'GetActivityTask': {
        const deadline = Date.now() + 200
        while (this.queue.length === 0 && Date.now() < deadline) {
          if (signal?.aborted) throw new DOMException('aborted', 'AbortError')
          await new Promise<void>((resolve) => {
            this.waiting.push(resolve)
            setTimeout(resolve, 20)
          })
        }
        const task = this.queue.shift()
        return json(200, task ?? {})
      }
      case 'SendTaskHeartbeat': {
        const next = this.heartbeatAnswers.shift()
        return next ? next() : json(200, {})
      }
      default:
        return json(200, {})
    }
  }
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/x-amz-json-1.0' },
  })
}

const awsError = (type: string, status = 400) => json(status, { __type: type, message: type })

async function until(check: () => boolean, what: string): Promise<void> {
  const end = Date.now() + 10_000
  while (!check()) {
    if (Date.now() > end) throw new Error(`gave up waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 5))
  }
}

const ARN = 'arn:aws:states:us-east-1:000000000000:activity:test'
let workers: Worker[] = []

afterEach(async () => {
  await Promise.all(workers.map((w) => w.stop({ graceMs: 0 })))
  workers = []
})

function start<I, O>(
  server: FakeServer,
  handler: (input: I, ctx: TaskContext) => Promise<O> | O,
  extra: Partial<Parameters<typeof createWorker<I, O>>[0]> = {},
): Worker {
  const w = createWorker<I, O>({
    endpoint: 'http://millrace.test',
    activityArn: ARN,
    workerName: 'unit',
    fetch: server.fetch,
    backoff: { initialMs: 5, maxMs: 20 },
    handler,
    ...extra,
  })
  workers.push(w)
  return w
}

describe('worker-sdk: answers', () => {
  it('polls with its worker name and answers the result as JSON', async () => {
    const server = new FakeServer()
    start<{ n: number }, { n: number }>(server, (input) => ({ n: input.n + 1 }))
    server.push('t1', { n: 41 })
    await until(() => server.answers('SendTaskSuccess').length === 1, 'the answer')
    expect(server.answers('SendTaskSuccess')[0]).toEqual({ taskToken: 't1', output: '{"n":42}' })
    expect(server.answers('GetActivityTask')[0]).toEqual({ activityArn: ARN, workerName: 'unit' })
  })

  it('a TaskFailure becomes SendTaskFailure with its error and cause', async () => {
    const server = new FakeServer()
    start(server, () => {
      throw new TaskFailure('Image.TooLarge', '80 MB')
    })
    server.push('t1', {})
    await until(() => server.answers('SendTaskFailure').length === 1, 'the failure')
    expect(server.answers('SendTaskFailure')[0]).toEqual({
      taskToken: 't1',
      error: 'Image.TooLarge',
      cause: '80 MB',
    })
  })

  it("any other thrown error fails the task with the error's name and message", async () => {
    const server = new FakeServer()
    start(server, () => {
      throw new RangeError('n is out of range')
    })
    server.push('t1', {})
    await until(() => server.answers('SendTaskFailure').length === 1, 'the failure')
    expect(server.answers('SendTaskFailure')[0]).toMatchObject({
      error: 'RangeError',
      cause: 'n is out of range',
    })
  })

  it('runs up to `concurrency` handlers at once', async () => {
    const server = new FakeServer()
    let running = 0
    let peak = 0
    start(
      server,
      async () => {
        running++
        peak = Math.max(peak, running)
        await new Promise((r) => setTimeout(r, 30))
        running--
        return {}
      },
      { concurrency: 3 },
    )
    for (let i = 0; i < 9; i++) server.push(`t${i}`, {})
    await until(() => server.answers('SendTaskSuccess').length === 9, 'nine answers')
    expect(peak).toBe(3)
  })
})

describe('worker-sdk: heartbeats', () => {
  it('sends one beat at a time and only the newest waiting one after it', async () => {
    const server = new FakeServer()
    let release!: () => void
    server.heartbeatAnswers.push(
      () => new Promise((resolve) => (release = () => resolve(json(200, {})))),
    )
    let finish!: () => void
    start(server, async (_input, ctx) => {
      for (let i = 0; i < 10; i++) ctx.heartbeat() // 1 sent, 9 coalesced into 1 pending
      await new Promise<void>((r) => (finish = r))
      return {}
    })
    server.push('t1', {})
    await until(() => server.answers('SendTaskHeartbeat').length === 1, 'the first beat')
    release()
    await until(() => server.answers('SendTaskHeartbeat').length === 2, 'the pending beat')
    await new Promise((r) => setTimeout(r, 30))
    expect(server.answers('SendTaskHeartbeat')).toHaveLength(2)
    finish()
    await until(() => server.answers('SendTaskSuccess').length === 1, 'the answer')
  })

  it('beats every heartbeatSeconds while the handler runs', async () => {
    const server = new FakeServer()
    start(
      server,
      async () => {
        await new Promise((r) => setTimeout(r, 130))
        return {}
      },
      { heartbeatSeconds: 0.04 },
    )
    server.push('t1', {})
    await until(() => server.answers('SendTaskSuccess').length === 1, 'the answer')
    expect(server.answers('SendTaskHeartbeat').length).toBeGreaterThanOrEqual(2)
  })

  it('a TaskTimedOut answer aborts ctx.signal, and no answer is sent', async () => {
    const server = new FakeServer()
    server.heartbeatAnswers.push(() => Promise.resolve(awsError('TaskTimedOut')))
    let reason: unknown
    start(server, async (_input, ctx) => {
      ctx.heartbeat()
      await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve()))
      reason = ctx.signal.reason
      return { late: true }
    })
    server.push('t1', {})
    await until(() => reason !== undefined, 'the abort')
    expect((reason as Error).name).toBe('TaskTimedOut')
    await new Promise((r) => setTimeout(r, 30))
    expect(server.answers('SendTaskSuccess')).toHaveLength(0)
  })
})

describe('worker-sdk: the server going away', () => {
  it('backs off while the server is down and resumes when it is back', async () => {
    const server = new FakeServer()
    server.down = true
    const errors: Error[] = []
    start(server, () => ({ ok: 1 }), { onError: (e) => errors.push(e) })
    await until(() => errors.length >= 3, 'a few failed polls')
    server.down = false
    server.push('t1', {})
    await until(() => server.answers('SendTaskSuccess').length === 1, 'the answer')
    expect(errors[0]?.name).toBe('ConnectionError')
  })

  it('an answer that cannot be sent is sent again once the server is back', async () => {
    const server = new FakeServer()
    let cut!: () => void
    start(server, () => {
      server.down = true
      cut()
      return { after: 'cut' }
    })
    const wasCut = new Promise<void>((r) => (cut = r))
    server.push('t1', {})
    await wasCut
    await new Promise((r) => setTimeout(r, 50))
    server.down = false
    await until(() => server.answers('SendTaskSuccess').length === 1, 'the late answer')
    expect(server.answers('SendTaskSuccess')[0]).toMatchObject({ output: '{"after":"cut"}' })
  })
})

describe('worker-sdk: stop', () => {
  it('RUNNING → STOPPING → DRAINING → STOPPED, letting a running handler finish', async () => {
    const server = new FakeServer()
    let finish!: () => void
    const w = start(server, async () => {
      await new Promise<void>((r) => (finish = r))
      return { finished: true }
    })
    server.push('t1', {})
    await until(() => w.active === 1, 'the handler to start')
    const states: WorkerState[] = [w.state]
    const stopping = w.stop({ graceMs: 10_000 })
    states.push(w.state)
    await new Promise((r) => setTimeout(r, 20))
    states.push(w.state)
    finish()
    await stopping
    states.push(w.state)
    expect(states).toEqual(['RUNNING', 'DRAINING', 'DRAINING', 'STOPPED'])
    expect(server.answers('SendTaskSuccess')).toHaveLength(1)
    const polls = server.answers('GetActivityTask').length
    await new Promise((r) => setTimeout(r, 50))
    expect(server.answers('GetActivityTask')).toHaveLength(polls)
  })

  it('past the grace, aborts the handler and fails its task with Worker.Stopped', async () => {
    const server = new FakeServer()
    let aborted: unknown
    const w = start(server, async (_input, ctx) => {
      await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve()))
      aborted = ctx.signal.reason
      return {}
    })
    server.push('t1', {})
    await until(() => w.active === 1, 'the handler to start')
    await w.stop({ graceMs: 20 })
    expect(w.state).toBe('STOPPED')
    expect((aborted as Error).name).toBe('WorkerStopped')
    expect(server.answers('SendTaskFailure')).toEqual([
      {
        taskToken: 't1',
        error: 'Worker.Stopped',
        cause: 'worker unit stopped before the task finished',
      },
    ])
    expect(server.answers('SendTaskSuccess')).toHaveLength(0)
  })
})
