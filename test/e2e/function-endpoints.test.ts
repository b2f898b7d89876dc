import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Backend } from '../../engine/store/index.js'
import { startApiServer, type ApiServer } from '../helpers/api-server.js'
import { describeEachBackend } from '../helpers/database.js'
import {
  startFunctionEndpointsProcess,
  type FunctionEndpointsProcess,
} from '../helpers/worker-process.js'

/**
 * Push tasks end to end: millrace listening on 127.0.0.1 and function endpoints written with
 * worker-sdk's createFunctionHandler in a process of their own, served by node:http and by
 * fastify, registered through PUT /v1/functions. Every mapping of the call protocol is also
 * covered, endpoint by endpoint, in test/integration/dispatch/functions.test.ts.
 */
describeEachBackend('function endpoints in their own process', (backend: Backend) => {
  let api: ApiServer
  let fns: FunctionEndpointsProcess

  beforeAll(async () => {
    // Retry back-off 100× faster; the calls' own timeouts stay real.
    api = await startApiServer(backend, { timeScale: 0.01 })
    fns = await startFunctionEndpointsProcess({ FLAKY_UNTIL: '3' })
  })

  afterAll(async () => {
    await fns.stop()
    await api.close()
  })

  const unique = (prefix: string) => `${prefix}-${randomBytes(3).toString('hex')}`
  const lambdaArn = (name: string) => `arn:aws:lambda:us-east-1:000000000000:function:${name}`

  async function register(url: string, extra: Record<string, unknown> = {}): Promise<string> {
    const name = unique('fn')
    const r = await api.rest('PUT', `/functions/${name}`, { url, ...extra })
    expect(r.status).toBe(201)
    return name
  }

  async function run(states: Record<string, unknown>, input: unknown = {}) {
    const { stateMachineArn } = await api.aws<{ stateMachineArn: string }>('CreateStateMachine', {
      name: unique('m'),
      definition: JSON.stringify({ StartAt: Object.keys(states)[0], States: states }),
    })
    const { executionArn } = await api.aws<{ executionArn: string }>('StartExecution', {
      stateMachineArn,
      input: JSON.stringify(input),
    })
    await api.engine.waitForEnd(executionArn, 60_000)
    const d = await api.aws<{ status: string; output?: string; error?: string; cause?: string }>(
      'DescribeExecution',
      { executionArn },
    )
    const { events } = await api.aws<{ events: { type: string }[] }>('GetExecutionHistory', {
      executionArn,
      maxResults: 1000,
    })
    return {
      ...d,
      executionArn,
      output: d.output === undefined ? undefined : (JSON.parse(d.output) as unknown),
      types: events.map((e) => e.type),
    }
  }

  const callsOf = (executionArn: string) =>
    fns.lines.filter((l) => l.event === 'call' && l.executionArn === executionArn)

  const order = {
    items: [
      { qty: 2, price: 4.5 },
      { qty: 1, price: 39 },
    ],
  }

  for (const server of ['node', 'fastify'] as const) {
    describe(`served by ${server === 'node' ? 'node:http' : 'fastify'}`, () => {
      it(`${server}: a Lambda ARN with an alias calls the function; its context comes from the headers`, async () => {
        const name = await register(`${fns.origins[server]}/price`)
        const r = await run(
          { 'Price Order': { Type: 'Task', Resource: `${lambdaArn(name)}:live`, End: true } },
          order,
        )
        expect(r.status).toBe('SUCCEEDED')
        expect(r.output).toEqual({ total: 48 })
        const [call] = callsOf(r.executionArn)
        expect(call).toMatchObject({ path: '/price', attempt: 1, stateName: 'Price Order' })
        expect(call?.idempotencyKey).toMatch(/^.+:1$/)
      })

      it(`${server}: lambda:invoke with a qualified FunctionName answers in Invoke's shape`, async () => {
        const name = await register(`${fns.origins[server]}/price`)
        const r = await run(
          {
            Price: {
              Type: 'Task',
              Resource: 'arn:aws:states:::lambda:invoke',
              Parameters: { FunctionName: `${name}:7`, 'Payload.$': '$' },
              OutputPath: '$.Payload',
              End: true,
            },
          },
          order,
        )
        expect(r.output).toEqual({ total: 48 })
        expect(r.types).toContain('TaskSucceeded')
      })

      it(`${server}: a TaskFailure is caught by Catch with its error and cause`, async () => {
        const name = await register(`${fns.origins[server]}/price`)
        const r = await run({
          Price: {
            Type: 'Task',
            Resource: lambdaArn(name),
            Catch: [{ ErrorEquals: ['Order.Empty'], ResultPath: '$.failure', Next: 'Refuse' }],
            End: true,
          },
          Refuse: { Type: 'Pass', End: true },
        })
        expect(r.status).toBe('SUCCEEDED')
        const failure = (r.output as { failure: { Error: string; Cause: string } }).failure
        expect(failure.Error).toBe('Order.Empty')
        expect(JSON.parse(failure.Cause)).toEqual({
          errorType: 'Order.Empty',
          errorMessage: 'the order has no items',
        })
        expect(r.types).toContain('LambdaFunctionFailed')
      })

      it(`${server}: any other thrown error fails the task with its name`, async () => {
        const name = await register(`${fns.origins[server]}/throws`)
        const r = await run({ Call: { Type: 'Task', Resource: lambdaArn(name), End: true } })
        expect(r.status).toBe('FAILED')
        expect(r.error).toBe('RangeError')
        expect(JSON.parse(r.cause ?? '')).toMatchObject({
          errorMessage: 'the quantity is out of range',
        })
      })

      it(`${server}: Retry backs off and the third attempt succeeds, each with its own idempotency key`, async () => {
        const name = await register(`${fns.origins[server]}/flaky`)
        const r = await run(
          {
            Call: {
              Type: 'Task',
              Resource: lambdaArn(name),
              Retry: [
                {
                  ErrorEquals: ['Flaky.NotYet'],
                  IntervalSeconds: 1,
                  BackoffRate: 2,
                  MaxAttempts: 3,
                },
              ],
              End: true,
            },
          },
          { job: 7 },
        )
        expect(r.status).toBe('SUCCEEDED')
        expect(r.output).toEqual({ job: 7, attempt: 3 })
        const calls = callsOf(r.executionArn)
        expect(calls.map((c) => c.attempt)).toEqual([1, 2, 3])
        expect(new Set(calls.map((c) => c.idempotencyKey)).size).toBe(3)
        expect(r.types.filter((t) => t === 'LambdaFunctionFailed')).toHaveLength(2)
      })

      it(`${server}: a call longer than the function's timeout is States.Timeout, and the handler's signal aborts`, async () => {
        const name = await register(`${fns.origins[server]}/slow`, { timeoutSeconds: 1 })
        const aborted = fns.lines.filter((l) => l.event === 'aborted').length
        const r = await run({ Call: { Type: 'Task', Resource: lambdaArn(name), End: true } })
        expect(r.status).toBe('FAILED')
        expect(r.error).toBe('States.Timeout')
        expect(r.types).toContain('LambdaFunctionTimedOut')
        for (let i = 0; i < 100; i++) {
          if (fns.lines.filter((l) => l.event === 'aborted').length > aborted) break
          await new Promise((resolve) => setTimeout(resolve, 20))
        }
        expect(fns.lines.filter((l) => l.event === 'aborted')).toHaveLength(aborted + 1)
      })
    })
  }

  describe('outbound safety', () => {
    it('a function on a host off the allow-list is refused without a call', async () => {
      const name = await register('http://169.254.169.254/latest/meta-data/')
      const r = await run({ Call: { Type: 'Task', Resource: lambdaArn(name), End: true } })
      expect(r.error).toBe('Millrace.HostNotAllowed')
      const http = await run({
        Call: {
          Type: 'Task',
          Resource: 'arn:aws:states:::http:invoke',
          Parameters: { ApiEndpoint: 'http://10.0.0.1/admin', Method: 'GET' },
          End: true,
        },
      })
      expect(http.error).toBe('Millrace.HostNotAllowed')
    })

    it('a redirect to a host off the allow-list is not followed', async () => {
      const name = await register(`${fns.origins.node}/redirect`)
      const r = await run({ Call: { Type: 'Task', Resource: lambdaArn(name), End: true } })
      expect(r.error).toBe('Lambda.UnexpectedStatus')
      expect(r.cause).toContain('redirects are not followed (to http://169.254.169.254/)')
      const http = await run({
        Call: {
          Type: 'Task',
          Resource: 'arn:aws:states:::http:invoke',
          Parameters: { ApiEndpoint: `${fns.origins.fastify}/redirect`, Method: 'POST' },
          End: true,
        },
      })
      expect(http.error).toBe('States.Http.StatusCode.302')
    })
  })

  it('an endpoint whose process is gone is Lambda.SdkClientException, which Retry can match', async () => {
    const gone = await startFunctionEndpointsProcess()
    const name = await register(`${gone.origins.node}/price`)
    await gone.stop()
    const r = await run({
      Call: {
        Type: 'Task',
        Resource: lambdaArn(name),
        Retry: [{ ErrorEquals: ['Lambda.SdkClientException'], IntervalSeconds: 1, MaxAttempts: 2 }],
        End: true,
      },
    })
    expect(r.error).toBe('Lambda.SdkClientException')
    expect(r.cause).toContain('ECONNREFUSED')
    expect(r.types.filter((t) => t === 'LambdaFunctionScheduled')).toHaveLength(3)
  })
})
