// The AWS JSON 1.0 door on the wire, through inject(): what each action answers byte for byte
// (epoch-second timestamps, AWS's member names, `__type` errors), and the extension seam.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApp } from '../../../api/app.js'
import { parseApiKeys } from '../../../api/auth/index.js'
import type { ApiExtension } from '../../../api/extension.js'
import { awsInject, openApiHarness, type ApiHarness } from '../../helpers/api.js'
import { describeEachBackend } from '../../helpers/database.js'
import { PARKED, PASS, ROLE, uniqueName } from '../../helpers/service.js'

const EPOCH = expect.any(Number)

describeEachBackend('AWS JSON 1.0 door', (backend) => {
  let api: ApiHarness

  beforeAll(async () => {
    api = await openApiHarness(backend)
  })
  afterAll(async () => {
    await api.close()
  })

  async function call(action: string, body: unknown) {
    const res = await awsInject(api.app, action, body)
    return { status: res.statusCode, body: res.json<Record<string, unknown>>(), res }
  }

  it('answers with AWS’s content type, request id and epoch-second timestamps', async () => {
    const name = uniqueName('wire')
    const before = Date.now() / 1000
    const { status, body, res } = await call('CreateStateMachine', {
      name,
      definition: PASS,
      roleArn: ROLE,
    })
    expect(status).toBe(200)
    expect(res.headers['content-type']).toBe('application/x-amz-json-1.0')
    expect(res.headers['x-amzn-requestid']).toEqual(expect.any(String))
    expect(body).toEqual({ stateMachineArn: api.engine.stateMachineArn(name), creationDate: EPOCH })
    expect(body['creationDate']).toBeGreaterThan(before - 60)
    expect(String(body['creationDate'])).toMatch(/^\d+(\.\d{1,3})?$/)
  })

  it('answers every state machine and execution action in AWS’s shape', async () => {
    const name = uniqueName('shapes')
    const { body: created } = await call('CreateStateMachine', { name, definition: PARKED })
    const stateMachineArn = created['stateMachineArn'] as string

    expect((await call('DescribeStateMachine', { stateMachineArn })).body).toEqual({
      stateMachineArn,
      name,
      status: 'ACTIVE',
      definition: PARKED,
      roleArn: expect.stringMatching(/^arn:aws:iam::/),
      type: 'STANDARD',
      creationDate: EPOCH,
      revisionId: '1',
      loggingConfiguration: { level: 'OFF', includeExecutionData: false },
      tracingConfiguration: { enabled: false },
    })
    const metadata = await call('DescribeStateMachine', {
      stateMachineArn,
      includedData: 'METADATA_ONLY',
    })
    expect(metadata.body['definition']).toBe('')

    const { body: started } = await call('StartExecution', {
      stateMachineArn,
      name: 'x1',
      input: '{"k":"v"}',
      traceHeader: 'ignored',
    })
    expect(started).toEqual({ executionArn: api.engine.executionArn(name, 'x1'), startDate: EPOCH })
    const executionArn = started['executionArn'] as string

    expect((await call('DescribeExecution', { executionArn })).body).toEqual({
      executionArn,
      stateMachineArn,
      name: 'x1',
      status: 'RUNNING',
      startDate: started['startDate'],
      input: '{"k":"v"}',
      inputDetails: { included: true },
      redriveCount: 0,
    })
    const bare = await call('DescribeExecution', { executionArn, includedData: 'METADATA_ONLY' })
    expect(bare.body['input']).toBeUndefined()
    expect(bare.body['inputDetails']).toEqual({ included: false })

    expect(
      (await call('ListExecutions', { stateMachineArn, statusFilter: 'RUNNING' })).body,
    ).toEqual({
      executions: [
        { executionArn, stateMachineArn, name: 'x1', status: 'RUNNING', startDate: EPOCH },
      ],
    })
    expect((await call('StopExecution', { executionArn })).body).toEqual({ stopDate: EPOCH })
    const history = (await call('GetExecutionHistory', { executionArn, reverseOrder: true })).body
    const events = history['events'] as Record<string, unknown>[]
    expect(events[0]).toMatchObject({ type: 'ExecutionAborted', timestamp: EPOCH })
    expect(events.at(-1)).toEqual({
      timestamp: EPOCH,
      type: 'ExecutionStarted',
      id: 1,
      previousEventId: 0,
      executionStartedEventDetails: {
        input: '{"k":"v"}',
        inputDetails: { truncated: false },
        roleArn: expect.any(String),
      },
    })
    expect((await call('DescribeStateMachineForExecution', { executionArn })).body).toMatchObject({
      stateMachineArn,
      definition: PARKED,
      updateDate: EPOCH,
      revisionId: '1',
    })
    expect((await call('UpdateStateMachine', { stateMachineArn, definition: PASS })).body).toEqual({
      updateDate: EPOCH,
      revisionId: '2',
    })
    expect(
      (await call('ListStateMachines', { maxResults: 1000 })).body['stateMachines'],
    ).toContainEqual({ stateMachineArn, name, type: 'STANDARD', creationDate: EPOCH })
    expect(
      (await call('ValidateStateMachineDefinition', { definition: PASS, severity: 'WARNING' }))
        .body,
    ).toEqual({ result: 'OK', diagnostics: [], truncated: false })
    expect((await call('DeleteStateMachine', { stateMachineArn })).body).toEqual({})
  })

  it('StartSyncExecution answers the end; members sent as null count as absent', async () => {
    const { body: created } = await call('CreateStateMachine', {
      name: uniqueName('sync'),
      definition: PASS,
      type: 'EXPRESS',
      roleArn: null,
      tags: null,
    })
    const { status, body } = await call('StartSyncExecution', {
      stateMachineArn: created['stateMachineArn'],
      name: null,
      input: '{"n":1}',
    })
    expect(status).toBe(200)
    expect(body).toMatchObject({
      status: 'SUCCEEDED',
      startDate: EPOCH,
      stopDate: EPOCH,
      input: '{"n":1}',
      output: '{"n":1,"pass":{"ok":true}}',
      outputDetails: { included: true },
      billingDetails: { billedMemoryUsedInMB: 0, billedDurationInMilliseconds: 0 },
    })
  })

  it('StartSyncExecution answers TIMED_OUT when the wait limit passes, and the execution goes on', async () => {
    const short = await openApiHarness(backend, { limits: { syncExecutionTimeoutMs: 50 } })
    try {
      const { body: created } = await (async () => {
        const res = await awsInject(short.app, 'CreateStateMachine', {
          name: uniqueName('slow'),
          definition: PARKED,
          type: 'EXPRESS',
        })
        return { body: res.json<Record<string, unknown>>() }
      })()
      const res = await awsInject(short.app, 'StartSyncExecution', {
        stateMachineArn: created['stateMachineArn'],
      })
      expect(res.json()).toMatchObject({ status: 'TIMED_OUT', error: 'States.Timeout' })
      const described = await awsInject(short.app, 'DescribeExecution', {
        executionArn: res.json<{ executionArn: string }>().executionArn,
      })
      expect(described.json()).toMatchObject({ status: 'RUNNING' })
    } finally {
      await short.close()
    }
  })

  it('StartSyncExecution refuses a STANDARD state machine as AWS does, and starts nothing', async () => {
    const name = uniqueName('sync-standard')
    const { body: created } = await call('CreateStateMachine', { name, definition: PASS })
    const refused = await call('StartSyncExecution', {
      stateMachineArn: created['stateMachineArn'],
      name: 'never',
    })
    expect(refused.status).toBe(400)
    expect(refused.body).toEqual({
      __type: 'StateMachineTypeNotSupported',
      message: expect.stringContaining('STANDARD'),
    })
    const listed = await call('ListExecutions', { stateMachineArn: created['stateMachineArn'] })
    expect(listed.body['executions']).toEqual([])
    // The checks before the type keep AWS's order: a bad name is InvalidName even on STANDARD.
    const badName = await call('StartSyncExecution', {
      stateMachineArn: created['stateMachineArn'],
      name: 'a b',
    })
    expect(badName.body['__type']).toBe('InvalidName')
  })

  it('answers errors as { __type, message } with AWS’s status', async () => {
    const missing = await call('DescribeExecution', {
      executionArn: api.engine.executionArn('nope', 'nope'),
    })
    expect(missing.status).toBe(400)
    expect(missing.body).toEqual({
      __type: 'ExecutionDoesNotExist',
      message: expect.stringContaining('nope'),
    })
    expect(missing.res.headers['x-amzn-requestid']).toEqual(expect.any(String))

    const wrongType = await call('GetExecutionHistory', {
      executionArn: api.engine.executionArn('a', 'b'),
      maxResults: '10',
    })
    expect(wrongType.status).toBe(400)
    expect(wrongType.body).toEqual({
      __type: 'SerializationException',
      message: expect.stringContaining('maxResults'),
    })
    const required = await call('StartExecution', { input: '{}' })
    expect(required.body).toEqual({
      __type: 'ValidationException',
      message:
        "1 validation error detected: Value null at 'stateMachineArn' failed to satisfy constraint: Member must not be null",
    })
    const notJson = await awsInject(api.app, 'ListStateMachines', '{"maxResults":')
    expect(notJson.statusCode).toBe(400)
    expect(notJson.json()).toMatchObject({ __type: 'SerializationException' })
  })

  it('tells an unknown action from one that is planned but not loaded', async () => {
    const unknown = await call('FlyToTheMoon', {})
    expect(unknown.status).toBe(400)
    expect(unknown.body).toEqual({
      __type: 'UnknownOperationException',
      message: 'Unknown operation "FlyToTheMoon"',
    })
    // An app built without the task-dispatch extension says the action is not loaded.
    const bare = await buildApp({ service: api.ctx, auth: { mode: 'off' }, extensions: [] })
    try {
      const planned = await awsInject(bare, 'SendTaskSuccess', { taskToken: 't', output: '{}' })
      expect(planned.json()).toEqual({
        __type: 'UnknownOperationException',
        message:
          'AWSStepFunctions.SendTaskSuccess is not available in this server (its extension is not loaded)',
      })
    } finally {
      await bare.close()
    }
    const noTarget = await api.app.inject({ method: 'POST', url: '/', payload: '{}' })
    expect(noTarget.statusCode).toBe(400)
    expect(noTarget.json()).toMatchObject({ __type: 'UnknownOperationException' })
  })

  it('accepts an empty body as {} and refuses a body that is not an object', async () => {
    const empty = await api.app.inject({
      method: 'POST',
      url: '/',
      headers: { 'x-amz-target': 'AWSStepFunctions.ListStateMachines' },
    })
    expect(empty.statusCode).toBe(200)
    const list = await awsInject(api.app, 'ListStateMachines', '[]')
    expect(list.statusCode).toBe(400)
    expect(list.json()).toMatchObject({ __type: 'SerializationException' })
  })
})

