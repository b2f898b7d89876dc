// Generated malformed requests against every route of both doors. Each must be answered 4xx with
// a message that names the problem; the server must stay up and store nothing.
import type { InjectOptions } from 'fastify'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { openApiHarness, tableCounts, type ApiHarness } from '../../helpers/api.js'
import { describeEachBackend } from '../../helpers/database.js'
import { PARKED, PASS, uniqueName } from '../../helpers/service.js'

interface Case {
  readonly label: string
  readonly request: InjectOptions
}

const BAD_JSON = [
  '{',
  '{"name":',
  '{"name" "x"}',
  "{'name':'x'}",
  '{"name":"x",}',
  '[1,',
  'nul',
  '{"a":NaN}',
  '{"a":undefined}',
  '\u0000',
]
const NOT_OBJECTS = ['[]', '"text"', '42', 'null', 'true']
const WRONG_STRING_VALUES: readonly unknown[] = [42, true, [], { a: 1 }]
const WRONG_INTEGER_VALUES: readonly unknown[] = ['5', 1.5, true, [1]]
const WRONG_BOOLEAN_VALUES: readonly unknown[] = ['true', 1, {}]
const BAD_NAMES = ['a%20b', 'a%09b', 'x'.repeat(81), 'a:b', '%3Cscript%3E', 'a%22b', 'a%23b']

function deep(levels: number): unknown {
  let value: unknown = 1
  for (let i = 0; i < levels; i++) value = { d: value }
  return value
}

/** The ways a JSON body can be malformed, around a body that would be valid. */
function bodyCases(
  method: 'POST' | 'PUT' | 'DELETE',
  url: string,
  valid: Record<string, unknown>,
  fields: Record<string, 'string' | 'integer' | 'boolean' | 'any'>,
  headers: Record<string, string> = {},
  contentType = 'application/json',
): Case[] {
  const cases: Case[] = []
  const at = (label: string, payload: string, type = contentType): Case => ({
    label: `${method} ${url} ${headers['x-amz-target'] ?? ''} ${label}`,
    request: { method, url, headers: { ...headers, 'content-type': type }, payload },
  })
  for (const text of BAD_JSON) cases.push(at(`malformed JSON ${JSON.stringify(text)}`, text))
  for (const text of NOT_OBJECTS) cases.push(at(`not an object ${text}`, text))
  cases.push(
    at('__proto__ key', `{"__proto__":{"polluted":true},${JSON.stringify(valid).slice(1)}`),
  )
  cases.push(
    at(
      'nested __proto__',
      JSON.stringify({ ...valid, x: 1 }).replace('"x":1', '"x":{"__proto__":{"p":1}}'),
    ),
  )
  cases.push(
    at('constructor key', JSON.stringify({ ...valid, constructor: { prototype: { p: 1 } } })),
  )
  cases.push(at('deep nesting', JSON.stringify({ ...valid, deep: deep(400) })))
  for (const [field, type] of Object.entries(fields)) {
    const wrong =
      type === 'string'
        ? WRONG_STRING_VALUES
        : type === 'integer'
          ? WRONG_INTEGER_VALUES
          : type === 'boolean'
            ? WRONG_BOOLEAN_VALUES
            : []
    for (const value of wrong) {
      cases.push(
        at(`${field}=${JSON.stringify(value)}`, JSON.stringify({ ...valid, [field]: value })),
      )
    }
  }
  cases.push(at('text/plain', JSON.stringify(valid), 'text/plain'))
  cases.push(at('application/xml', '<a/>', 'application/xml'))
  cases.push(at('over the body limit', JSON.stringify({ ...valid, pad: 'x'.repeat(1024 * 1024) })))
  return cases
}

