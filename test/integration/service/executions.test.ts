import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import {
  createStateMachine,
  describeExecution,
  getExecutionHistory,
  listExecutions,
  startExecution,
  stopExecution,
  type ExecutionListItem,
} from '../../../engine/service/index.js'
import { describeEachBackend } from '../../helpers/database.js'
import {
  ACCOUNT,
  def,
  expectCode,
  openServiceHarness,
  PARKED,
  PASS,
  REGION,
  ROLE,
  uniqueName,
  waitForEnd,
  type ServiceHarness,
} from '../../helpers/service.js'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
const executionArnOf = (machine: string, name: string) =>
  `arn:aws:states:${REGION}:${ACCOUNT}:execution:${machine}:${name}`

/** `{"park": true}` parks on an activity nobody polls; anything else succeeds at once. */
const PARK_OR_PASS = def({
  StartAt: 'Choose',
  States: {
    Choose: {
      Type: 'Choice',
      Choices: [{ Variable: '$.park', BooleanEquals: true, Next: 'Park' }],
      Default: 'Done',
    },
    Park: {
      Type: 'Task',
      Resource: `arn:aws:states:${REGION}:${ACCOUNT}:activity:nobody-polls-this`,
      End: true,
    },
    Done: { Type: 'Pass', End: true },
  },
})

const FAILS = def({
  StartAt: 'F',
  States: { F: { Type: 'Fail', Error: 'Custom.Error', Cause: 'it had to fail' } },
})

