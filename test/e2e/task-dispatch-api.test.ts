import { randomBytes } from 'node:crypto'
import {
  CreateActivityCommand,
  GetActivityTaskCommand,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  SFNClient,
} from '@aws-sdk/client-sfn'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Backend } from '../../engine/store/index.js'
import { startApiServer, type ApiServer } from '../helpers/api-server.js'
import { describeEachBackend } from '../helpers/database.js'
import { startFunctionServer, type FunctionServer } from '../helpers/function-server.js'
import { startFunctionServerProcess } from '../helpers/worker-process.js'

/**
 * The task-dispatch extension over a real socket: /v1/functions, /v1/activities, /v1/tasks/*
 * and the activity and task-token actions of the AWS JSON door, with the AWS SDK as a client.
 */
describeEachBackend('task dispatch API', (backend: Backend) => {
  let api: ApiServer
  let fns: FunctionServer
  let sfn: SFNClient

  beforeAll(async () => {
    api = await startApiServer(backend)
    fns = await startFunctionServer()
    sfn = new SFNClient({
      endpoint: api.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
      maxAttempts: 1,
    })
  })

  afterAll(async () => {
    sfn.destroy()
    await api.close()
    await fns.close()
  })

  const unique = (prefix: string) => `${prefix}-${randomBytes(3).toString('hex')}`

  async function startOne(definition: unknown, input: unknown = {}): Promise<string> {
    const name = unique('m')
    const { stateMachineArn } = await api.aws<{ stateMachineArn: string }>('CreateStateMachine', {
      name,
      definition: JSON.stringify(definition),
    })
    const { executionArn } = await api.aws<{ executionArn: string }>('StartExecution', {
      stateMachineArn,
      input: JSON.stringify(input),
    })
    return executionArn
  }

  async function ended(executionArn: string): Promise<Record<string, unknown>> {
    for (;;) {
      const d = await api.aws('DescribeExecution', { executionArn })
      if (d['status'] !== 'RUNNING') return d
      await new Promise((r) => setTimeout(r, 50))
    }
  }

  describe('REST /v1/functions', () => {
    it('PUT registers (201), PUT again replaces (200), GET, list, DELETE', async () => {
      const name = unique('fn')
      const put = await api.rest('PUT', `/functions/${name}`, {
        url: `${fns.origin}/identity`,
        timeoutSeconds: 5,
        headers: { 'x-api-key': 'k' },
      })
      expect(put.status).toBe(201)
      expect(put.body).toMatchObject({
        name,
        functionArn: `arn:aws:lambda:us-east-1:000000000000:function:${name}`,
        url: `${fns.origin}/identity`,
        timeoutSeconds: 5,
        headers: { 'x-api-key': 'k' },
      })
      const again = await api.rest('PUT', `/functions/${name}`, { url: `${fns.origin}/headers` })
      expect(again.status).toBe(200)
      expect(again.body).toMatchObject({ timeoutSeconds: 60, headers: {} })
      expect((await api.rest('GET', `/functions/${name}`)).body).toMatchObject({
        url: `${fns.origin}/headers`,
      })
      const list = await api.rest('GET', '/functions?maxResults=1000')
      expect(
        (list.body as { functions: { name: string }[] }).functions.map((f) => f.name),
      ).toContain(name)
      expect((await api.rest('DELETE', `/functions/${name}`)).status).toBe(204)
      const gone = await api.rest('GET', `/functions/${name}`)
      expect(gone.status).toBe(404)
      expect(gone.body).toMatchObject({ code: 'FunctionDoesNotExist' })
    })

    it('refuses a bad URL and reserved headers', async () => {
      const bad = await api.rest('PUT', '/functions/bad', { url: 'ftp://x/y' })
      expect(bad.status).toBe(400)
      expect(bad.body).toMatchObject({ code: 'ValidationException' })
      const reserved = await api.rest('PUT', '/functions/bad', {
        url: `${fns.origin}/identity`,
        headers: { Host: 'evil' },
      })
      expect(reserved.body).toMatchObject({ code: 'ValidationException' })
    })

    it('a registered function is called by its Lambda ARN', async () => {
      const name = unique('echo')
      await api.rest('PUT', `/functions/${name}`, { url: `${fns.origin}/identity` })
      const arn = await startOne(
        {
          StartAt: 'Echo',
          States: {
            Echo: {
              Type: 'Task',
              Resource: `arn:aws:lambda:us-east-1:000000000000:function:${name}`,
              End: true,
            },
          },
        },
        { hi: 'there' },
      )
      const d = await ended(arn)
      expect(d['status']).toBe('SUCCEEDED')
      expect(JSON.parse(String(d['output']))).toEqual({ hi: 'there' })
    })
  })

  it('a .waitForTaskToken task is completed by a separate process', async () => {
    const approver = await startFunctionServerProcess({ MILLRACE_URL: api.url })
    try {
      const name = unique('approve')
      await api.rest('PUT', `/functions/${name}`, { url: `${approver.origin}/approve` })
      const arn = await startOne(
        {
          StartAt: 'Approve',
          States: {
            Approve: {
              Type: 'Task',
              Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
              Parameters: { FunctionName: name, Payload: { 'token.$': '$$.Task.Token' } },
              TimeoutSeconds: 30,
              End: true,
            },
          },
        },
        {},
      )
      const d = await ended(arn)
      expect(d['status']).toBe('SUCCEEDED')
      expect(JSON.parse(String(d['output']))).toEqual({ approvedBy: approver.pid })
      const { events } = await api.aws<{ events: { type: string }[] }>('GetExecutionHistory', {
        executionArn: arn,
      })
      expect(events.map((e) => e.type)).toContain('TaskSubmitted')
    } finally {
      await approver.stop()
    }
  })

  it('closing the server answers waiting long polls at once', async () => {
    const other = await startApiServer(backend)
    await other.aws('CreateActivity', { name: 'idle' })
    const poll = other.aws('GetActivityTask', {
      activityArn: 'arn:aws:states:us-east-1:000000000000:activity:idle',
    })
    await new Promise((r) => setTimeout(r, 100))
    await other.app.close()
    expect(await poll).toEqual({})
    await other.close()
  })

  describe('activities', () => {
    it('the AWS SDK creates, polls and answers; a late answer is TaskTimedOut', async () => {
      const created = await sfn.send(new CreateActivityCommand({ name: unique('sdk') }))
      expect(created.creationDate).toBeInstanceOf(Date)
      const activityArn = created.activityArn ?? ''
      const arn = await startOne(
        { StartAt: 'Work', States: { Work: { Type: 'Task', Resource: activityArn, End: true } } },
        { n: 1 },
      )
      const task = await sfn.send(new GetActivityTaskCommand({ activityArn, workerName: 'sdk' }))
      expect(JSON.parse(task.input ?? '')).toEqual({ n: 1 })
      await sfn.send(new SendTaskSuccessCommand({ taskToken: task.taskToken, output: '{"ok":1}' }))
      const d = await ended(arn)
      expect(JSON.parse(String(d['output']))).toEqual({ ok: 1 })
      const late = sfn.send(new SendTaskFailureCommand({ taskToken: task.taskToken, error: 'x' }))
      await expect(late).rejects.toMatchObject({ name: 'TaskTimedOut' })
      await expect(
        sfn.send(new SendTaskSuccessCommand({ taskToken: 'not-a-token', output: '{}' })),
      ).rejects.toMatchObject({ name: 'InvalidToken' })
    })

    it('REST: create, describe, poll, answer, heartbeat refused after the end', async () => {
      const name = unique('rest')
      const created = await api.rest('POST', '/activities', { name })
      expect(created.status).toBe(201)
      expect((await api.rest('GET', `/activities/${name}`)).body).toMatchObject({ name })
      const { activityArn } = created.body as { activityArn: string }
      const arn = await startOne(
        { StartAt: 'Work', States: { Work: { Type: 'Task', Resource: activityArn, End: true } } },
        { v: [1, 2] },
      )
      const polled = await api.rest('POST', `/activities/${name}/poll`, { workerName: 'curl' })
      expect(polled.status).toBe(200)
      const { taskToken, input } = polled.body as { taskToken: string; input: unknown }
      expect(input).toEqual({ v: [1, 2] })
      expect((await api.rest('POST', '/tasks/heartbeat', { taskToken })).status).toBe(204)
      expect(
        (await api.rest('POST', '/tasks/success', { taskToken, output: { done: true } })).status,
      ).toBe(204)
      expect(JSON.parse(String((await ended(arn))['output']))).toEqual({ done: true })
      const late = await api.rest('POST', '/tasks/heartbeat', { taskToken })
      expect(late.body).toMatchObject({ code: 'TaskTimedOut' })
      expect((await api.rest('DELETE', `/activities/${name}`)).status).toBe(204)
      expect((await api.rest('GET', `/activities/${name}`)).status).toBe(404)
    })
  })
})