describeEachBackend('bad input', (backend) => {
  let api: ApiHarness
  let machine: string
  let machineArn: string
  let executionArn: string
  const execution = 'parked'

  beforeAll(async () => {
    api = await openApiHarness(backend)
    machine = uniqueName('fuzz')
    machineArn = api.engine.stateMachineArn(machine)
    executionArn = api.engine.executionArn(machine, execution)
    const created = await api.app.inject({
      method: 'POST',
      url: '/v1/state-machines',
      payload: { name: machine, definition: JSON.parse(PARKED) },
    })
    expect(created.statusCode).toBe(201)
    const started = await api.app.inject({
      method: 'POST',
      url: `/v1/state-machines/${machine}/executions`,
      payload: { name: execution },
    })
    expect(started.statusCode).toBe(201)
  })
  afterAll(async () => {
    await api.close()
  })

  function restCases(): Case[] {
    const definition = JSON.parse(PASS) as object
    const exec = `/v1/state-machines/${machine}/executions/${execution}`
    const cases: Case[] = [
      ...bodyCases(
        'POST',
        '/v1/state-machines',
        { name: uniqueName('never'), definition },
        { name: 'string', roleArn: 'string', type: 'string' },
      ),
      ...bodyCases('PUT', `/v1/state-machines/${machine}`, { definition }, { roleArn: 'string' }),
      ...bodyCases(
        'POST',
        '/v1/validate',
        { definition },
        { severity: 'string', type: 'string', maxResults: 'integer' },
      ),
      ...bodyCases(
        'POST',
        `/v1/state-machines/${machine}/executions`,
        { name: uniqueName('never') },
        { name: 'string', input: 'any' },
      ),
      ...bodyCases('POST', `${exec}/stop`, { error: 'E' }, { error: 'string', cause: 'string' }),
    ]
    const more: [string, InjectOptions['method'], string, unknown?][] = [
      ['unknown field', 'POST', '/v1/state-machines', { name: 'x', definition, extra: 1 }],
      ['missing name', 'POST', '/v1/state-machines', { definition }],
      ['missing definition', 'POST', '/v1/state-machines', { name: 'x' }],
      ['definition not ASL', 'POST', '/v1/state-machines', { name: 'x', definition: { a: 1 } }],
      ['definition text not JSON', 'POST', '/v1/state-machines', { name: 'x', definition: '{' }],
      ['bad type enum', 'POST', '/v1/state-machines', { name: 'x', definition, type: 'FAST' }],
      ['bad role', 'POST', '/v1/state-machines', { name: 'x', definition, roleArn: 'role' }],
      ['empty update', 'PUT', `/v1/state-machines/${machine}`, {}],
      ['update of nothing', 'PUT', '/v1/state-machines/none-here', { definition }],
      [
        'input too large',
        'POST',
        `/v1/state-machines/${machine}/executions`,
        { input: 'x'.repeat(300_000) },
      ],
      ['start on nothing', 'POST', '/v1/state-machines/none-here/executions', {}],
      ['error too long', 'POST', `${exec}/stop`, { error: 'e'.repeat(300) }],
      ['NUL in cause', 'POST', `${exec}/stop`, { cause: 'a\u0000b' }],
      ['validate maxResults 101', 'POST', '/v1/validate', { definition, maxResults: 101 }],
      ['validate missing definition', 'POST', '/v1/validate', {}],
    ]
    for (const [label, method, url, payload] of more) {
      cases.push({
        label: `${method} ${url} ${label}`,
        request: { method, url, payload: payload as object },
      })
    }
    const queries: [string, string][] = [
      ['/v1/state-machines', 'maxResults=-1'],
      ['/v1/state-machines', 'maxResults=1001'],
      ['/v1/state-machines', 'maxResults=abc'],
      ['/v1/state-machines', 'maxResults=1.5'],
      ['/v1/state-machines', 'nextToken=garbage'],
      ['/v1/state-machines', `nextToken=${'x'.repeat(2000)}`],
      ['/v1/state-machines', 'unknown=1'],
      [`/v1/state-machines/${machine}/executions`, 'status=DONE'],
      [`/v1/state-machines/${machine}/executions`, 'status=running'],
      [`/v1/state-machines/${machine}/executions`, 'maxResults=0.5'],
      [`/v1/state-machines/${machine}/executions`, 'nextToken=eyJrIjoiaGlzdG9yeSJ9'],
      [`${exec}/history`, 'reverseOrder=maybe'],
      [`${exec}/history`, 'includeExecutionData=2'],
      [`${exec}/history`, 'maxResults=5000'],
      [`${exec}/history`, 'nextToken=%00'],
    ]
    for (const [url, query] of queries) {
      cases.push({
        label: `GET ${url}?${query}`,
        request: { method: 'GET', url: `${url}?${query}` },
      })
    }
    for (const name of BAD_NAMES) {
      for (const url of [
        `/v1/state-machines/${name}`,
        `/v1/state-machines/${name}/executions`,
        `/v1/state-machines/${machine}/executions/${name}`,
        `/v1/state-machines/${machine}/executions/${name}/history`,
        `/v1/state-machines/${name}/executions/${execution}/definition`,
      ]) {
        cases.push({ label: `GET ${url}`, request: { method: 'GET', url } })
      }
      cases.push({
        label: `DELETE bad name ${name}`,
        request: { method: 'DELETE', url: `/v1/state-machines/${name}` },
      })
    }
    for (const [method, url] of [
      ['PATCH', `/v1/state-machines/${machine}`],
      ['GET', '/v1/executions'],
      ['GET', '/v1'],
      ['POST', '/v1/state-machines/x/y/z'],
    ] as const) {
      cases.push({ label: `${method} ${url} (no route)`, request: { method, url } })
    }
    return cases
  }

  function awsCases(): Case[] {
    const definition = PASS
    const actions: [
      string,
      Record<string, unknown>,
      Record<string, 'string' | 'integer' | 'boolean'>,
    ][] = [
      [
        'CreateStateMachine',
        { name: uniqueName('never'), definition },
        { name: 'string', definition: 'string', roleArn: 'string', type: 'string' },
      ],
      [
        'DescribeStateMachine',
        { stateMachineArn: machineArn },
        { stateMachineArn: 'string', includedData: 'string' },
      ],
      [
        'UpdateStateMachine',
        { stateMachineArn: machineArn, definition },
        { stateMachineArn: 'string', definition: 'string', roleArn: 'string' },
      ],
      ['DeleteStateMachine', { stateMachineArn: machineArn }, { stateMachineArn: 'string' }],
      ['ListStateMachines', {}, { maxResults: 'integer', nextToken: 'string' }],
      [
        'ValidateStateMachineDefinition',
        { definition },
        { definition: 'string', maxResults: 'integer' },
      ],
      [
        'StartExecution',
        { stateMachineArn: machineArn, name: uniqueName('never') },
        { stateMachineArn: 'string', name: 'string', input: 'string' },
      ],
      [
        'StartSyncExecution',
        { stateMachineArn: machineArn, name: uniqueName('never') },
        { stateMachineArn: 'string', name: 'string', input: 'string' },
      ],
      ['DescribeExecution', { executionArn }, { executionArn: 'string' }],
      [
        'ListExecutions',
        { stateMachineArn: machineArn },
        {
          stateMachineArn: 'string',
          statusFilter: 'string',
          maxResults: 'integer',
          nextToken: 'string',
        },
      ],
      [
        'StopExecution',
        { executionArn, error: 'E' },
        { executionArn: 'string', error: 'string', cause: 'string' },
      ],
      [
        'GetExecutionHistory',
        { executionArn },
        {
          executionArn: 'string',
          maxResults: 'integer',
          nextToken: 'string',
          reverseOrder: 'boolean',
          includeExecutionData: 'boolean',
        },
      ],
      ['DescribeStateMachineForExecution', { executionArn }, { executionArn: 'string' }],
    ]
    const cases: Case[] = []
    for (const [action, valid, fields] of actions) {
      const headers = { 'x-amz-target': `AWSStepFunctions.${action}` }
      // Not the 11 whole-body variants for every action: the door parses before dispatching.
      cases.push(
        ...bodyCases('POST', '/', valid, fields, headers, 'application/x-amz-json-1.0').filter(
          (c, i) => i % 3 === 0 || !/malformed|not an object/.test(c.label),
        ),
      )
      const arnField = Object.keys(valid).find((k) => k.endsWith('Arn'))
      if (arnField) {
        for (const arn of [
          'x',
          'arn:aws:states:us-east-1:1:stateMachine',
          `arn:${'x'.repeat(300)}`,
          'arn:aws:states:us-east-1:123456789012:activity:a',
        ]) {
          cases.push({
            label: `${action} ${arnField}=${arn.slice(0, 40)}`,
            request: {
              method: 'POST',
              url: '/',
              headers: { ...headers, 'content-type': 'application/x-amz-json-1.0' },
              payload: JSON.stringify({ ...valid, [arnField]: arn }),
            },
          })
        }
        cases.push({
          label: `${action} missing ${arnField}`,
          request: {
            method: 'POST',
            url: '/',
            headers: { ...headers, 'content-type': 'application/x-amz-json-1.0' },
            payload: JSON.stringify({ ...valid, [arnField]: null }),
          },
        })
      }
    }
    for (const target of [
      'AWSStepFunctions.Nope',
      'AWSStepFunctions.',
      'Other.ListStateMachines',
      'awsstepfunctions.ListStateMachines',
      'AWSStepFunctions.__proto__',
      'AWSStepFunctions.constructor',
      'AWSStepFunctions.GetActivityTask',
    ]) {
      cases.push({
        label: `target ${target}`,
        request: {
          method: 'POST',
          url: '/',
          headers: { 'x-amz-target': target, 'content-type': 'application/x-amz-json-1.0' },
          payload: '{}',
        },
      })
    }
    cases.push({
      label: 'no target',
      request: {
        method: 'POST',
        url: '/',
        headers: { 'content-type': 'application/x-amz-json-1.0' },
        payload: '{}',
      },
    })
    const start = {
      'x-amz-target': 'AWSStepFunctions.StartExecution',
      'content-type': 'application/x-amz-json-1.0',
    }
    for (const input of [
      '{',
      '[1,',
      '{"__proto__":{"x":1}}',
      '{"constructor":1}',
      JSON.stringify(deep(300)),
      'x'.repeat(300_000),
    ]) {
      cases.push({
        label: `StartExecution input ${input.slice(0, 30)}`,
        request: {
          method: 'POST',
          url: '/',
          headers: start,
          payload: JSON.stringify({ stateMachineArn: machineArn, input }),
        },
      })
    }
    for (const name of ['a b', '', 'x'.repeat(81), 'a:b', 'a\u0000b', '\ud800']) {
      cases.push({
        label: `StartExecution name ${JSON.stringify(name.slice(0, 20))}`,
        request: {
          method: 'POST',
          url: '/',
          headers: start,
          payload: JSON.stringify({ stateMachineArn: machineArn, name }),
        },
      })
    }
    return cases
  }

  it('answers at least 200 malformed requests 4xx with a message, stores nothing and stays up', async () => {
    const cases = [...restCases(), ...awsCases()]
    expect(cases.length).toBeGreaterThanOrEqual(200)
    const before = await tableCounts(api)
    const failures: string[] = []
    const summary: Record<string, number> = {}
    for (const c of cases) {
      const res = await api.app.inject(c.request)
      let message: unknown
      let code: unknown
      try {
        const body = res.json<{ message?: unknown; code?: unknown; __type?: unknown }>()
        message = body.message
        code = body.code ?? body.__type
      } catch {
        message = undefined
      }
      const key = `${res.statusCode} ${String(code)}`
      summary[key] = (summary[key] ?? 0) + 1
      if (
        res.statusCode < 400 ||
        res.statusCode >= 500 ||
        typeof message !== 'string' ||
        message === ''
      ) {
        failures.push(`${c.label}: ${res.statusCode} ${res.body.slice(0, 200)}`)
      }
    }
    // Which answers the cases got, by status and code (FUZZ_DEBUG=1 prints them).
    if (process.env['FUZZ_DEBUG']) console.log(cases.length, summary)
    expect(failures).toEqual([])
    expect(await tableCounts(api)).toEqual(before)
    const d = await api.app.inject({
      method: 'GET',
      url: `/v1/state-machines/${machine}/executions/${execution}`,
    })
    expect(d.json()).toMatchObject({ status: 'RUNNING' })
    expect((await api.app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200)
    expect(Object.prototype).not.toHaveProperty('polluted')
    expect(Object.prototype).not.toHaveProperty('p')
  })
})
