// The AWS JSON door end to end with the real @aws-sdk/client-sfn over a socket on 127.0.0.1,
// signing with SigV4 as against AWS: the SDK's commands work unchanged and its exceptions are
// the ones AWS raises.
import type { SFNServiceException } from '@aws-sdk/client-sfn'
import {
  CreateStateMachineCommand,
  DeleteStateMachineCommand,
  DescribeExecutionCommand,
  DescribeStateMachineCommand,
  DescribeStateMachineForExecutionCommand,
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  GetExecutionHistoryCommand,
  InvalidArn,
  InvalidDefinition,
  InvalidExecutionInput,
  InvalidName,
  InvalidToken,
  ListExecutionsCommand,
  ListStateMachinesCommand,
  SFNClient,
  StartExecutionCommand,
  StartSyncExecutionCommand,
  StateMachineAlreadyExists,
  StateMachineDoesNotExist,
  StateMachineTypeNotSupported,
  StopExecutionCommand,
  UpdateStateMachineCommand,
  ValidateStateMachineDefinitionCommand,
  ValidationException,
} from '@aws-sdk/client-sfn'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { parseAwsCredentials } from '../../../api/auth/index.js'
import { openApiHarness, type ApiHarness } from '../../helpers/api.js'
import { describeEachBackend } from '../../helpers/database.js'
import { def, PARKED, PASS, ROLE, uniqueName } from '../../helpers/service.js'

const ACCESS_KEY_ID = 'AKIDMILLRACETEST'
const SECRET = 'test-secret-access-key'

/** A client of the listening server with a fake (static) credentials provider. */
function sdkClient(endpoint: string, secretAccessKey = SECRET): SFNClient {
  return new SFNClient({
    endpoint,
    region: 'us-east-1',
    credentials: () => Promise.resolve({ accessKeyId: ACCESS_KEY_ID, secretAccessKey }),
    // StartSyncExecution's `sync-` host prefix would turn 127.0.0.1 into a name that does not resolve.
    disableHostPrefix: true,
    maxAttempts: 1,
  })
}

async function rejection(promise: Promise<unknown>): Promise<SFNServiceException> {
  try {
    await promise
  } catch (err) {
    return err as SFNServiceException
  }
  throw new Error('expected the command to fail')
}