describeEachBackend('service: executions', (backend) => {
  let h: ServiceHarness

  beforeAll(async () => {
    h = await openServiceHarness(backend)
  })
  afterAll(async () => {
    await h.test.dispose()
  })
  beforeEach(async () => {
    await h.engine.start()
  })
  afterEach(async () => {
    await h.engine.stop({ graceMs: 1000 })
  })

  async function machine(definition: string, prefix = 'm') {
    const name = uniqueName(prefix)
    const { stateMachineArn } = await createStateMachine(h.ctx, { name, definition, roleArn: ROLE })
    return { name, stateMachineArn }
  }

  describe('startExecution', () => {
    it('starts with a UUID name and {} input by default and runs to the end', async () => {
      const m = await machine(PASS)
      const started = await startExecution(h.ctx, { stateMachineArn: m.stateMachineArn })
      const name = started.executionArn.split(':').pop() as string
      expect(name).toMatch(UUID)
      expect(started.executionArn).toBe(executionArnOf(m.name, name))
      expect(started.startDate).toBeInstanceOf(Date)

      const d = await waitForEnd(h.ctx, started.executionArn)
      expect(d).toEqual({
        executionArn: started.executionArn,
        stateMachineArn: m.stateMachineArn,
        name,
        status: 'SUCCEEDED',
        startDate: started.startDate,
        stopDate: expect.any(Date),
        input: '{}',
        inputDetails: { included: true },
        output: '{"pass":{"ok":true}}',
        outputDetails: { included: true },
        redriveCount: 0,
      })
      expect(d.stopDate?.getTime()).toBeGreaterThanOrEqual(started.startDate.getTime())
    })

    it('takes a name and JSON text input', async () => {
      const m = await machine(PASS)
      const started = await startExecution(h.ctx, {
        stateMachineArn: m.stateMachineArn,
        name: 'order-42',
        input: '{ "order": 42, "items": ["a", "é", "名"] }',
      })
      expect(started.executionArn).toBe(executionArnOf(m.name, 'order-42'))
      const d = await waitForEnd(h.ctx, started.executionArn)
      expect(JSON.parse(d.input)).toEqual({ order: 42, items: ['a', 'é', '名'] })
      expect(JSON.parse(d.output ?? 'null')).toEqual({
        order: 42,
        items: ['a', 'é', '名'],
        pass: { ok: true },
      })
    })

    it.each([
      ['a space', 'a b'],
      ['81 characters', 'x'.repeat(81)],
      ['a colon', 'a:b'],
      ['a slash', 'a/b'],
      ['a control character', 'a\u0007'],
      ['empty', ''],
    ])('refuses a name with %s: InvalidName', async (_why, name) => {
      const m = await machine(PASS)
      await expectCode(
        startExecution(h.ctx, { stateMachineArn: m.stateMachineArn, name }),
        'InvalidName',
      )
      expect((await listExecutions(h.ctx, m)).executions).toEqual([])
    })

    it.each([
      ['not JSON', '{nope'],
      ['empty text', ''],
      ['two values', '{} {}'],
      ['a NUL in a string', '{"a":"x\\u0000y"}'],
      ['a NUL in a key', '{"x\\u0000":1}'],
      ['an unpaired surrogate', '["\\ud800"]'],
    ])('refuses input that is %s: InvalidExecutionInput', async (_why, input) => {
      const m = await machine(PASS)
      await expectCode(
        startExecution(h.ctx, { stateMachineArn: m.stateMachineArn, input }),
        'InvalidExecutionInput',
      )
      expect((await listExecutions(h.ctx, m)).executions).toEqual([])
    })

    it('accepts any JSON value as input, and input up to 256 KiB of UTF-8', async () => {
      const m = await machine(PARKED)
      for (const input of ['42', '"text"', 'null', '[1,2]', '"\\ud83d\\ude00"']) {
        const { executionArn } = await startExecution(h.ctx, {
          stateMachineArn: m.stateMachineArn,
          input,
        })
        expect(JSON.parse((await describeExecution(h.ctx, { executionArn })).input)).toEqual(
          JSON.parse(input),
        )
        await stopExecution(h.ctx, { executionArn })
      }
      const exactly = `"${'a'.repeat(262_142)}"`
      const big = await startExecution(h.ctx, {
        stateMachineArn: m.stateMachineArn,
        input: exactly,
      })
      expect((await describeExecution(h.ctx, big)).input).toBe(exactly)
      await stopExecution(h.ctx, big)
    })

    it('refuses input over 256 KiB of UTF-8, and input that is not text: ValidationException', async () => {
      const m = await machine(PASS)
      const err = await expectCode(
        startExecution(h.ctx, {
          stateMachineArn: m.stateMachineArn,
          input: `"${'a'.repeat(262_143)}"`,
        }),
        'ValidationException',
      )
      expect(err.details).toMatchObject({ field: 'input', limit: 262_144, size: 262_145 })
      // 131,072 characters, but two bytes each.
      await expectCode(
        startExecution(h.ctx, {
          stateMachineArn: m.stateMachineArn,
          input: `"${'é'.repeat(131_072)}"`,
        }),
        'ValidationException',
      )
      await expectCode(
        startExecution(h.ctx, {
          stateMachineArn: m.stateMachineArn,
          input: { a: 1 } as unknown as string,
        }),
        'ValidationException',
      )
      expect((await listExecutions(h.ctx, m)).executions).toEqual([])
    })

    it('refuses ARNs that are malformed (InvalidArn) or name no state machine', async () => {
      const m = await machine(PASS)
      await expectCode(startExecution(h.ctx, { stateMachineArn: 'orders' }), 'InvalidArn')
      await expectCode(
        startExecution(h.ctx, { stateMachineArn: executionArnOf(m.name, 'x') }),
        'InvalidArn',
      )
      await expectCode(
        startExecution(h.ctx, {
          stateMachineArn: `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:${uniqueName('none')}`,
        }),
        'StateMachineDoesNotExist',
      )
      // The ARN is checked before the name.
      await expectCode(
        startExecution(h.ctx, { stateMachineArn: 'orders', name: 'a b' }),
        'InvalidArn',
      )
    })

    it('is idempotent while running: same name and input answer the same execution', async () => {
      const m = await machine(PARKED)
      const request = {
        stateMachineArn: m.stateMachineArn,
        name: 'once',
        input: '{"a":1,"b":[1,2]}',
      }
      const first = await startExecution(h.ctx, request)
      expect(await startExecution(h.ctx, request)).toEqual(first)
      // The same JSON value, written differently, is the same input.
      expect(await startExecution(h.ctx, { ...request, input: '{ "b": [1, 2], "a": 1 }' })).toEqual(
        first,
      )
      const err = await expectCode(
        startExecution(h.ctx, { ...request, input: '{"a":2}' }),
        'ExecutionAlreadyExists',
      )
      expect(err.message).toContain(first.executionArn)

      const concurrent = await Promise.all(
        Array.from({ length: 4 }, () => startExecution(h.ctx, request)),
      )
      for (const c of concurrent) expect(c).toEqual(first)

      await stopExecution(h.ctx, first)
      // Once it has ended, the name is taken for good.
      await expectCode(startExecution(h.ctx, request), 'ExecutionAlreadyExists')
      expect((await listExecutions(h.ctx, m)).executions).toHaveLength(1)
    })

    it('answers ExecutionAlreadyExists for the name of an execution that has ended', async () => {
      const m = await machine(PASS)
      const request = { stateMachineArn: m.stateMachineArn, name: 'done', input: '{}' }
      const first = await startExecution(h.ctx, request)
      await waitForEnd(h.ctx, first.executionArn)
      await expectCode(startExecution(h.ctx, request), 'ExecutionAlreadyExists')
    })

    it('allows the same execution name on two state machines', async () => {
      const a = await machine(PASS)
      const b = await machine(PASS)
      const ea = await startExecution(h.ctx, { stateMachineArn: a.stateMachineArn, name: 'same' })
      const eb = await startExecution(h.ctx, { stateMachineArn: b.stateMachineArn, name: 'same' })
      expect(ea.executionArn).not.toBe(eb.executionArn)
    })
  })

  describe('describeExecution', () => {
    it('describes a running execution without stopDate or output', async () => {
      const m = await machine(PARKED)
      const started = await startExecution(h.ctx, {
        stateMachineArn: m.stateMachineArn,
        name: 'running',
        input: '{"n":1}',
      })
      expect(await describeExecution(h.ctx, started)).toEqual({
        executionArn: started.executionArn,
        stateMachineArn: m.stateMachineArn,
        name: 'running',
        status: 'RUNNING',
        startDate: started.startDate,
        input: '{"n":1}',
        inputDetails: { included: true },
        redriveCount: 0,
      })
      await stopExecution(h.ctx, started)
    })

    it('describes a failed execution with its error and cause, and no output', async () => {
      const m = await machine(FAILS)
      const started = await startExecution(h.ctx, { stateMachineArn: m.stateMachineArn })
      const d = await waitForEnd(h.ctx, started.executionArn)
      expect(d).toMatchObject({ status: 'FAILED', error: 'Custom.Error', cause: 'it had to fail' })
      expect(d).not.toHaveProperty('output')
      expect(d.stopDate).toBeInstanceOf(Date)
    })

    it('answers ExecutionDoesNotExist for a well-formed ARN that names nothing', async () => {
      const m = await machine(PASS)
      await startExecution(h.ctx, { stateMachineArn: m.stateMachineArn, name: 'real' })
      for (const executionArn of [
        executionArnOf(m.name, 'other'),
        executionArnOf(uniqueName('nomachine'), 'real'),
        `arn:aws:states:eu-west-1:${ACCOUNT}:execution:${m.name}:real`,
        `arn:aws:states:${REGION}:000000000001:execution:${m.name}:real`,
      ]) {
        const err = await expectCode(
          describeExecution(h.ctx, { executionArn }),
          'ExecutionDoesNotExist',
        )
        expect(err.message).toContain(executionArn)
      }
    })

    it.each([
      ['not an ARN', 'real'],
      ['a state machine ARN', `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:m`],
      ['no execution name', `arn:aws:states:${REGION}:${ACCOUNT}:execution:m`],
      ['an empty execution name', `arn:aws:states:${REGION}:${ACCOUNT}:execution:m:`],
      ['too many parts', `arn:aws:states:${REGION}:${ACCOUNT}:execution:m:e:x`],
      ['a space', `arn:aws:states:${REGION}:${ACCOUNT}:execution:m:a b`],
      ['another service', `arn:aws:sqs:${REGION}:${ACCOUNT}:execution:m:e`],
    ])('refuses %s: InvalidArn', async (_why, executionArn) => {
      await expectCode(describeExecution(h.ctx, { executionArn }), 'InvalidArn')
    })
  })

  describe('listExecutions', () => {
    it('walks every page once, newest first, in a stable order, with a status filter', async () => {
      const m = await machine(PARK_OR_PASS)
      const started: string[] = []
      for (let i = 0; i < 9; i++) {
        const park = i % 3 === 0
        const { executionArn } = await startExecution(h.ctx, {
          stateMachineArn: m.stateMachineArn,
          name: `e${i}`,
          input: JSON.stringify({ park }),
        })
        started.push(executionArn)
      }

      const walk = async (statusFilter?: 'RUNNING' | 'SUCCEEDED', maxResults = 2) => {
        const items: ExecutionListItem[] = []
        let nextToken: string | undefined
        do {
          const page = await listExecutions(h.ctx, {
            stateMachineArn: m.stateMachineArn,
            statusFilter,
            maxResults,
            nextToken,
          })
          expect(page.executions.length).toBeLessThanOrEqual(maxResults)
          items.push(...page.executions)
          nextToken = page.nextToken
        } while (nextToken)
        return items
      }

      const all = await walk()
      expect(all.map((e) => e.name)).toEqual(started.map((_, i) => `e${i}`).reverse())
      expect(new Set(all.map((e) => e.executionArn)).size).toBe(9)
      const single = await listExecutions(h.ctx, {
        stateMachineArn: m.stateMachineArn,
        maxResults: 1000,
      })
      expect(single.nextToken).toBeUndefined()
      expect(single.executions).toEqual(all)
      for (let i = 1; i < all.length; i++) {
        expect((all[i - 1] as ExecutionListItem).startDate.getTime()).toBeGreaterThanOrEqual(
          (all[i] as ExecutionListItem).startDate.getTime(),
        )
      }

      const running = await walk('RUNNING', 1)
      expect(running.map((e) => e.name)).toEqual(['e6', 'e3', 'e0'])
      for (const e of running) {
        expect(e).toEqual({
          executionArn: executionArnOf(m.name, e.name),
          stateMachineArn: m.stateMachineArn,
          name: e.name,
          status: 'RUNNING',
          startDate: expect.any(Date),
        })
      }
      const succeeded = await walk('SUCCEEDED', 4)
      expect(succeeded.map((e) => e.name)).toEqual(['e8', 'e7', 'e5', 'e4', 'e2', 'e1'])
      for (const e of succeeded) expect(e.stopDate).toBeInstanceOf(Date)
      expect(await walk('FAILED' as 'RUNNING')).toEqual([])

      for (const e of running) await stopExecution(h.ctx, { executionArn: e.executionArn })
      expect(await walk('RUNNING')).toEqual([])
      expect((await walk('ABORTED' as 'RUNNING')).map((e) => e.name)).toEqual(['e6', 'e3', 'e0'])
    })

    it('lists each execution once while new ones start during the walk', async () => {
      const m = await machine(PASS)
      for (let i = 0; i < 6; i++) {
        await startExecution(h.ctx, { stateMachineArn: m.stateMachineArn, name: `old${i}` })
      }
      const seen: string[] = []
      let nextToken: string | undefined
      let extra = 0
      do {
        const page = await listExecutions(h.ctx, {
          stateMachineArn: m.stateMachineArn,
          maxResults: 2,
          nextToken,
        })
        seen.push(...page.executions.map((e) => e.name))
        nextToken = page.nextToken
        await startExecution(h.ctx, { stateMachineArn: m.stateMachineArn, name: `new${extra++}` })
      } while (nextToken)
      expect(seen).toEqual(['old5', 'old4', 'old3', 'old2', 'old1', 'old0'])
    })

    it('refuses a bad status filter, page size or token', async () => {
      const m = await machine(PASS)
      const other = await machine(PASS)
      for (let i = 0; i < 3; i++) {
        await startExecution(h.ctx, { stateMachineArn: m.stateMachineArn })
        await startExecution(h.ctx, { stateMachineArn: other.stateMachineArn })
      }
      const { stateMachineArn } = m
      await expectCode(
        listExecutions(h.ctx, { stateMachineArn, statusFilter: 'DONE' as 'RUNNING' }),
        'ValidationException',
      )
      await expectCode(
        listExecutions(h.ctx, { stateMachineArn, maxResults: 1001 }),
        'ValidationException',
      )
      const page = await listExecutions(h.ctx, { stateMachineArn, maxResults: 1 })
      expect(page.nextToken).toBeDefined()
      const nextToken = page.nextToken as string
      // A token belongs to its listing: same machine and same filter.
      await expectCode(
        listExecutions(h.ctx, { stateMachineArn: other.stateMachineArn, nextToken }),
        'InvalidToken',
      )
      await expectCode(
        listExecutions(h.ctx, { stateMachineArn, statusFilter: 'SUCCEEDED', nextToken }),
        'InvalidToken',
      )
      await expectCode(
        listExecutions(h.ctx, { stateMachineArn, nextToken: 'garbage' }),
        'InvalidToken',
      )
      await expectCode(
        listExecutions(h.ctx, {
          stateMachineArn,
          nextToken: Buffer.from(
            JSON.stringify({
              ...JSON.parse(Buffer.from(nextToken, 'base64url').toString()),
              a: "1' or '1'='1",
            }),
          ).toString('base64url'),
        }),
        'InvalidToken',
      )
      await expectCode(listExecutions(h.ctx, { stateMachineArn: 'arn:aws:states:x' }), 'InvalidArn')
      await expectCode(
        listExecutions(h.ctx, {
          stateMachineArn: `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:${uniqueName('none')}`,
        }),
        'StateMachineDoesNotExist',
      )
    })
  })

  describe('stopExecution', () => {
    it('aborts a running execution with error and cause, and cancels its task', async () => {
      const m = await machine(PARKED)
      const started = await startExecution(h.ctx, { stateMachineArn: m.stateMachineArn })
      const { stopDate } = await stopExecution(h.ctx, {
        executionArn: started.executionArn,
        error: 'Operator.Cancelled',
        cause: 'no longer needed',
      })
      expect(stopDate).toBeInstanceOf(Date)
      expect(await describeExecution(h.ctx, started)).toMatchObject({
        status: 'ABORTED',
        stopDate,
        error: 'Operator.Cancelled',
        cause: 'no longer needed',
      })
      const { events } = await getExecutionHistory(h.ctx, {
        executionArn: started.executionArn,
        reverseOrder: true,
        maxResults: 1,
      })
      expect(events[0]).toMatchObject({
        type: 'ExecutionAborted',
        executionAbortedEventDetails: { error: 'Operator.Cancelled', cause: 'no longer needed' },
      })
      const tasks = await h.test.database.db
        .selectFrom('tasks as t')
        .innerJoin('executions as e', 'e.id', 't.execution_id')
        .innerJoin('state_machines as m', 'm.id', 'e.state_machine_id')
        .select('t.status')
        .where('m.name', '=', m.name)
        .execute()
      expect(tasks).toEqual([{ status: 'CANCELLED' }])

      // Again: nothing changes, and it answers the same date.
      expect(
        await stopExecution(h.ctx, { executionArn: started.executionArn, error: 'Other' }),
      ).toEqual({
        stopDate,
      })
      expect(await describeExecution(h.ctx, started)).toMatchObject({
        status: 'ABORTED',
        error: 'Operator.Cancelled',
      })
    })

    it('aborts without error or cause when none is given', async () => {
      const m = await machine(PARKED)
      const started = await startExecution(h.ctx, { stateMachineArn: m.stateMachineArn })
      await stopExecution(h.ctx, started)
      const d = await describeExecution(h.ctx, started)
      expect(d.status).toBe('ABORTED')
      expect(d).not.toHaveProperty('error')
      expect(d).not.toHaveProperty('cause')
    })

    it('leaves an execution that has ended as it is and answers its stop date', async () => {
      const m = await machine(PASS)
      const started = await startExecution(h.ctx, { stateMachineArn: m.stateMachineArn })
      const ended = await waitForEnd(h.ctx, started.executionArn)
      expect(await stopExecution(h.ctx, { executionArn: started.executionArn })).toEqual({
        stopDate: ended.stopDate,
      })
      expect(await describeExecution(h.ctx, started)).toEqual(ended)
    })

    it('refuses bad arguments and unknown executions', async () => {
      const m = await machine(PARKED)
      const started = await startExecution(h.ctx, { stateMachineArn: m.stateMachineArn })
      const { executionArn } = started
      await expectCode(
        stopExecution(h.ctx, { executionArn, error: 'e'.repeat(257) }),
        'ValidationException',
      )
      await expectCode(
        stopExecution(h.ctx, { executionArn, cause: 'c'.repeat(32_769) }),
        'ValidationException',
      )
      await expectCode(
        stopExecution(h.ctx, { executionArn, error: 'a\u0000b' }),
        'ValidationException',
      )
      await expectCode(
        stopExecution(h.ctx, { executionArn, cause: 42 as unknown as string }),
        'ValidationException',
      )
      expect((await describeExecution(h.ctx, started)).status).toBe('RUNNING')
      await expectCode(stopExecution(h.ctx, { executionArn: m.stateMachineArn }), 'InvalidArn')
      await expectCode(
        stopExecution(h.ctx, { executionArn: executionArnOf(m.name, 'nobody') }),
        'ExecutionDoesNotExist',
      )
      // The longest error and cause AWS allows are fine.
      await stopExecution(h.ctx, {
        executionArn,
        error: 'e'.repeat(256),
        cause: 'c'.repeat(32_768),
      })
      expect(await describeExecution(h.ctx, started)).toMatchObject({
        status: 'ABORTED',
        error: 'e'.repeat(256),
        cause: 'c'.repeat(32_768),
      })
    })
  })
})
