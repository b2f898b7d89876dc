import { afterAll, beforeAll, expect, it } from 'vitest'
import { parseApiKeys } from '../../../api/auth/api-keys.js'
import { inspectExtension } from '../../../api/console/inspect-routes.js'
import type { Backend } from '../../../engine/store/index.js'
import { openApiHarness, type ApiHarness } from '../../helpers/api.js'
import { describeEachBackend } from '../../helpers/database.js'

/**
 * The read-only routes the web console uses (api/console/inspect-routes.ts), by app.inject():
 * per-state summaries, one state, Map iterations by page, history by type, a machine's summary
 * and revisions. One execution: a Map over 250 items, every tenth of which fails (tolerated).
 */
describeEachBackend('inspection routes', (backend: Backend) => {
  let api: ApiHarness
  const base = '/v1/state-machines/lines/executions/run-1'
  const get = async (url: string) => {
    const res = await api.app.inject({ method: 'GET', url })
    return { status: res.statusCode, body: res.json<Record<string, unknown>>() }
  }

  beforeAll(async () => {
    api = await openApiHarness(backend, { extensions: [inspectExtension], consoleDir: false })
    const definition = {
      StartAt: 'Each',
      States: {
        Each: {
          Type: 'Map',
          ItemsPath: '$.items',
          ToleratedFailureCount: 100,
          ItemProcessor: {
            StartAt: 'Check',
            States: {
              Check: {
                Type: 'Choice',
                Choices: [{ Variable: '$.bad', BooleanEquals: true, Next: 'Bad' }],
                Default: 'Ok',
              },
              Bad: { Type: 'Fail', Error: 'Line.Bad', Cause: 'a bad line' },
              Ok: { Type: 'Pass', End: true },
            },
          },
          Next: 'Done',
        },
        Nope: { Type: 'Pass', End: true },
        Done: { Type: 'Succeed' },
      },
    }
    const created = await api.app.inject({
      method: 'POST',
      url: '/v1/state-machines',
      payload: {
        name: 'lines',
        definition: { ...definition, States: { ...definition.States, Nope: undefined } },
      },
    })
    expect(created.statusCode).toBe(201)
    // A second revision, with a state no execution reaches.
    const updated = await api.app.inject({
      method: 'PUT',
      url: '/v1/state-machines/lines',
      payload: {
        definition: {
          ...definition,
          States: {
            ...definition.States,
            Each: { ...definition.States.Each, Next: 'Maybe' },
            Maybe: {
              Type: 'Choice',
              Choices: [{ Variable: '$[0]', IsPresent: false, Next: 'Nope' }],
              Default: 'Done',
            },
          },
        },
      },
    })
    expect(updated.statusCode).toBe(200)
    const items = Array.from({ length: 250 }, (_, i) => ({ i, bad: i % 10 === 0 }))
    const started = await api.app.inject({
      method: 'POST',
      url: '/v1/state-machines/lines/executions',
      payload: { name: 'run-1', input: { items } },
    })
    expect(started.statusCode).toBe(201)
    await api.engine.waitForEnd(api.engine.executionArn('lines', 'run-1'))
  })

  afterAll(async () => {
    await api?.close()
  })

  it('GET …/states: what happened to each state', async () => {
    const { status, body } = await get(`${base}/states`)
    expect(status).toBe(200)
    expect(body['status']).toBe('SUCCEEDED')
    const states = Object.fromEntries(
      (body['states'] as { name: string }[]).map((s) => [s.name, s]),
    )
    expect(states['Each']).toMatchObject({ status: 'SUCCEEDED', entered: 1, succeeded: 1 })
    expect(states['Check']).toMatchObject({ status: 'SUCCEEDED', entered: 250, succeeded: 250 })
    // A Fail state inside an iteration: its error is on the iteration (…/iterations), as the
    // history's MapIterationFailed event carries none.
    expect(states['Bad']).toMatchObject({ status: 'FAILED', entered: 25, failed: 25 })
    expect(states['Ok']).toMatchObject({ status: 'SUCCEEDED', succeeded: 225 })
    expect(states['Maybe']).toMatchObject({ status: 'SUCCEEDED' })
    expect(states['Nope']).toBeUndefined()
  })

  it('GET …/states/{state}: the latest visit, and NOT_REACHED for a state never entered', async () => {
    const bad = await get(`${base}/states/Bad`)
    expect(bad.body).toMatchObject({ name: 'Bad', status: 'FAILED', visit: 25 })
    expect(bad.body['input']).toEqual({ i: 240, bad: true })
    const each = await get(`${base}/states/Each`)
    expect(each.body['runs']).toEqual([
      {
        run: 1,
        type: 'Map',
        total: 250,
        started: 250,
        running: 0,
        succeeded: 225,
        failed: 25,
        done: true,
      },
    ])
    const nope = await get(`${base}/states/Nope`)
    expect(nope.status).toBe(200)
    expect(nope.body).toEqual({ name: 'Nope', status: 'NOT_REACHED', attempts: [], runs: [] })
  })

  it('GET …/states/{state}/iterations: pages by index, filtered by status', async () => {
    const seen: number[] = []
    let token: string | undefined
    let pages = 0
    do {
      const query = `maxResults=100${token ? `&nextToken=${encodeURIComponent(token)}` : ''}`
      const { status, body } = await get(`${base}/states/Each/iterations?${query}`)
      expect(status).toBe(200)
      seen.push(...(body['iterations'] as { index: number }[]).map((i) => i.index))
      token = body['nextToken'] as string | undefined
      pages++
    } while (token)
    expect(pages).toBe(3)
    expect(seen).toEqual(Array.from({ length: 250 }, (_, i) => i))
    const failed = await get(`${base}/states/Each/iterations?status=FAILED&maxResults=1000`)
    const iterations = failed.body['iterations'] as { index: number; error?: string }[]
    expect(iterations.map((i) => i.index)).toEqual(Array.from({ length: 25 }, (_, i) => i * 10))
    expect(iterations[0]).toMatchObject({ status: 'FAILED', error: 'Line.Bad' })
    expect((await get(`${base}/states/Ok/iterations`)).status).toBe(404)
    expect((await get(`${base}/states/Each/iterations?status=NOPE`)).status).toBe(400)
  })

  it('GET …/events: history by type, with the count of each type', async () => {
    const { status, body } = await get(
      `${base}/events?type=MapIterationFailed,ExecutionSucceeded&maxResults=10`,
    )
    expect(status).toBe(200)
    const events = body['events'] as { id: number; type: string }[]
    expect(events).toHaveLength(10)
    expect(events.every((e) => e.type === 'MapIterationFailed')).toBe(true)
    expect(events.map((e) => e.id)).toEqual([...events.map((e) => e.id)].sort((a, b) => a - b))
    expect(body['typeCounts']).toMatchObject({
      MapIterationFailed: 25,
      MapIterationSucceeded: 225,
      ExecutionSucceeded: 1,
    })
    const rest = await get(
      `${base}/events?type=MapIterationFailed,ExecutionSucceeded&maxResults=1000&nextToken=${encodeURIComponent(body['nextToken'] as string)}`,
    )
    const tail = rest.body['events'] as { type: string }[]
    expect(tail).toHaveLength(16)
    expect(tail[tail.length - 1]?.type).toBe('ExecutionSucceeded')
    expect((await get(`${base}/events?type=bad%20type`)).status).toBe(400)
    const other = await get(
      `${base}/events?type=TaskFailed&nextToken=${encodeURIComponent(body['nextToken'] as string)}`,
    )
    expect(other.body['code']).toBe('InvalidToken')
  })

  it('GET …/summary and …/revisions/{n}: counts by status and revisions', async () => {
    const { status, body } = await get('/v1/state-machines/lines/summary')
    expect(status).toBe(200)
    expect(body).toMatchObject({
      name: 'lines',
      revision: 2,
      executionCounts: { RUNNING: 0, SUCCEEDED: 1, FAILED: 0, TIMED_OUT: 0, ABORTED: 0 },
    })
    expect(
      (body['revisions'] as unknown[]).map((r) => r as { revision: number; executions: number }),
    ).toMatchObject([
      { revision: 2, executions: 1 },
      { revision: 1, executions: 0 },
    ])
    const first = await get('/v1/state-machines/lines/revisions/1')
    expect(first.body['definition']).toMatchObject({ StartAt: 'Each' })
    expect((await get('/v1/state-machines/lines/revisions/9')).status).toBe(404)
    expect((await get('/v1/state-machines/nothing/summary')).status).toBe(404)
  })

  it('needs a key with scope read when auth is on', async () => {
    const secured = await openApiHarness(backend, {
      extensions: [inspectExtension],
      consoleDir: false,
      auth: {
        mode: 'on',
        apiKeys: parseApiKeys('reader-key-0123456789=read,worker-key-0123456789=worker'),
        awsCredentials: [],
      },
    })
    try {
      const url = '/v1/state-machines/x/summary'
      expect((await secured.app.inject({ url })).statusCode).toBe(401)
      const worker = await secured.app.inject({
        url,
        headers: { authorization: 'Bearer worker-key-0123456789' },
      })
      expect(worker.statusCode).toBe(403)
      const reader = await secured.app.inject({
        url,
        headers: { authorization: 'Bearer reader-key-0123456789' },
      })
      expect(reader.statusCode).toBe(404)
    } finally {
      await secured.close()
    }
  })
})