describeEachBackend('AWS SDK against the AWS JSON door', (backend) => {
  let api: ApiHarness
  let sfn: SFNClient

  beforeAll(async () => {
    api = await openApiHarness(backend, {
      auth: {
        mode: 'on',
        apiKeys: [],
        awsCredentials: parseAwsCredentials(`${ACCESS_KEY_ID}:${SECRET}`),
      },
    })
    const endpoint = await api.app.listen({ host: '127.0.0.1', port: 0 })
    sfn = sdkClient(endpoint)
  })
  afterAll(async () => {
    sfn?.destroy()
    await api.close()
  })

  it('creates, describes, updates, lists and deletes state machines', async () => {
    const name = uniqueName('sdk')
    const created = await sfn.send(
      new CreateStateMachineCommand({ name, definition: PASS, roleArn: ROLE }),
    )
    expect(created.stateMachineArn).toBe(api.engine.stateMachineArn(name))
    expect(created.creationDate).toBeInstanceOf(Date)
    expect(Math.abs(created.creationDate!.getTime() - Date.now())).toBeLessThan(60_000)

    const described = await sfn.send(
      new DescribeStateMachineCommand({ stateMachineArn: created.stateMachineArn }),
    )
    expect(described).toMatchObject({
      name,
      status: 'ACTIVE',
      definition: PASS,
      roleArn: ROLE,
      type: 'STANDARD',
      revisionId: '1',
      loggingConfiguration: { level: 'OFF', includeExecutionData: false },
    })
    expect(described.creationDate?.getTime()).toBe(created.creationDate?.getTime())

    const updated = await sfn.send(
      new UpdateStateMachineCommand({
        stateMachineArn: created.stateMachineArn,
        definition: PARKED,
      }),
    )
    expect(updated.revisionId).toBe('2')
    expect(updated.updateDate).toBeInstanceOf(Date)

    const listed = await sfn.send(new ListStateMachinesCommand({ maxResults: 1000 }))
    expect(listed.stateMachines?.map((m) => m.name)).toContain(name)

    await sfn.send(new DeleteStateMachineCommand({ stateMachineArn: created.stateMachineArn }))
    const gone = await rejection(
      sfn.send(new DescribeStateMachineCommand({ stateMachineArn: created.stateMachineArn })),
    )
    expect(gone).toBeInstanceOf(StateMachineDoesNotExist)
  })

  it('starts, describes, lists, stops and reads history', async () => {
    const { stateMachineArn } = await sfn.send(
      new CreateStateMachineCommand({ name: uniqueName('run'), definition: PARKED, roleArn: ROLE }),
    )
    const started = await sfn.send(
      new StartExecutionCommand({ stateMachineArn, name: 'run-1', input: '{"n":1}' }),
    )
    expect(started.executionArn).toMatch(/:execution:.*:run-1$/)
    expect(started.startDate).toBeInstanceOf(Date)

    const running = await sfn.send(
      new DescribeExecutionCommand({ executionArn: started.executionArn }),
    )
    expect(running).toMatchObject({ status: 'RUNNING', name: 'run-1', input: '{"n":1}' })
    expect(running.startDate?.getTime()).toBe(started.startDate?.getTime())

    const listed = await sfn.send(
      new ListExecutionsCommand({ stateMachineArn, statusFilter: 'RUNNING' }),
    )
    expect(listed.executions?.map((e) => e.executionArn)).toEqual([started.executionArn])

    const stopped = await sfn.send(
      new StopExecutionCommand({ executionArn: started.executionArn, error: 'E', cause: 'C' }),
    )
    expect(stopped.stopDate).toBeInstanceOf(Date)
    const aborted = await sfn.send(
      new DescribeExecutionCommand({ executionArn: started.executionArn }),
    )
    expect(aborted).toMatchObject({ status: 'ABORTED', error: 'E', cause: 'C' })

    const history = await sfn.send(
      new GetExecutionHistoryCommand({ executionArn: started.executionArn, reverseOrder: true }),
    )
    expect(history.events?.[0]).toMatchObject({ type: 'ExecutionAborted' })
    expect(history.events?.[0]?.timestamp).toBeInstanceOf(Date)
    expect(history.events?.at(-1)).toMatchObject({
      type: 'ExecutionStarted',
      id: 1,
      executionStartedEventDetails: { input: '{"n":1}' },
    })

    // Pages with nextToken, and the same pages through the SDK's paginator shape.
    const ids: number[] = []
    let nextToken: string | undefined
    do {
      const page = await sfn.send(
        new GetExecutionHistoryCommand({
          executionArn: started.executionArn,
          maxResults: 1,
          nextToken,
        }),
      )
      ids.push(...(page.events ?? []).map((e) => e.id ?? 0))
      nextToken = page.nextToken
    } while (nextToken)
    expect(ids).toEqual([...ids].sort((a, b) => a - b))
    expect(ids.length).toBe(history.events?.length)

    const forExecution = await sfn.send(
      new DescribeStateMachineForExecutionCommand({ executionArn: started.executionArn }),
    )
    expect(forExecution).toMatchObject({ definition: PARKED, revisionId: '1' })
  })

  it('StartSyncExecution answers the ended execution', async () => {
    const { stateMachineArn } = await sfn.send(
      new CreateStateMachineCommand({
        name: uniqueName('sync'),
        definition: PASS,
        roleArn: ROLE,
        type: 'EXPRESS',
      }),
    )
    const result = await sfn.send(
      new StartSyncExecutionCommand({ stateMachineArn, input: '{"a":1}' }),
    )
    expect(result).toMatchObject({
      status: 'SUCCEEDED',
      input: '{"a":1}',
      output: '{"a":1,"pass":{"ok":true}}',
      stateMachineArn,
      billingDetails: { billedMemoryUsedInMB: 0, billedDurationInMilliseconds: 0 },
    })
    expect(result.stopDate).toBeInstanceOf(Date)

    const failing = await sfn.send(
      new CreateStateMachineCommand({
        name: uniqueName('sync-fail'),
        definition: def({
          StartAt: 'F',
          States: { F: { Type: 'Fail', Error: 'Boom', Cause: 'why' } },
        }),
        roleArn: ROLE,
        type: 'EXPRESS',
      }),
    )
    const failed = await sfn.send(
      new StartSyncExecutionCommand({ stateMachineArn: failing.stateMachineArn }),
    )
    expect(failed).toMatchObject({ status: 'FAILED', error: 'Boom', cause: 'why' })

    // As on AWS, a STANDARD state machine cannot be run synchronously.
    const standard = await sfn.send(
      new CreateStateMachineCommand({
        name: uniqueName('sync-std'),
        definition: PASS,
        roleArn: ROLE,
      }),
    )
    const refused = await sfn
      .send(new StartSyncExecutionCommand({ stateMachineArn: standard.stateMachineArn }))
      .then(
        () => undefined,
        (err: unknown) => err,
      )
    expect(refused).toBeInstanceOf(StateMachineTypeNotSupported)
  })

  it('ValidateStateMachineDefinition lists diagnostics', async () => {
    const result = await sfn.send(
      new ValidateStateMachineDefinitionCommand({ definition: '{"StartAt":"A","States":{}}' }),
    )
    expect(result.result).toBe('FAIL')
    expect(result.diagnostics?.[0]).toMatchObject({
      severity: 'ERROR',
      location: expect.any(String),
    })
  })

  it('raises the exceptions AWS raises', async () => {
    const name = uniqueName('errs')
    const { stateMachineArn } = await sfn.send(
      new CreateStateMachineCommand({ name, definition: PASS, roleArn: ROLE }),
    )
    const unknownExecution = api.engine.executionArn(name, 'missing')
    const cases: [Promise<unknown>, new (...args: never[]) => SFNServiceException, string][] = [
      [
        sfn.send(new DescribeExecutionCommand({ executionArn: unknownExecution })),
        ExecutionDoesNotExist,
        'ExecutionDoesNotExist',
      ],
      [
        sfn.send(
          new DescribeStateMachineCommand({
            stateMachineArn: api.engine.stateMachineArn('no-such-machine'),
          }),
        ),
        StateMachineDoesNotExist,
        'StateMachineDoesNotExist',
      ],
      [
        sfn.send(new DescribeExecutionCommand({ executionArn: 'not-an-arn' })),
        InvalidArn,
        'InvalidArn',
      ],
      [
        sfn.send(
          new CreateStateMachineCommand({
            name: uniqueName('bad'),
            definition: '{}',
            roleArn: ROLE,
          }),
        ),
        InvalidDefinition,
        'InvalidDefinition',
      ],
      [
        sfn.send(new CreateStateMachineCommand({ name, definition: PARKED, roleArn: ROLE })),
        StateMachineAlreadyExists,
        'StateMachineAlreadyExists',
      ],
      [
        sfn.send(
          new CreateStateMachineCommand({ name: 'bad name', definition: PASS, roleArn: ROLE }),
        ),
        InvalidName,
        'InvalidName',
      ],
      [
        sfn.send(new StartExecutionCommand({ stateMachineArn, input: '{not json' })),
        InvalidExecutionInput,
        'InvalidExecutionInput',
      ],
      [
        sfn.send(new ListExecutionsCommand({ stateMachineArn, nextToken: 'garbage' })),
        InvalidToken,
        'InvalidToken',
      ],
      [
        sfn.send(new ListStateMachinesCommand({ maxResults: 5000 })),
        ValidationException,
        'ValidationException',
      ],
    ]
    // The calls run concurrently; mark their rejections handled now (each is awaited below), or
    // one that settles before its turn is reported as unhandled.
    for (const [promise] of cases) promise.catch(() => {})
    for (const [promise, type, code] of cases) {
      const err = await rejection(promise)
      expect(err, code).toBeInstanceOf(type)
      expect(err.name).toBe(code)
      expect(err.$metadata.httpStatusCode).toBe(400)
      expect(err.message.length).toBeGreaterThan(0)
      expect(err.$metadata.requestId).toEqual(expect.any(String))
    }

    await sfn.send(new StartExecutionCommand({ stateMachineArn, name: 'dup' }))
    await api.engine.waitForEnd(api.engine.executionArn(name, 'dup'))
    const dup = await rejection(
      sfn.send(new StartExecutionCommand({ stateMachineArn, name: 'dup' })),
    )
    expect(dup).toBeInstanceOf(ExecutionAlreadyExists)
  })

  it('refuses a client with the wrong secret (InvalidSignatureException, 403)', async () => {
    const endpoint = `http://127.0.0.1:${(api.app.server.address() as { port: number }).port}`
    const wrong = sdkClient(endpoint, 'not-the-secret')
    try {
      const err = await rejection(wrong.send(new ListStateMachinesCommand({})))
      expect(err.name).toBe('InvalidSignatureException')
      expect(err.$metadata.httpStatusCode).toBe(403)
    } finally {
      wrong.destroy()
    }
  })
})
