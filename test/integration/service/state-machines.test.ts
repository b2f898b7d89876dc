import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import {
  createStateMachine,
  deleteStateMachine,
  describeExecution,
  describeStateMachine,
  describeStateMachineForExecution,
  listExecutions,
  listStateMachines,
  startExecution,
  stopExecution,
  updateStateMachine,
  validateStateMachineDefinition,
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

const arnOf = (name: string) => `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:${name}`
const WARNING_ONLY = def({
  StartAt: 'P',
  States: { P: { Type: 'Pass', Parameters: { a: '$.x' }, End: true } },
})
const BROKEN = def({ StartAt: 'P', States: { P: { Type: 'Pass', Next: 'Q' } } })

describeEachBackend('service: state machines', (backend) => {
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

  async function revisions(name: string) {
    return h.test.database.db
      .selectFrom('state_machine_revisions as r')
      .innerJoin('state_machines as m', 'm.id', 'r.state_machine_id')
      .select(['r.id', 'r.revision', 'r.definition', 'm.current_revision_id'])
      .where('m.name', '=', name)
      .orderBy('r.revision')
      .execute()
  }

  describe('createStateMachine', () => {
    it('creates revision 1 and answers the ARN; the definition is kept verbatim', async () => {
      const name = uniqueName('create')
      const definition = `{\n  "StartAt": "P",\n  "States": { "P": { "Type": "Pass", "End": true } }\n}`
      const created = await createStateMachine(h.ctx, { name, definition, roleArn: ROLE })
      expect(created.stateMachineArn).toBe(arnOf(name))
      expect(created.creationDate).toBeInstanceOf(Date)

      const rows = await revisions(name)
      expect(rows).toHaveLength(1)
      expect(rows[0]).toMatchObject({ revision: 1, definition, current_revision_id: rows[0]?.id })

      expect(
        await describeStateMachine(h.ctx, { stateMachineArn: created.stateMachineArn }),
      ).toEqual({
        stateMachineArn: arnOf(name),
        name,
        status: 'ACTIVE',
        definition,
        roleArn: ROLE,
        type: 'STANDARD',
        creationDate: created.creationDate,
        revisionId: '1',
        loggingConfiguration: { level: 'OFF', includeExecutionData: false },
        tracingConfiguration: { enabled: false },
      })
    })

    it('gives a default role and keeps the type', async () => {
      const name = uniqueName('express')
      const { stateMachineArn } = await createStateMachine(h.ctx, {
        name,
        definition: PASS,
        type: 'EXPRESS',
      })
      const d = await describeStateMachine(h.ctx, { stateMachineArn })
      expect(d.type).toBe('EXPRESS')
      expect(d.roleArn).toBe(`arn:aws:iam::${ACCOUNT}:role/millrace`)
    })

    it('is idempotent: the same name, definition and type answer the same machine', async () => {
      const name = uniqueName('idem')
      const first = await createStateMachine(h.ctx, { name, definition: PASS, roleArn: ROLE })
      const again = await createStateMachine(h.ctx, { name, definition: PASS, roleArn: ROLE })
      expect(again).toEqual(first)
      // AWS ignores a different roleArn on an idempotent create, and does not update it.
      const otherRole = await createStateMachine(h.ctx, {
        name,
        definition: PASS,
        roleArn: `arn:aws:iam::${ACCOUNT}:role/other`,
      })
      expect(otherRole).toEqual(first)
      expect((await describeStateMachine(h.ctx, first)).roleArn).toBe(ROLE)
      expect(await revisions(name)).toHaveLength(1)
    })

    it('answers the same machine to concurrent creates of one name', async () => {
      const name = uniqueName('race')
      const results = await Promise.all(
        Array.from({ length: 5 }, () => createStateMachine(h.ctx, { name, definition: PASS })),
      )
      for (const r of results) expect(r).toEqual(results[0])
      expect(await revisions(name)).toHaveLength(1)
    })

    it('refuses another definition or type under a taken name: StateMachineAlreadyExists', async () => {
      const name = uniqueName('taken')
      await createStateMachine(h.ctx, { name, definition: PASS })
      const err = await expectCode(
        createStateMachine(h.ctx, { name, definition: PARKED }),
        'StateMachineAlreadyExists',
      )
      expect(err.message).toContain(arnOf(name))
      await expectCode(
        createStateMachine(h.ctx, { name, definition: PASS, type: 'EXPRESS' }),
        'StateMachineAlreadyExists',
      )
      expect((await describeStateMachine(h.ctx, { stateMachineArn: arnOf(name) })).definition).toBe(
        PASS,
      )
    })

    const badNames: [string, unknown][] = [
      ['empty', ''],
      ['81 characters', 'a'.repeat(81)],
      ['a space', 'a b'],
      ['a tab', 'a\tb'],
      ['a newline', 'a\nb'],
      ['a no-break space', 'a\u00a0b'],
      ['a control character', 'a\u0001b'],
      ['DEL', 'a\u007fb'],
      ['a C1 control character', 'a\u0085b'],
      ['NUL', 'a\u0000b'],
      ['an unpaired surrogate', 'a\ud800b'],
      ['a number', 42],
      ...[...'<>{}[]?*"#%\\^|~`$&,;:/'].map((c): [string, unknown] => [`'${c}'`, `a${c}b`]),
    ]
    it.each(badNames)('refuses a name with %s: InvalidName', async (_why, name) => {
      await expectCode(
        createStateMachine(h.ctx, { name: name as string, definition: PASS }),
        'InvalidName',
      )
    })

    it.each([
      ['80 characters', 'a'.repeat(80)],
      ['80 non-ASCII characters', 'é'.repeat(80)],
      ['letters of any script', '名前-ünïcødé'],
      ['punctuation AWS allows', "a.b_c-d(e)!@='+"],
    ])('accepts a name with %s', async (_why, name) => {
      const { stateMachineArn } = await createStateMachine(h.ctx, { name, definition: PASS })
      expect(stateMachineArn).toBe(arnOf(name))
    })

    it('refuses an invalid definition with every diagnostic: InvalidDefinition', async () => {
      const err = await expectCode(
        createStateMachine(h.ctx, { name: uniqueName('bad'), definition: BROKEN }),
        'InvalidDefinition',
      )
      expect(err.message).toContain('MISSING_TRANSITION_TARGET')
      expect(err.message).toContain('/States/P/Next')
      expect(err.message).toContain('MISSING_END_STATE')
      expect(err.details['diagnostics']).toEqual([
        expect.objectContaining({
          severity: 'ERROR',
          code: 'MISSING_TRANSITION_TARGET',
          location: '/States/P/Next',
        }),
        expect.objectContaining({ severity: 'ERROR', code: 'MISSING_END_STATE', location: '' }),
      ])
      await expectCode(
        createStateMachine(h.ctx, { name: uniqueName('bad'), definition: '{nope' }),
        'InvalidDefinition',
      )
    })

    it('creates a definition that has only warnings', async () => {
      const { stateMachineArn } = await createStateMachine(h.ctx, {
        name: uniqueName('warned'),
        definition: WARNING_ONLY,
      })
      expect((await describeStateMachine(h.ctx, { stateMachineArn })).definition).toBe(WARNING_ONLY)
    })

    it('refuses a malformed role (InvalidArn), a bad type and a missing definition (ValidationException)', async () => {
      const name = uniqueName('args')
      await expectCode(
        createStateMachine(h.ctx, { name, definition: PASS, roleArn: 'not-a-role' }),
        'InvalidArn',
      )
      await expectCode(
        createStateMachine(h.ctx, { name, definition: PASS, roleArn: arnOf('x') }),
        'InvalidArn',
      )
      await expectCode(
        createStateMachine(h.ctx, { name, definition: PASS, type: 'FAST' as 'STANDARD' }),
        'ValidationException',
      )
      await expectCode(
        createStateMachine(h.ctx, { name, definition: undefined as unknown as string }),
        'ValidationException',
      )
      await expectCode(
        describeStateMachine(h.ctx, { stateMachineArn: arnOf(name) }),
        'StateMachineDoesNotExist',
      )
    })
  })

  describe('describeStateMachine', () => {
    it('answers StateMachineDoesNotExist for a well-formed ARN that names nothing', async () => {
      const name = uniqueName('there')
      await createStateMachine(h.ctx, { name, definition: PASS })
      for (const stateMachineArn of [
        arnOf(uniqueName('absent')),
        `arn:aws:states:eu-west-1:${ACCOUNT}:stateMachine:${name}`,
        `arn:aws:states:${REGION}:000000000001:stateMachine:${name}`,
        `arn:aws-cn:states:${REGION}:${ACCOUNT}:stateMachine:${name}`,
        `${arnOf(name)}:1`,
        `${arnOf(name)}:prod`,
      ]) {
        const err = await expectCode(
          describeStateMachine(h.ctx, { stateMachineArn }),
          'StateMachineDoesNotExist',
        )
        expect(err.message).toContain(stateMachineArn)
      }
    })

    it.each([
      ['not an ARN', 'orders'],
      ['another service', `arn:aws:lambda:${REGION}:${ACCOUNT}:function:f`],
      ['an execution ARN', `arn:aws:states:${REGION}:${ACCOUNT}:execution:m:e`],
      ['an activity ARN', `arn:aws:states:${REGION}:${ACCOUNT}:activity:a`],
      ['no name', `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:`],
      ['a short account', `arn:aws:states:${REGION}:1234:stateMachine:m`],
      ['no region', `arn:aws:states::${ACCOUNT}:stateMachine:m`],
      ['a space in the name', `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:a b`],
      ['too many parts', `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:m:1:2`],
      ['an empty qualifier', `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:m:`],
    ])('refuses %s: InvalidArn', async (_why, stateMachineArn) => {
      await expectCode(describeStateMachine(h.ctx, { stateMachineArn }), 'InvalidArn')
    })

    it('refuses a missing or over-long ARN: ValidationException', async () => {
      await expectCode(
        describeStateMachine(h.ctx, { stateMachineArn: undefined as unknown as string }),
        'ValidationException',
      )
      await expectCode(
        describeStateMachine(h.ctx, { stateMachineArn: arnOf('a'.repeat(250)) }),
        'ValidationException',
      )
    })
  })

  describe('updateStateMachine', () => {
    it('publishes a new immutable revision; the old one stays as it was', async () => {
      const name = uniqueName('update')
      const { stateMachineArn } = await createStateMachine(h.ctx, {
        name,
        definition: PASS,
        roleArn: ROLE,
      })
      const updated = await updateStateMachine(h.ctx, { stateMachineArn, definition: WARNING_ONLY })
      expect(updated.revisionId).toBe('2')
      expect(updated.updateDate).toBeInstanceOf(Date)
      let d = await describeStateMachine(h.ctx, { stateMachineArn })
      expect(d).toMatchObject({ definition: WARNING_ONLY, revisionId: '2', roleArn: ROLE })

      const role2 = `arn:aws:iam::${ACCOUNT}:role/second`
      expect(await updateStateMachine(h.ctx, { stateMachineArn, roleArn: role2 })).toMatchObject({
        revisionId: '3',
      })
      d = await describeStateMachine(h.ctx, { stateMachineArn })
      expect(d).toMatchObject({ definition: WARNING_ONLY, revisionId: '3', roleArn: role2 })

      // Nothing changes: no new revision.
      expect(
        await updateStateMachine(h.ctx, {
          stateMachineArn,
          definition: WARNING_ONLY,
          roleArn: role2,
        }),
      ).toMatchObject({ revisionId: '3' })

      const rows = await revisions(name)
      expect(rows.map((r) => [r.revision, r.definition])).toEqual([
        [1, PASS],
        [2, WARNING_ONLY],
        [3, WARNING_ONLY],
      ])
      expect(rows[0]?.current_revision_id).toBe(rows[2]?.id)
    })

    it('refuses a bad update and keeps the current revision', async () => {
      const name = uniqueName('badupdate')
      const { stateMachineArn } = await createStateMachine(h.ctx, { name, definition: PASS })
      await expectCode(updateStateMachine(h.ctx, { stateMachineArn }), 'ValidationException')
      await expectCode(
        updateStateMachine(h.ctx, { stateMachineArn, definition: BROKEN }),
        'InvalidDefinition',
      )
      await expectCode(
        updateStateMachine(h.ctx, { stateMachineArn, roleArn: 'role' }),
        'InvalidArn',
      )
      await expectCode(
        updateStateMachine(h.ctx, { stateMachineArn: arnOf(uniqueName('none')), definition: PASS }),
        'StateMachineDoesNotExist',
      )
      await expectCode(
        updateStateMachine(h.ctx, { stateMachineArn: 'arn:nope', definition: PASS }),
        'InvalidArn',
      )
      expect(await revisions(name)).toHaveLength(1)
      expect((await describeStateMachine(h.ctx, { stateMachineArn })).revisionId).toBe('1')
    })

    it('leaves running executions on the revision they started with', async () => {
      const name = uniqueName('pinned')
      const { stateMachineArn } = await createStateMachine(h.ctx, { name, definition: PARKED })
      const parked = await startExecution(h.ctx, { stateMachineArn, name: 'parked' })
      await updateStateMachine(h.ctx, { stateMachineArn, definition: PASS })

      const forParked = await describeStateMachineForExecution(h.ctx, {
        executionArn: parked.executionArn,
      })
      expect(forParked).toMatchObject({
        stateMachineArn,
        name,
        definition: PARKED,
        revisionId: '1',
      })
      expect(forParked.updateDate).toBeInstanceOf(Date)

      const fresh = await startExecution(h.ctx, { stateMachineArn, name: 'fresh' })
      expect(await waitForEnd(h.ctx, fresh.executionArn)).toMatchObject({ status: 'SUCCEEDED' })
      expect(
        await describeStateMachineForExecution(h.ctx, { executionArn: fresh.executionArn }),
      ).toMatchObject({ definition: PASS, revisionId: '2' })

      expect((await describeExecution(h.ctx, parked)).status).toBe('RUNNING')
      await stopExecution(h.ctx, parked)
    })
  })

  describe('listStateMachines', () => {
    it('walks every page once, in a stable order, without deleted machines', async () => {
      const names = Array.from({ length: 7 }, (_, i) => uniqueName(`list${i}`))
      for (const name of names) await createStateMachine(h.ctx, { name, definition: PASS })
      await deleteStateMachine(h.ctx, { stateMachineArn: arnOf(names[3] as string) })

      const walked: string[] = []
      let pages = 0
      let nextToken: string | undefined
      do {
        const page = await listStateMachines(h.ctx, { maxResults: 2, nextToken })
        expect(page.stateMachines.length).toBeLessThanOrEqual(2)
        for (const m of page.stateMachines) {
          expect(m).toEqual({
            stateMachineArn: arnOf(m.name),
            name: m.name,
            type: expect.stringMatching(/^(STANDARD|EXPRESS)$/),
            creationDate: expect.any(Date),
          })
          walked.push(m.name)
        }
        nextToken = page.nextToken
        pages++
      } while (nextToken)

      expect(new Set(walked).size).toBe(walked.length)
      const all = await listStateMachines(h.ctx, { maxResults: 1000 })
      expect(all.nextToken).toBeUndefined()
      expect(all.stateMachines.map((m) => m.name)).toEqual(walked)
      expect(pages).toBe(Math.ceil(walked.length / 2))
      const mine = walked.filter((n) => names.includes(n))
      expect(mine).toEqual(names.filter((_, i) => i !== 3))
    })

    it('defaults to 100 per page and refuses bad maxResults and tokens', async () => {
      expect((await listStateMachines(h.ctx)).stateMachines.length).toBeLessThanOrEqual(100)
      expect(
        (await listStateMachines(h.ctx, { maxResults: 0 })).stateMachines.length,
      ).toBeLessThanOrEqual(100)
      for (const maxResults of [-1, 1001, 1.5, '10' as unknown as number]) {
        await expectCode(listStateMachines(h.ctx, { maxResults }), 'ValidationException')
      }
      for (const nextToken of [
        'garbage',
        '',
        Buffer.from('{"k":"executions","s":"","a":1}').toString('base64url'),
        Buffer.from('{"k":"stateMachines","s":"","a":"1; drop table x"}').toString('base64url'),
        'x'.repeat(1025),
      ]) {
        await expectCode(listStateMachines(h.ctx, { nextToken }), 'InvalidToken')
      }
    })
  })

  describe('deleteStateMachine', () => {
    it('deletes a machine without executions at once; the name can be used again', async () => {
      const name = uniqueName('delete')
      const { stateMachineArn } = await createStateMachine(h.ctx, { name, definition: PASS })
      await startExecution(h.ctx, { stateMachineArn, name: 'done' })
      expect(await deleteStateMachine(h.ctx, { stateMachineArn })).toEqual({})

      await expectCode(describeStateMachine(h.ctx, { stateMachineArn }), 'StateMachineDoesNotExist')
      await expectCode(startExecution(h.ctx, { stateMachineArn }), 'StateMachineDoesNotExist')
      await expectCode(
        updateStateMachine(h.ctx, { stateMachineArn, definition: PASS }),
        'StateMachineDoesNotExist',
      )
      await expectCode(listExecutions(h.ctx, { stateMachineArn }), 'StateMachineDoesNotExist')
      // The finished execution stays readable.
      expect(
        await describeExecution(h.ctx, {
          executionArn: `arn:aws:states:${REGION}:${ACCOUNT}:execution:${name}:done`,
        }),
      ).toMatchObject({ status: 'SUCCEEDED' })
      // Deleting again, or something that never existed, succeeds (AWS has no DoesNotExist here).
      expect(await deleteStateMachine(h.ctx, { stateMachineArn })).toEqual({})
      expect(
        await deleteStateMachine(h.ctx, { stateMachineArn: arnOf(uniqueName('never')) }),
      ).toEqual({})

      const again = await createStateMachine(h.ctx, { name, definition: WARNING_ONLY })
      expect(again.stateMachineArn).toBe(stateMachineArn)
      const d = await describeStateMachine(h.ctx, { stateMachineArn })
      expect(d).toMatchObject({ status: 'ACTIVE', definition: WARNING_ONLY, revisionId: '2' })
    })

    it('lets running executions finish: DELETING until they have, then gone', async () => {
      const name = uniqueName('deleting')
      const { stateMachineArn } = await createStateMachine(h.ctx, { name, definition: PARKED })
      const running = await startExecution(h.ctx, { stateMachineArn, name: 'running' })
      await deleteStateMachine(h.ctx, { stateMachineArn })

      expect(await describeStateMachine(h.ctx, { stateMachineArn })).toMatchObject({
        status: 'DELETING',
      })
      expect(
        (await listStateMachines(h.ctx, { maxResults: 1000 })).stateMachines.map((m) => m.name),
      ).not.toContain(name)
      await expectCode(startExecution(h.ctx, { stateMachineArn }), 'StateMachineDeleting')
      await expectCode(
        updateStateMachine(h.ctx, { stateMachineArn, definition: PASS }),
        'StateMachineDeleting',
      )
      await expectCode(
        createStateMachine(h.ctx, { name, definition: PARKED }),
        'StateMachineDeleting',
      )
      expect((await listExecutions(h.ctx, { stateMachineArn })).executions).toHaveLength(1)
      expect((await describeExecution(h.ctx, running)).status).toBe('RUNNING')

      await stopExecution(h.ctx, running)
      await expectCode(describeStateMachine(h.ctx, { stateMachineArn }), 'StateMachineDoesNotExist')
      expect((await describeExecution(h.ctx, running)).status).toBe('ABORTED')
      expect(
        await describeStateMachineForExecution(h.ctx, { executionArn: running.executionArn }),
      ).toMatchObject({ definition: PARKED, revisionId: '1' })
    })

    it('refuses a malformed ARN (InvalidArn) and a version ARN (ValidationException)', async () => {
      await expectCode(deleteStateMachine(h.ctx, { stateMachineArn: 'nope' }), 'InvalidArn')
      await expectCode(
        deleteStateMachine(h.ctx, { stateMachineArn: `${arnOf('m')}:1` }),
        'ValidationException',
      )
    })
  })

  describe('validateStateMachineDefinition', () => {
    it('answers OK, or FAIL with every diagnostic, and saves nothing', async () => {
      const before = await listStateMachines(h.ctx, { maxResults: 1000 })
      expect(validateStateMachineDefinition({ definition: PASS })).toEqual({
        result: 'OK',
        diagnostics: [],
        truncated: false,
      })
      const failed = validateStateMachineDefinition({ definition: BROKEN })
      expect(failed.result).toBe('FAIL')
      expect(failed.truncated).toBe(false)
      expect(failed.diagnostics.map((d) => [d.severity, d.code, d.location])).toEqual([
        ['ERROR', 'MISSING_TRANSITION_TARGET', '/States/P/Next'],
        ['ERROR', 'MISSING_END_STATE', ''],
      ])
      expect(validateStateMachineDefinition({ definition: '{nope' }).result).toBe('FAIL')
      expect(await listStateMachines(h.ctx, { maxResults: 1000 })).toEqual(before)
    })

    it('lists warnings only when asked (AWS: severity ERROR by default), and truncates', () => {
      expect(validateStateMachineDefinition({ definition: WARNING_ONLY })).toEqual({
        result: 'OK',
        diagnostics: [],
        truncated: false,
      })
      const warned = validateStateMachineDefinition({
        definition: WARNING_ONLY,
        severity: 'WARNING',
      })
      expect(warned.result).toBe('OK')
      expect(warned.diagnostics).toEqual([
        expect.objectContaining({ severity: 'WARNING', code: 'NO_DOLLAR' }),
      ])
      const truncated = validateStateMachineDefinition({ definition: BROKEN, maxResults: 1 })
      expect(truncated).toMatchObject({ result: 'FAIL', truncated: true })
      expect(truncated.diagnostics).toHaveLength(1)
    })

    it('refuses a malformed request: ValidationException', () => {
      for (const request of [
        { definition: undefined as unknown as string },
        { definition: PASS, severity: 'INFO' as 'ERROR' },
        { definition: PASS, type: 'FAST' as 'STANDARD' },
        { definition: PASS, maxResults: 101 },
      ]) {
        expect(() => validateStateMachineDefinition(request)).toThrow(
          expect.objectContaining({ code: 'ValidationException' }),
        )
      }
    })
  })
})
