// The REST door's contract: every route's success shape and its errors, through inject().
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openApiHarness, type ApiHarness } from '../../helpers/api.js'
import { describeEachBackend } from '../../helpers/database.js'
import { PARKED, PASS, uniqueName } from '../../helpers/service.js'

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/

describeEachBackend('REST /v1', (backend) => {
  let api: ApiHarness

  beforeAll(async () => {
    api = await openApiHarness(backend)
  })
  afterAll(async () => {
    await api.close()
  })

  async function createMachine(definition: string = PASS): Promise<string> {
    const name = uniqueName('rest')
    const res = await api.app.inject({
      method: 'POST',
      url: '/v1/state-machines',
      payload: { name, definition: JSON.parse(definition) },
    })
    expect(res.statusCode, res.body).toBe(201)
    return name
  }

  async function startExecution(machine: string, body: object = {}) {
    const res = await api.app.inject({
      method: 'POST',
      url: `/v1/state-machines/${machine}/executions`,
      payload: body,
    })
    expect(res.statusCode, res.body).toBe(201)
    return res.json<{ executionArn: string; name: string; startDate: string }>()
  }

  async function waitForStatus(machine: string, execution: string): Promise<string> {
    await api.engine.waitForEnd(api.engine.executionArn(machine, execution), 30_000)
    const res = await api.app.inject({
      method: 'GET',
      url: `/v1/state-machines/${machine}/executions/${execution}`,
    })
    return res.json<{ status: string }>().status
  }

  describe('state machines', () => {
    it('creates (201) with the ARN and an ISO date, idempotently for the same definition', async () => {
      const name = uniqueName('create')
      const body = { name, definition: JSON.parse(PASS) }
      const first = await api.app.inject({
        method: 'POST',
        url: '/v1/state-machines',
        payload: body,
      })
      expect(first.statusCode).toBe(201)
      expect(first.json()).toEqual({
        stateMachineArn: api.engine.stateMachineArn(name),
        name,
        creationDate: expect.stringMatching(ISO),
      })
      expect(first.headers['x-request-id']).toEqual(expect.any(String))
      const again = await api.app.inject({
        method: 'POST',
        url: '/v1/state-machines',
        payload: body,
      })
      expect(again.json()).toEqual(first.json())
    })

    it('accepts the definition as JSON text and keeps it verbatim', async () => {
      const name = uniqueName('text')
      const text = '{ "StartAt": "P", "States": { "P": { "Type": "Pass", "End": true } } }'
      const res = await api.app.inject({
        method: 'POST',
        url: '/v1/state-machines',
        payload: { name, definition: text, type: 'EXPRESS' },
      })
      expect(res.statusCode).toBe(201)
      const described = await api.app.inject({ method: 'GET', url: `/v1/state-machines/${name}` })
      expect(described.json()).toMatchObject({ type: 'EXPRESS', definition: JSON.parse(text) })
    })

    it('answers 409 StateMachineAlreadyExists for a different definition under the same name', async () => {
      const name = await createMachine()
      const res = await api.app.inject({
        method: 'POST',
        url: '/v1/state-machines',
        payload: { name, definition: JSON.parse(PARKED) },
      })
      expect(res.statusCode).toBe(409)
      expect(res.json()).toMatchObject({ code: 'StateMachineAlreadyExists' })
    })

    it('answers 400 InvalidDefinition with every diagnostic and its location', async () => {
      const res = await api.app.inject({
        method: 'POST',
        url: '/v1/state-machines',
        payload: { name: uniqueName('bad'), definition: { StartAt: 'Nope', States: {} } },
      })
      expect(res.statusCode).toBe(400)
      const body = res.json<{ code: string; details: { diagnostics: { location: string }[] } }>()
      expect(body.code).toBe('InvalidDefinition')
      expect(body.details.diagnostics.length).toBeGreaterThan(0)
      expect(body.details.diagnostics[0]).toHaveProperty('location')
    })

    it('answers 400 InvalidName for a name AWS refuses', async () => {
      const res = await api.app.inject({
        method: 'POST',
        url: '/v1/state-machines',
        payload: { name: 'has space', definition: JSON.parse(PASS) },
      })
      expect(res.statusCode).toBe(400)
      expect(res.json()).toMatchObject({ code: 'InvalidName' })
    })

    it('describes with status, parsed definition, revision and role', async () => {
      const name = await createMachine()
      const res = await api.app.inject({ method: 'GET', url: `/v1/state-machines/${name}` })
      expect(res.statusCode).toBe(200)
      expect(res.json()).toEqual({
        stateMachineArn: api.engine.stateMachineArn(name),
        name,
        status: 'ACTIVE',
        definition: JSON.parse(PASS),
        roleArn: expect.stringMatching(/^arn:aws:iam::/),
        type: 'STANDARD',
        creationDate: expect.stringMatching(ISO),
        revisionId: '1',
      })
    })

    it('answers 404 StateMachineDoesNotExist for a name that names nothing', async () => {
      const res = await api.app.inject({ method: 'GET', url: '/v1/state-machines/nothing-here' })
      expect(res.statusCode).toBe(404)
      expect(res.json()).toMatchObject({
        code: 'StateMachineDoesNotExist',
        message: expect.stringContaining('nothing-here'),
        requestId: expect.any(String),
      })
    })

    it('updates: a new revision; running executions keep theirs', async () => {
      const name = await createMachine(PARKED)
      const running = await startExecution(name)
      const res = await api.app.inject({
        method: 'PUT',
        url: `/v1/state-machines/${name}`,
        payload: { definition: JSON.parse(PASS) },
      })
      expect(res.statusCode).toBe(200)
      expect(res.json()).toEqual({
        stateMachineArn: api.engine.stateMachineArn(name),
        revisionId: '2',
        updateDate: expect.stringMatching(ISO),
      })
      const pinned = await api.app.inject({
        method: 'GET',
        url: `/v1/state-machines/${name}/executions/${running.name}/definition`,
      })
      expect(pinned.statusCode).toBe(200)
      expect(pinned.json()).toMatchObject({ revisionId: '1', definition: JSON.parse(PARKED) })
      const empty = await api.app.inject({
        method: 'PUT',
        url: `/v1/state-machines/${name}`,
        payload: {},
      })
      expect(empty.statusCode).toBe(400)
      expect(empty.json()).toMatchObject({ code: 'ValidationException' })
    })

    it('lists with cursor pagination', async () => {
      for (let i = 0; i < 3; i++) await createMachine()
      const seen: string[] = []
      let token: string | undefined
      do {
        const res = await api.app.inject({
          method: 'GET',
          url: '/v1/state-machines',
          query: { maxResults: '2', ...(token ? { nextToken: token } : {}) },
        })
        expect(res.statusCode).toBe(200)
        const page = res.json<{ stateMachines: { name: string }[]; nextToken?: string }>()
        expect(page.stateMachines.length).toBeLessThanOrEqual(2)
        seen.push(...page.stateMachines.map((m) => m.name))
        token = page.nextToken
      } while (token)
      expect(new Set(seen).size).toBe(seen.length)
      expect(seen.length).toBeGreaterThanOrEqual(3)
    })

    it('deletes (204); a deleted machine is gone and deleting again succeeds', async () => {
      const name = await createMachine()
      const del = await api.app.inject({ method: 'DELETE', url: `/v1/state-machines/${name}` })
      expect(del.statusCode).toBe(204)
      expect(del.body).toBe('')
      const gone = await api.app.inject({ method: 'GET', url: `/v1/state-machines/${name}` })
      expect(gone.statusCode).toBe(404)
      const again = await api.app.inject({ method: 'DELETE', url: `/v1/state-machines/${name}` })
      expect(again.statusCode).toBe(204)
    })

    it('validates without saving: OK, FAIL with diagnostics, warnings on request', async () => {
      const ok = await api.app.inject({
        method: 'POST',
        url: '/v1/validate',
        payload: { definition: JSON.parse(PASS) },
      })
      expect(ok.json()).toEqual({ result: 'OK', diagnostics: [], truncated: false })
      const fail = await api.app.inject({
        method: 'POST',
        url: '/v1/validate',
        payload: { definition: '{"StartAt":"A","States":{"A":{"Type":"Pass"}}}', maxResults: 1 },
      })
      expect(fail.statusCode).toBe(200)
      const body = fail.json<{ result: string; diagnostics: unknown[] }>()
      expect(body.result).toBe('FAIL')
      expect(body.diagnostics).toHaveLength(1)
      expect(body.diagnostics[0]).toMatchObject({
        severity: 'ERROR',
        code: expect.any(String),
        location: expect.any(String),
      })
    })
  })

  describe('executions', () => {
    it('starts (201) with a name and JSON input, and describes input and output as JSON', async () => {
      const machine = await createMachine()
      const started = await startExecution(machine, { name: 'first', input: { orderId: 42 } })
      expect(started).toEqual({
        executionArn: api.engine.executionArn(machine, 'first'),
        name: 'first',
        startDate: expect.stringMatching(ISO),
      })
      expect(await waitForStatus(machine, 'first')).toBe('SUCCEEDED')
      const res = await api.app.inject({
        method: 'GET',
        url: `/v1/state-machines/${machine}/executions/first`,
      })
      expect(res.json()).toEqual({
        executionArn: started.executionArn,
        stateMachineArn: api.engine.stateMachineArn(machine),
        name: 'first',
        status: 'SUCCEEDED',
        startDate: started.startDate,
        stopDate: expect.stringMatching(ISO),
        input: { orderId: 42 },
        output: { orderId: 42, pass: { ok: true } },
      })
    })

    it('starts with a random name and {} input when the body is empty or absent', async () => {
      const machine = await createMachine()
      const res = await api.app.inject({
        method: 'POST',
        url: `/v1/state-machines/${machine}/executions`,
      })
      expect(res.statusCode, res.body).toBe(201)
      const { name } = res.json<{ name: string }>()
      expect(name).toMatch(/^[0-9a-f-]{36}$/)
      await waitForStatus(machine, name)
      const d = await api.app.inject({
        method: 'GET',
        url: `/v1/state-machines/${machine}/executions/${name}`,
      })
      expect(d.json()).toMatchObject({ input: {} })
    })

    it('answers 409 ExecutionAlreadyExists for a finished name, and the same ARN while running', async () => {
      const done = await createMachine()
      await startExecution(done, { name: 'once' })
      await waitForStatus(done, 'once')
      const dup = await api.app.inject({
        method: 'POST',
        url: `/v1/state-machines/${done}/executions`,
        payload: { name: 'once' },
      })
      expect(dup.statusCode).toBe(409)
      expect(dup.json()).toMatchObject({ code: 'ExecutionAlreadyExists' })

      const parked = await createMachine(PARKED)
      const a = await startExecution(parked, { name: 'same', input: { n: 1 } })
      const b = await startExecution(parked, { name: 'same', input: { n: 1 } })
      expect(b).toEqual(a)
    })

    it('answers 404 for a start on a machine that does not exist', async () => {
      const res = await api.app.inject({
        method: 'POST',
        url: '/v1/state-machines/no-such-machine/executions',
        payload: {},
      })
      expect(res.statusCode).toBe(404)
      expect(res.json()).toMatchObject({ code: 'StateMachineDoesNotExist' })
    })

    it('refuses input over 256 KiB with a named error', async () => {
      const machine = await createMachine()
      const res = await api.app.inject({
        method: 'POST',
        url: `/v1/state-machines/${machine}/executions`,
        payload: { input: { big: 'x'.repeat(256 * 1024) } },
      })
      expect(res.statusCode).toBe(400)
      expect(res.json()).toMatchObject({
        code: 'ValidationException',
        message: expect.stringContaining('262144'),
      })
    })

    it('lists newest first with a status filter and cursor pagination', async () => {
      const parked = await createMachine(PARKED)
      for (const n of ['e1', 'e2', 'e3']) await startExecution(parked, { name: n })
      const stop = await api.app.inject({
        method: 'POST',
        url: `/v1/state-machines/${parked}/executions/e2/stop`,
        payload: { error: 'Cancelled', cause: 'test' },
      })
      expect(stop.statusCode).toBe(200)
      expect(stop.json()).toEqual({ stopDate: expect.stringMatching(ISO) })

      const running = await api.app.inject({
        method: 'GET',
        url: `/v1/state-machines/${parked}/executions?status=RUNNING`,
      })
      expect(
        running.json<{ executions: { name: string }[] }>().executions.map((e) => e.name),
      ).toEqual(['e3', 'e1'])
      const names: string[] = []
      let token: string | undefined
      do {
        const res = await api.app.inject({
          method: 'GET',
          url: `/v1/state-machines/${parked}/executions`,
          query: { maxResults: '1', ...(token ? { nextToken: token } : {}) },
        })
        const page = res.json<{
          executions: { name: string; status: string }[]
          nextToken?: string
        }>()
        names.push(...page.executions.map((e) => e.name))
        token = page.nextToken
      } while (token)
      expect(names).toEqual(['e3', 'e2', 'e1'])

      const bad = await api.app.inject({
        method: 'GET',
        url: `/v1/state-machines/${parked}/executions?status=DONE`,
      })
      expect(bad.statusCode).toBe(400)
      expect(bad.json()).toMatchObject({
        code: 'ValidationException',
        message: expect.stringContaining('status'),
      })

      const badToken = await api.app.inject({
        method: 'GET',
        url: `/v1/state-machines/${parked}/executions?nextToken=bm90LWEtdG9rZW4`,
      })
      expect(badToken.statusCode).toBe(400)
      expect(badToken.json()).toMatchObject({ code: 'InvalidToken' })
    })

    it('stops a running execution: ABORTED with error and cause; 404 for one that does not exist', async () => {
      const parked = await createMachine(PARKED)
      await startExecution(parked, { name: 'to-stop' })
      await api.app.inject({
        method: 'POST',
        url: `/v1/state-machines/${parked}/executions/to-stop/stop`,
        payload: { error: 'Halt', cause: 'by test' },
      })
      const d = await api.app.inject({
        method: 'GET',
        url: `/v1/state-machines/${parked}/executions/to-stop`,
      })
      expect(d.json()).toMatchObject({ status: 'ABORTED', error: 'Halt', cause: 'by test' })
      const missing = await api.app.inject({
        method: 'POST',
        url: `/v1/state-machines/${parked}/executions/nope/stop`,
      })
      expect(missing.statusCode).toBe(404)
      expect(missing.json()).toMatchObject({ code: 'ExecutionDoesNotExist' })
    })

    it('pages history forwards and in reverse, with and without execution data', async () => {
      const machine = await createMachine()
      await startExecution(machine, { name: 'h', input: { secret: 's' } })
      await waitForStatus(machine, 'h')
      const url = `/v1/state-machines/${machine}/executions/h/history`
      const all = await api.app.inject({ method: 'GET', url })
      const events = all.json<{ events: { id: number; type: string; timestamp: string }[] }>()
        .events
      expect(events.map((e) => e.type)).toEqual([
        'ExecutionStarted',
        'PassStateEntered',
        'PassStateExited',
        'ExecutionSucceeded',
      ])
      expect(events[0]).toMatchObject({
        id: 1,
        previousEventId: 0,
        timestamp: expect.stringMatching(ISO),
        executionStartedEventDetails: { input: '{"secret":"s"}' },
      })

      const ids: number[] = []
      let token: string | undefined
      do {
        const res = await api.app.inject({
          method: 'GET',
          url,
          query: { reverseOrder: 'true', maxResults: '3', ...(token ? { nextToken: token } : {}) },
        })
        const page = res.json<{ events: { id: number }[]; nextToken?: string }>()
        ids.push(...page.events.map((e) => e.id))
        token = page.nextToken
      } while (token)
      expect(ids).toEqual([4, 3, 2, 1])

      const bare = await api.app.inject({
        method: 'GET',
        url,
        query: { includeExecutionData: 'false' },
      })
      const first = bare.json<{ events: Record<string, { input?: string }>[] }>().events[0]
      expect(first?.['executionStartedEventDetails']?.input).toBeUndefined()
    })
  })

  describe('errors and health', () => {
    it('answers 404 NotFound for an unknown route, in the REST error shape', async () => {
      const res = await api.app.inject({ method: 'GET', url: '/v1/nothing' })
      expect(res.statusCode).toBe(404)
      expect(res.json()).toMatchObject({
        code: 'NotFound',
        message: expect.stringContaining('/v1/nothing'),
      })
    })

    it('serves /health and /ready', async () => {
      expect((await api.app.inject({ method: 'GET', url: '/health' })).json()).toEqual({
        status: 'ok',
      })
      expect((await api.app.inject({ method: 'GET', url: '/ready' })).json()).toEqual({
        status: 'ready',
      })
    })

    it('keeps a caller’s X-Request-Id and logs it with the execution ARN', async () => {
      const machine = await createMachine()
      const res = await api.app.inject({
        method: 'POST',
        url: `/v1/state-machines/${machine}/executions`,
        headers: { 'x-request-id': 'trace-123' },
        payload: { name: 'logged', input: { card: '4111-1111' } },
      })
      expect(res.headers['x-request-id']).toBe('trace-123')
      const lines = api.logs.filter((l) => l.includes('trace-123'))
      expect(lines.some((l) => l.includes(api.engine.executionArn(machine, 'logged')))).toBe(true)
      // Payloads are never logged.
      expect(api.logs.some((l) => l.includes('4111-1111'))).toBe(false)
    })
  })
})
