import { once } from 'node:events'
import { createServer, type AddressInfo } from 'node:net'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Engine } from '../../../engine/runtime/engine.js'
import * as service from '../../../engine/service/index.js'
import type { Backend } from '../../../engine/store/index.js'
import { describeEachBackend } from '../../helpers/database.js'
import { HANDLER_KINDS } from '../../helpers/function-server.js'
import { lambdaArn, oneTask, openTaskHarness, type TaskHarness } from '../../helpers/tasks.js'
import { until } from '../../helpers/runtime.js'

/**
 * Push tasks through the durable engine and the real HTTP dispatcher, against function endpoints
 * served over HTTP on 127.0.0.1: every handler kind of the conformance README, every error
 * mapping, timeouts, retries, Catch, the integrations, callbacks and the outbound safety rules.
 */
describeEachBackend('function endpoints over HTTP', (backend: Backend) => {
  let h: TaskHarness

  beforeAll(async () => {
    // Timers 100× faster: Retry back-off and TimeoutSeconds fire quickly.
    h = await openTaskHarness(backend, { timeScale: 0.01 })
    for (const kind of HANDLER_KINDS) await h.register(kind, `/${kind}`)
  })

  afterAll(async () => {
    await h.close()
  })

  describe('handler kinds', () => {
    it('identity answers its input as the result', async () => {
      const r = await h.run(oneTask(lambdaArn('identity')), { a: 1, b: [true, null] })
      expect(r.status).toBe('SUCCEEDED')
      expect(r.output).toEqual({ a: 1, b: [true, null] })
      expect(r.types).toEqual([
        'ExecutionStarted',
        'TaskStateEntered',
        'LambdaFunctionScheduled',
        'LambdaFunctionStarted',
        'LambdaFunctionSucceeded',
        'TaskStateExited',
        'ExecutionSucceeded',
      ])
    })

    it('return_hello_world and return_bytes_hello_world answer their JSON', async () => {
      expect((await h.run(oneTask(lambdaArn('return_hello_world')))).output).toEqual({
        Return: 'HelloWorld',
      })
      expect((await h.run(oneTask(lambdaArn('return_bytes_hello_world')))).output).toBe(
        'HelloWorld!',
      )
    })

    it('a qualified function ARN (version or alias) calls the same function', async () => {
      const r = await h.run(oneTask(`${lambdaArn('identity')}:prod`), { q: 1 })
      expect(r.output).toEqual({ q: 1 })
    })

    it('raise_exception fails with its errorType and the body as cause', async () => {
      const r = await h.run(oneTask(lambdaArn('raise_exception')))
      expect(r.status).toBe('FAILED')
      expect(r.error).toBe('Exception')
      const cause = JSON.parse(r.cause ?? '') as Record<string, unknown>
      expect(cause['errorType']).toBe('Exception')
      expect(cause['errorMessage']).toBe('Some exception was raised.')
      expect(r.types).toContain('LambdaFunctionFailed')
    })

    it('raise_custom_exception fails with CustomException', async () => {
      const r = await h.run(oneTask(lambdaArn('raise_custom_exception')))
      expect(r.error).toBe('CustomException')
      expect(JSON.parse(r.cause ?? '')).toMatchObject({ errorMessage: '' })
    })

    it('large_output fails with States.DataLimitExceeded', async () => {
      const r = await h.run(oneTask(lambdaArn('large_output')))
      expect(r.error).toBe('States.DataLimitExceeded')
      expect(r.cause).toContain('exceeding the maximum number of bytes')
    })

    it('sleep_60s with TimeoutSeconds times out with States.Timeout', async () => {
      const r = await h.run(oneTask(lambdaArn('sleep_60s'), { TimeoutSeconds: 2 }))
      expect(r.status).toBe('FAILED')
      expect(r.error).toBe('States.Timeout')
      expect(r.types).toContain('LambdaFunctionTimedOut')
    })

    it('an answer streamed without a length is cut off past 256 KiB and its connection closed', async () => {
      let closedEarly = false
      h.server.route('/endless', (_call, res) => {
        res.writeHead(200, { 'content-type': 'application/json' })
        const chunk = `"${'b'.repeat(64 * 1024)}"`
        const timer = setInterval(() => res.write(chunk), 5)
        res.on('close', () => {
          clearInterval(timer)
          closedEarly = !res.writableEnded
        })
      })
      await h.register('endless', '/endless')
      const r = await h.run(oneTask(lambdaArn('endless')))
      expect(r.error).toBe('States.DataLimitExceeded')
      await until('the endless answer loses its connection', () => closedEarly, 10_000)
    })

    it('a call that times out gives its connection up', async () => {
      let closed = false
      h.server.route('/silent', (_call, res) => res.on('close', () => (closed = true)))
      await h.register('silent', '/silent')
      const r = await h.run(oneTask(lambdaArn('silent'), { TimeoutSeconds: 1 }))
      expect(r.error).toBe('States.Timeout')
      await until('the silent endpoint loses its connection', () => closed, 10_000)
    })
  })

  describe('lambda:invoke', () => {
    it("answers in AWS's Invoke result shape", async () => {
      const r = await h.run(
        oneTask('arn:aws:states:::lambda:invoke', {
          Parameters: { FunctionName: 'identity', 'Payload.$': '$' },
        }),
        { x: 1 },
      )
      expect(r.status).toBe('SUCCEEDED')
      const out = r.output as Record<string, unknown>
      expect(out['Payload']).toEqual({ x: 1 })
      expect(out['StatusCode']).toBe(200)
      expect(out['ExecutedVersion']).toBe('$LATEST')
      expect(out['SdkHttpMetadata']).toMatchObject({ HttpStatusCode: 200 })
      expect(r.types).toContain('TaskSucceeded')
    })

    it('takes the function name from a function ARN', async () => {
      const r = await h.run(
        oneTask('arn:aws:states:::lambda:invoke', {
          Parameters: { FunctionName: lambdaArn('return_hello_world'), Payload: {} },
        }),
      )
      expect((r.output as Record<string, unknown>)['Payload']).toEqual({ Return: 'HelloWorld' })
    })
  })

  describe('errors Retry and Catch can match', () => {
    it('an unregistered function is Lambda.ResourceNotFoundException', async () => {
      const r = await h.run(oneTask(lambdaArn('no_such_function')))
      expect(r.error).toBe('Lambda.ResourceNotFoundException')
      expect(r.cause).toContain('function:no_such_function')
    })

    it('a refused connection is Lambda.SdkClientException', async () => {
      const closed = createServer()
      closed.listen(0, '127.0.0.1')
      await once(closed, 'listening')
      const port = (closed.address() as AddressInfo).port
      closed.close()
      await once(closed, 'close')
      await service.putFunction(h.ctx, { name: 'refused', url: `http://127.0.0.1:${port}/` })
      const r = await h.run(oneTask(lambdaArn('refused')))
      expect(r.error).toBe('Lambda.SdkClientException')
      expect(r.cause).toContain('ECONNREFUSED')
    })

    it('a 2xx body that is not JSON is Lambda.InvalidResponse', async () => {
      await h.register('not-json', '/not-json')
      expect((await h.run(oneTask(lambdaArn('not-json')))).error).toBe('Lambda.InvalidResponse')
    })

    it('an unexpected status is named by its class', async () => {
      await h.register('s500', '/status/500')
      await h.register('s429', '/status/429')
      await h.register('s404', '/status/404')
      expect((await h.run(oneTask(lambdaArn('s500')))).error).toBe('Lambda.ServiceException')
      expect((await h.run(oneTask(lambdaArn('s429')))).error).toBe(
        'Lambda.TooManyRequestsException',
      )
      const r = await h.run(oneTask(lambdaArn('s404')))
      expect(r.error).toBe('Lambda.UnexpectedStatus')
      expect(r.cause).toContain('HTTP 404')
    })

    it('Retry backs off and the call succeeds on its third attempt', async () => {
      await h.register('flaky', `/flaky/2/${backend}`)
      const r = await h.run(
        oneTask(lambdaArn('flaky'), {
          Retry: [
            { ErrorEquals: ['FlakyError'], IntervalSeconds: 1, MaxAttempts: 3, BackoffRate: 2 },
          ],
        }),
        { n: 7 },
      )
      expect(r.status).toBe('SUCCEEDED')
      expect(r.output).toEqual({ n: 7 })
      expect(r.types.filter((t) => t === 'LambdaFunctionScheduled')).toHaveLength(3)
      expect(r.types.filter((t) => t === 'LambdaFunctionFailed')).toHaveLength(2)
    })

    it('a Parallel that fails gives up the push task of a branch still calling', async () => {
      // The call is held until the execution has ended, then answered.
      let answer: (() => void) | undefined
      h.server.route(`/held-${backend}`, (_call, res) => {
        answer = () => {
          res.writeHead(200, { 'content-type': 'application/json' })
          res.end('{"late":true}')
        }
      })
      await h.register('held', `/held-${backend}`)
      const branch = (name: string, fn: string) => ({
        StartAt: name,
        States: { [name]: { Type: 'Task', Resource: lambdaArn(fn), End: true } },
      })
      const executionArn = await h.start({
        StartAt: 'Both',
        States: {
          Both: {
            Type: 'Parallel',
            Branches: [branch('Fails', 'raise_exception'), branch('Held', 'held')],
            End: true,
          },
        },
      })
      const r = await h.result(executionArn)
      expect(r.status).toBe('FAILED')
      expect(r.error).toBe('Exception')
      // The aborted branch's frame holds no push task: no engine takes its call over.
      const branches = await h.test.database.db
        .selectFrom('frames as f')
        .innerJoin('executions as e', 'e.id', 'f.execution_id')
        .innerJoin('state_machines as m', 'm.id', 'e.state_machine_id')
        .select(['f.child_index', 'f.status', 'f.push_task', 'f.lease_until'])
        .where('m.name', '=', executionArn.split(':')[6] as string)
        .where('f.group_id', 'is not', null)
        .orderBy('f.child_index')
        .execute()
      expect(branches).toEqual([
        { child_index: 0, status: 'FAILED', push_task: null, lease_until: null },
        { child_index: 1, status: 'ABORTED', push_task: null, lease_until: null },
      ])
      await until('the held call to arrive', () => answer !== undefined)
      answer?.()
      await new Promise((resolve) => setTimeout(resolve, 300))
      expect((await h.result(executionArn)).types).toEqual(r.types)
    })

    it('Catch routes a function error to its handler state', async () => {
      const r = await h.run(
        {
          StartAt: 'Call',
          States: {
            Call: {
              Type: 'Task',
              Resource: lambdaArn('raise_exception'),
              Catch: [{ ErrorEquals: ['Exception'], ResultPath: '$.failure', Next: 'Handled' }],
              End: true,
            },
            Handled: { Type: 'Pass', End: true },
          },
        },
        { keep: true },
      )
      expect(r.status).toBe('SUCCEEDED')
      const out = r.output as { keep: boolean; failure: { Error: string; Cause: string } }
      expect(out.keep).toBe(true)
      expect(out.failure.Error).toBe('Exception')
      expect(JSON.parse(out.failure.Cause)).toMatchObject({ errorType: 'Exception' })
    })
  })

  describe('outbound safety', () => {
    it('a host not on the allow-list is refused without a connection', async () => {
      await service.putFunction(h.ctx, { name: 'far', url: 'http://10.255.255.1:9/x' })
      await service.putFunction(h.ctx, { name: 'named', url: 'http://metadata.invalid/x' })
      const r = await h.run(oneTask(lambdaArn('far')))
      expect(r.error).toBe('Millrace.HostNotAllowed')
      expect((await h.run(oneTask(lambdaArn('named')))).error).toBe('Millrace.HostNotAllowed')
    })

    it('a redirect is not followed, even to an allowed host', async () => {
      const before = h.server.calls.length
      await h.register(
        'redirect',
        `/redirect?to=${encodeURIComponent('http://169.254.169.254/latest/meta-data')}`,
      )
      const r = await h.run(oneTask(lambdaArn('redirect')))
      expect(r.error).toBe('Lambda.UnexpectedStatus')
      expect(r.cause).toContain('redirects are not followed')
      expect(h.server.calls.length - before).toBe(1)
    })

    it('http:invoke to a host not on the allow-list is refused', async () => {
      const r = await h.run(
        oneTask('arn:aws:states:::http:invoke', {
          Parameters: { ApiEndpoint: 'http://192.168.0.1/admin', Method: 'GET' },
        }),
      )
      expect(r.error).toBe('Millrace.HostNotAllowed')
    })
  })

  describe('request headers', () => {
    it('carry the execution ARN, state name, attempt and an idempotency key', async () => {
      await h.register('headers', '/headers', { headers: { 'x-api-key': 'k1' } })
      const executionArn = await h.start({
        StartAt: 'Ask Héloïse',
        States: { 'Ask Héloïse': { Type: 'Task', Resource: lambdaArn('headers'), End: true } },
      })
      const r = await h.result(executionArn)
      const headers = r.output as Record<string, string>
      expect(decodeURIComponent(headers['x-millrace-execution-arn'] ?? '')).toBe(executionArn)
      expect(decodeURIComponent(headers['x-millrace-state-name'] ?? '')).toBe('Ask Héloïse')
      expect(headers['x-millrace-attempt']).toBe('1')
      expect(headers['x-millrace-dispatch']).toBe('1')
      expect(headers['idempotency-key']).toBe(`${headers['x-millrace-task-id']}:1`)
      expect(headers['x-api-key']).toBe('k1')
      expect(headers['content-type']).toBe('application/json')
    })

    it('keep the idempotency key when the same attempt is sent again after a crash', async () => {
      await h.register('counted', `/identity`)
      // Engine A calls the function, then "crashes" before it records the answer.
      const calledOnce = { done: false }
      const a = new Engine({
        database: h.test.database,
        logger: pino({ level: 'silent' }),
        engineId: `crashing-${backend}`,
        pollIntervalMs: 50,
        pushHandler: async (task) => {
          await h.dispatcher.handle(task)
          calledOnce.done = true
          return new Promise(() => {})
        },
      })
      const { stateMachineArn } = await service.createStateMachine(
        { engine: a, database: h.test.database },
        { name: `crash-${backend}`, definition: JSON.stringify(oneTask(lambdaArn('counted'))) },
      )
      const { executionArn } = await service.startExecution(
        { engine: a, database: h.test.database },
        { stateMachineArn, input: '{"once":1}' },
      )
      await until('engine A called the function', () => calledOnce.done)
      await a.start()
      await a.stop({ graceMs: 0 }) // hands its lease back: engine B takes the task over
      const r = await h.result(executionArn)
      expect(r.status).toBe('SUCCEEDED')
      const calls = h.server.calls.filter(
        (c) =>
          c.path === '/identity' &&
          decodeURIComponent(String(c.headers['x-millrace-execution-arn'])) === executionArn,
      )
      expect(calls.map((c) => c.headers['x-millrace-dispatch'])).toEqual(['1', '2'])
      expect(new Set(calls.map((c) => c.headers['idempotency-key'])).size).toBe(1)
    })
  })

  describe('http:invoke', () => {
    it('sends method, headers, query and body, and answers in AWS shape', async () => {
      const r = await h.run(
        oneTask('arn:aws:states:::http:invoke', {
          Parameters: {
            ApiEndpoint: `${h.server.origin}/headers`,
            Method: 'POST',
            Headers: { 'X-Team': 'blue' },
            QueryParameters: { q: 'a b', n: 2 },
            RequestBody: { hello: 'world' },
          },
        }),
      )
      expect(r.status).toBe('SUCCEEDED')
      const out = r.output as {
        StatusCode: number
        StatusText: string
        ResponseBody: Record<string, string>
        Headers: Record<string, string[]>
      }
      expect(out.StatusCode).toBe(200)
      expect(out.StatusText).toBe('OK')
      expect(out.ResponseBody['x-team']).toBe('blue')
      expect(out.Headers['content-type']).toEqual(['application/json'])
      const call = h.server.calls.findLast((c) => c.path === '/headers')
      expect(call?.method).toBe('POST')
      expect(JSON.parse(call?.body ?? '')).toEqual({ hello: 'world' })
      expect(r.types).toEqual([
        'ExecutionStarted',
        'TaskStateEntered',
        'TaskScheduled',
        'TaskStarted',
        'TaskSucceeded',
        'TaskStateExited',
        'ExecutionSucceeded',
      ])
    })

    it('URL-encodes the body when Transform says so', async () => {
      await h.run(
        oneTask('arn:aws:states:::http:invoke', {
          Parameters: {
            ApiEndpoint: `${h.server.origin}/identity`,
            Method: 'PUT',
            RequestBody: { a: 1, list: ['x', 'y'] },
            Transform: {
              RequestBodyEncoding: 'URL_ENCODED',
              RequestEncodingOptions: { ArrayFormat: 'BRACKETS' },
            },
          },
        }),
      )
      const call = h.server.calls.findLast((c) => c.method === 'PUT')
      expect(call?.body).toBe('a=1&list%5B%5D=x&list%5B%5D=y')
      expect(call?.headers['content-type']).toBe('application/x-www-form-urlencoded')
    })

    it('a non-2xx answer fails with States.Http.StatusCode.<n>', async () => {
      const r = await h.run(
        oneTask('arn:aws:states:::http:invoke', {
          Parameters: { ApiEndpoint: `${h.server.origin}/status/404`, Method: 'GET' },
        }),
      )
      expect(r.error).toBe('States.Http.StatusCode.404')
      expect(JSON.parse(r.cause ?? '')).toMatchObject({ StatusCode: 404, StatusText: 'Not Found' })
    })
  })

  describe('.waitForTaskToken', () => {
    const callbackTask = (resource: string, parameters: Record<string, unknown>) =>
      oneTask(resource, { Parameters: parameters })

    it('lambda:invoke hands the token over; SendTaskSuccess answers the task', async () => {
      const tokens: string[] = []
      h.server.route('/approve', (call, res) => {
        tokens.push((JSON.parse(call.body) as { token: string }).token)
        res.writeHead(200, { 'content-type': 'application/json' })
        res.end('{"queued":true}')
      })
      await h.register('approve', '/approve')
      const executionArn = await h.start(
        callbackTask('arn:aws:states:::lambda:invoke.waitForTaskToken', {
          FunctionName: 'approve',
          Payload: { 'token.$': '$$.Task.Token', 'order.$': '$.order' },
        }),
        { order: 42 },
      )
      await until('the function got the token', () => tokens.length === 1)
      await until('the hand-over is recorded', async () => {
        const { events } = await service.getExecutionHistory(h.ctx, { executionArn })
        return events.some((e) => e.type === 'TaskSubmitted')
      })
      await service.sendTaskSuccess(h.ctx, {
        taskToken: tokens[0] ?? '',
        output: '{"approved":true}',
      })
      const r = await h.result(executionArn)
      expect(r.status).toBe('SUCCEEDED')
      expect(r.output).toEqual({ approved: true })
      expect(r.types).toEqual([
        'ExecutionStarted',
        'TaskStateEntered',
        'TaskScheduled',
        'TaskStarted',
        'TaskSubmitted',
        'TaskSucceeded',
        'TaskStateExited',
        'ExecutionSucceeded',
      ])
      const submitted = r.history.find((e) => e.type === 'TaskSubmitted')
      const details = submitted?.['taskSubmittedEventDetails'] as { output: string }
      expect(JSON.parse(details.output)).toMatchObject({ Payload: { queued: true } })
    })

    it('an answer that arrives before the call returns wins; the hand-over is dropped', async () => {
      h.server.route('/eager', (call, res) => {
        const { token } = JSON.parse(call.body) as { token: string }
        void service
          .sendTaskFailure(h.ctx, { taskToken: token, error: 'Rejected', cause: 'at once' })
          .then(() => {
            res.writeHead(200, { 'content-type': 'application/json' })
            res.end('{}')
          })
      })
      await h.register('eager', '/eager')
      const r = await h.run(
        callbackTask('arn:aws:states:::lambda:invoke.waitForTaskToken', {
          FunctionName: 'eager',
          Payload: { 'token.$': '$$.Task.Token' },
        }),
      )
      expect(r.error).toBe('Rejected')
      expect(r.cause).toBe('at once')
      expect(r.types).not.toContain('TaskSubmitted')
    })

    it('a call that fails fails the task', async () => {
      const r = await h.run(
        callbackTask('arn:aws:states:::lambda:invoke.waitForTaskToken', {
          FunctionName: 'raise_exception',
          Payload: { 'token.$': '$$.Task.Token' },
        }),
      )
      expect(r.error).toBe('Exception')
    })

    it('http:invoke sends the token too, and the task times out when nobody answers', async () => {
      const bodies: string[] = []
      h.server.route('/hook', (call, res) => {
        bodies.push(call.body)
        res.writeHead(202)
        res.end()
      })
      const r = await h.run(
        oneTask('arn:aws:states:::http:invoke.waitForTaskToken', {
          TimeoutSeconds: 1,
          Parameters: {
            ApiEndpoint: `${h.server.origin}/hook`,
            Method: 'POST',
            RequestBody: { 'callback.$': '$$.Task.Token' },
          },
        }),
      )
      expect(r.error).toBe('States.Timeout')
      expect(r.types).toEqual([
        'ExecutionStarted',
        'TaskStateEntered',
        'TaskScheduled',
        'TaskStarted',
        'TaskSubmitted',
        'TaskTimedOut',
        'ExecutionFailed',
      ])
      const { callback } = JSON.parse(bodies[0] ?? '') as { callback: string }
      await expect(
        service.sendTaskSuccess(h.ctx, { taskToken: callback, output: '{}' }),
      ).rejects.toMatchObject({ code: 'TaskTimedOut' })
    })
  })

  describe('concurrency', () => {
    it('bounds the calls in flight per function', async () => {
      let inFlight = 0
      let peak = 0
      h.server.route('/bounded', (call, res) => {
        inFlight++
        peak = Math.max(peak, inFlight)
        setTimeout(() => {
          inFlight--
          res.writeHead(200, { 'content-type': 'application/json' })
          res.end(call.body)
        }, 50)
      })
      await h.register('bounded', '/bounded', { maxConcurrency: 2 })
      const r = await h.run(
        {
          StartAt: 'Fan',
          States: {
            Fan: {
              Type: 'Map',
              ItemsPath: '$.items',
              Iterator: {
                StartAt: 'Call',
                States: { Call: { Type: 'Task', Resource: lambdaArn('bounded'), End: true } },
              },
              End: true,
            },
          },
        },
        { items: [1, 2, 3, 4, 5, 6, 7, 8] },
      )
      expect(r.output).toEqual([1, 2, 3, 4, 5, 6, 7, 8])
      expect(peak).toBe(2)
    })
  })
})