describe('extensions plug into both doors (pglite)', () => {
  const KEY = 'worker-key-for-resize-000000'
  const READER = 'reader-key-000000000000000'
  const extension: ApiExtension = {
    name: 'test-activities',
    awsActions: [
      {
        name: 'GetActivityTask',
        permission: (request) => ({
          kind: 'worker',
          activity: String(request['activityArn']).split(':').pop(),
        }),
        request: {
          type: 'object',
          required: ['activityArn'],
          properties: { activityArn: { type: 'string' }, workerName: { type: 'string' } },
        },
        response: { type: 'object' },
        handle: (request, ctx) =>
          Promise.resolve({
            taskToken: 'token',
            input: '{}',
            echo: request['activityArn'],
            by: ctx.principal.id,
            when: new Date(1_700_000_000_500),
          }),
      },
    ],
    rest: (app) => {
      app.get(
        '/activities',
        {
          config: { permission: { kind: 'read' } },
          schema: {
            response: { 200: { type: 'object', properties: { ok: { type: 'boolean' } } } },
          },
        },
        () => ({ ok: true }),
      )
    },
  }
  let api: ApiHarness

  beforeAll(async () => {
    api = await openApiHarness('pglite', {
      extensions: [extension],
      auth: {
        mode: 'on',
        apiKeys: parseApiKeys(`${KEY}=worker:resize, ${READER}=read`),
        awsCredentials: [],
      },
    })
  })
  afterAll(async () => {
    await api.close()
  })

  it('runs an extension’s AWS action with the door’s auth, checks and serialization', async () => {
    const auth = { authorization: `Bearer ${KEY}` }
    const arn = 'arn:aws:states:us-east-1:123456789012:activity:resize'
    const ok = await awsInject(api.app, 'GetActivityTask', { activityArn: arn }, auth)
    expect(ok.statusCode).toBe(200)
    expect(ok.json()).toMatchObject({ echo: arn, when: 1_700_000_000.5 })
    const other = await awsInject(
      api.app,
      'GetActivityTask',
      { activityArn: 'arn:aws:states:us-east-1:123456789012:activity:thumbs' },
      auth,
    )
    expect(other.statusCode).toBe(403)
    expect(other.json()).toMatchObject({ __type: 'AccessDeniedException' })
    const badShape = await awsInject(api.app, 'GetActivityTask', { activityArn: 5 }, auth)
    expect(badShape.json()).toMatchObject({ __type: 'SerializationException' })
  })

  it('registers an extension’s REST routes under /v1 with its permission', async () => {
    const read = await api.app.inject({
      method: 'GET',
      url: '/v1/activities',
      headers: { authorization: `Bearer ${READER}` },
    })
    expect(read.json()).toEqual({ ok: true })
    const anonymous = await api.app.inject({ method: 'GET', url: '/v1/activities' })
    expect(anonymous.statusCode).toBe(401)
    const worker = await api.app.inject({
      method: 'GET',
      url: '/v1/activities',
      headers: { authorization: `Bearer ${KEY}` },
    })
    expect(worker.statusCode).toBe(403)
  })
})
