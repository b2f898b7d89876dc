import { afterAll, beforeAll, expect, it } from 'vitest'
import type { Backend } from '../../engine/store/index.js'
import { StepFunctionsClient } from '../../worker-sdk/index.js'
import { compareCase, loadCases, type ConformanceCase } from '../conformance/cases.js'
import { startApiServer, type ApiServer } from '../helpers/api-server.js'
import { describeEachBackend } from '../helpers/database.js'
import { startFunctionServerProcess } from '../helpers/worker-process.js'

/**
 * Every task-lambda and task-activity case of ../shared/conformance, end to end: millrace
 * listening on 127.0.0.1 with the real HTTP dispatcher, the cases' functions served over HTTP by
 * a process of their own (the README's handler kinds) and registered through PUT /v1/functions,
 * their activity scripts played by a worker through the AWS JSON API.
 */
const cases = loadCases().filter(
  (c) => c.category === 'task-lambda' || c.category === 'task-activity',
)

describeEachBackend('conformance: task-lambda and task-activity end to end', (backend: Backend) => {
  let api: ApiServer
  let functions: Awaited<ReturnType<typeof startFunctionServerProcess>>
  let client: StepFunctionsClient
  const registered = new Set<string>()
  let n = 0

  beforeAll(async () => {
    // Retry back-off and Waits at once; task and heartbeat timeouts stay real, as on AWS.
    api = await startApiServer(backend, { timeScale: 0 })
    functions = await startFunctionServerProcess()
    client = new StepFunctionsClient({ endpoint: api.url })
  })

  afterAll(async () => {
    await api.close()
    await functions.stop()
  })

  async function register(c: ConformanceCase): Promise<void> {
    for (const [name, kind] of Object.entries(c.functions ?? {})) {
      if (registered.has(name)) continue
      const put = await api.rest('PUT', `/functions/${name}`, {
        url: `${functions.origin}/${kind}`,
      })
      expect(put.status).toBe(201)
      registered.add(name)
    }
  }

  /** Plays an activity script as the README describes, through the API. */
  async function play(c: ConformanceCase, activityArn: string): Promise<void> {
    let token: string | undefined
    let input = ''
    for (const step of c.activity?.script ?? []) {
      switch (step['op']) {
        case 'getTask':
          while (token === undefined) {
            const got = await client.call<{ taskToken?: string; input?: string }>(
              'GetActivityTask',
              {
                activityArn,
                ...(typeof step['workerName'] === 'string'
                  ? { workerName: step['workerName'] }
                  : {}),
              },
            )
            token = got.taskToken
            input = got.input ?? ''
          }
          break
        case 'wait':
          await new Promise((r) => setTimeout(r, Number(step['seconds']) * 1000))
          break
        case 'heartbeat':
          await client.call('SendTaskHeartbeat', { taskToken: token })
          break
        case 'success':
          await client.call('SendTaskSuccess', {
            taskToken: token,
            output: step['output'] === '$input' ? input : JSON.stringify(step['output']),
          })
          return
        case 'failure':
          await client.call('SendTaskFailure', {
            taskToken: token,
            ...(step['error'] !== undefined ? { error: step['error'] } : {}),
            ...(step['cause'] !== undefined
              ? { cause: step['cause'] === '$input' ? input : step['cause'] }
              : {}),
          })
          return
        default:
          throw new Error(`unknown script op ${String(step['op'])}`)
      }
    }
    // The script ends without an answer: the worker keeps the task and never answers.
  }

  for (const c of cases) {
    it(`${c.category} ${c.id}`, async () => {
      await register(c)
      let worker: Promise<void> = Promise.resolve()
      if (c.activity) {
        const { activityArn } = await client.call<{ activityArn: string }>('CreateActivity', {
          name: c.activity.name,
        })
        if (c.activity.deleteBeforeStart) {
          await client.call('DeleteActivity', { activityArn })
        } else {
          worker = play(c, activityArn)
        }
      }
      const { stateMachineArn } = await client.call<{ stateMachineArn: string }>(
        'CreateStateMachine',
        { name: `case-${n++}`, definition: JSON.stringify(c.definition) },
      )
      const { executionArn } = await client.call<{ executionArn: string }>('StartExecution', {
        stateMachineArn,
        input: JSON.stringify(c.input),
      })
      let described: Record<string, unknown>
      for (;;) {
        described = await client.call('DescribeExecution', { executionArn })
        if (described['status'] !== 'RUNNING') break
        await new Promise((r) => setTimeout(r, 50))
      }
      await worker
      const { events } = await client.call<{ events: { type: string }[] }>('GetExecutionHistory', {
        executionArn,
        maxResults: 1000,
      })
      const problems = compareCase(c, {
        status: String(described['status']),
        ...(typeof described['output'] === 'string'
          ? { output: JSON.parse(described['output']) as unknown }
          : {}),
        ...(typeof described['error'] === 'string' ? { error: described['error'] } : {}),
        ...(typeof described['cause'] === 'string' ? { cause: described['cause'] } : {}),
        historyEventTypes: events.map((e) => e.type),
      })
      expect(problems, problems.join('\n')).toEqual([])
    })
  }
})
