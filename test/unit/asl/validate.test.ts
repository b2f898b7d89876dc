import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  isValidDefinition,
  validateDefinition,
  type ValidationIssue,
} from '../../../engine/asl/validate/index.js'

type Json = null | boolean | number | string | Json[] | { [key: string]: Json }
type Obj = { [key: string]: Json }

const LAMBDA = 'arn:aws:lambda:us-east-1:000000000000:function:identity'

/** A machine whose first state is the start. */
function machine(states: Obj, top: Obj = {}): Obj {
  return { StartAt: Object.keys(states)[0] ?? 'A', States: states, ...top }
}

/** One state `A`, plus a terminal `Done` when `A` mentions it. */
function one(state: Obj, top: Obj = {}): Obj {
  const states: Obj = { A: state }
  if (JSON.stringify(state).includes('"Done"')) states['Done'] = { Type: 'Succeed' }
  return machine(states, top)
}

const task = (extra: Obj = {}): Obj => ({ Type: 'Task', Resource: LAMBDA, End: true, ...extra })
const choice = (choices: Json, extra: Obj = {}): Obj => ({
  Type: 'Choice',
  Choices: choices,
  Default: 'Done',
  ...extra,
})
const rule = (r: Obj): Obj => ({ Variable: '$.x', Next: 'Done', ...r })
const inline = (states: Obj = { I: { Type: 'Pass', End: true } }): Obj => ({
  ProcessorConfig: { Mode: 'INLINE' },
  StartAt: Object.keys(states)[0] ?? 'I',
  States: states,
})
const map = (extra: Obj = {}): Obj => ({
  Type: 'Map',
  ItemProcessor: inline(),
  End: true,
  ...extra,
})
const parallel = (branches: Json, extra: Obj = {}): Obj => ({
  Type: 'Parallel',
  Branches: branches,
  End: true,
  ...extra,
})
const branch = (states: Obj): Obj => ({ StartAt: Object.keys(states)[0] ?? 'X', States: states })
/** The state, going to `next` instead of ending. */
function goto(state: Obj, next: string): Obj {
  const { End: _end, ...rest } = state
  return { ...rest, Next: next }
}

interface Case {
  readonly rule: string
  readonly definition: unknown
  readonly code: string
  readonly location: string
  readonly severity?: 'ERROR' | 'WARNING'
  /** Other (code location) pairs this broken definition legitimately also produces. */
  readonly also?: readonly string[]
}

const cyclic: Obj = one({ Type: 'Pass', End: true })
;(cyclic['States'] as Obj)['self'] = cyclic

function nested(depth: number): Json {
  let v: Json = 1
  for (let i = 0; i < depth; i++) v = [v]
  return v
}

const CASES: readonly Case[] = [
  // The input itself
  { rule: 'null definition', definition: null, code: 'MISSING_DESCRIPTION', location: '' },
  { rule: 'empty text', definition: '  ', code: 'MISSING_DESCRIPTION', location: '' },
  {
    rule: 'text that is not JSON',
    definition: '{"StartAt": ',
    code: 'INVALID_JSON_DESCRIPTION',
    location: '',
  },
  { rule: 'an array', definition: [], code: 'SCHEMA_VALIDATION_FAILED', location: '' },
  {
    rule: 'JSON text of a number',
    definition: '42',
    code: 'SCHEMA_VALIDATION_FAILED',
    location: '',
  },
  {
    rule: 'a cycle',
    definition: cyclic,
    code: 'INVALID_JSON_DESCRIPTION',
    location: '/States/self',
  },
  {
    rule: 'a function value',
    definition: one({ Type: 'Pass', End: true, Result: (() => 1) as unknown as Json }),
    code: 'INVALID_JSON_DESCRIPTION',
    location: '/States/A/Result',
  },
  {
    rule: 'NaN is not JSON',
    definition: one({ Type: 'Wait', Seconds: Number.NaN, End: true }),
    code: 'INVALID_JSON_DESCRIPTION',
    location: '/States/A/Seconds',
  },
  {
    rule: 'definition over 1,048,576 characters',
    definition: one({ Type: 'Pass', End: true, Result: 'x'.repeat(1_048_576) }),
    code: 'DEFINITION_TOO_LARGE',
    location: '',
  },
  {
    rule: 'JSON nested too deeply',
    definition: one({ Type: 'Pass', End: true, Result: nested(300) }),
    code: 'TOO_DEEPLY_NESTED',
    location: '',
  },
  {
    rule: 'duplicate state name in the JSON text',
    definition: '{"StartAt":"A","States":{"A":{"Type":"Pass","End":true},"A":{"Type":"Succeed"}}}',
    code: 'DUPLICATE_STATE_NAME',
    location: '/States/A',
  },
  {
    rule: 'duplicate state name in the JSON text of a branch',
    definition:
      '{"StartAt":"P","States":{"P":{"Type":"Parallel","End":true,"Branches":[' +
      '{"StartAt":"X","States":{"X":{"Type":"Succeed"},"X":{"Type":"Succeed"}}}]}}}',
    code: 'DUPLICATE_STATE_NAME',
    location: '/States/P/Branches/0/States/X',
  },
  {
    rule: 'a Parameters key named States is not a States object',
    definition:
      '{"StartAt":"A","States":{"A":{"Type":"Pass","End":true,"Parameters":{"States":{"k":1,"k":2}}}}}',
    code: 'SCHEMA_VALIDATION_FAILED',
    location: '/States/A/Parameters/States/k',
  },
  {
    rule: 'duplicate field in the JSON text',
    definition: '{"StartAt":"A","States":{"A":{"Type":"Pass","End":true,"End":true}}}',
    code: 'SCHEMA_VALIDATION_FAILED',
    location: '/States/A/End',
  },

  // Top level
  {
    rule: 'StartAt is required',
    definition: { States: { A: { Type: 'Succeed' } } },
    code: 'SCHEMA_VALIDATION_FAILED',
    location: '',
  },
  {
    rule: 'States is required',
    definition: { StartAt: 'A' },
    code: 'SCHEMA_VALIDATION_FAILED',
    location: '',
  },
  {
    rule: 'States must not be empty',
    definition: { StartAt: 'A', States: {} },
    code: 'SCHEMA_VALIDATION_FAILED',
    location: '/States',
  },
  {
    rule: 'unknown top-level field',
    definition: one({ Type: 'Pass', End: true }, { Foo: 1 }),
    code: 'SCHEMA_VALIDATION_FAILED',
    location: '/Foo',
  },
  {
    rule: "Version is '1.0'",
    definition: one({ Type: 'Pass', End: true }, { Version: '2.0' }),
    code: 'SCHEMA_VALIDATION_FAILED',
    location: '/Version',
  },
  {
    rule: 'top-level QueryLanguage is JSONPath or JSONata',
    definition: one({ Type: 'Pass', End: true }, { QueryLanguage: 'XPath' }),
    code: 'SCHEMA_VALIDATION_FAILED',
    location: '/QueryLanguage',
  },
  {
    rule: 'top-level TimeoutSeconds is a positive integer',
    definition: one({ Type: 'Pass', End: true }, { TimeoutSeconds: 0 }),
    code: 'SCHEMA_VALIDATION_FAILED',
    location: '/TimeoutSeconds',
  },
  {
    rule: 'StartAt names a state',
    definition: { StartAt: 'Nope', States: { A: { Type: 'Succeed' } } },
    code: 'MISSING_TRANSITION_TARGET',
    location: '/StartAt',
  },

  // Any state
  {
    rule: 'a state is an object',
    definition: machine({ A: { Type: 'Pass', Next: 'B' }, B: 'Succeed' }),
    code: 'SCHEMA_VALIDATION_FAILED',
    location: '/States/B',
    also: ['MISSING_END_STATE '],
  },
  {
    rule: 'Type is required',
    definition: machine({
      A: { Type: 'Pass', Next: 'B' },
      B: { End: true },
      C: { Type: 'Succeed' },
    }),
    code: 'SCHEMA_VALIDATION_FAILED',
    location: '/States/B',
    also: ['MISSING_TRANSITION_TARGET /States/C'],
  },
  {
    rule: 'Type is a state type',
    definition: one({ Type: 'Sleep', End: true }),
    code: 'SCHEMA_VALIDATION_FAILED',
    location: '/States/A/Type',
  },
  {
    rule: 'unknown state field',
    definition: one({ Type: 'Pass', End: true, Foo: 1 }),
    code: 'SCHEMA_VALIDATION_FAILED',
    location: '/States/A/Foo',
  },
  {
    rule: 'Comment is a string',
    definition: one({ Type: 'Pass', End: true, Comment: 5 }),
    code: 'SCHEMA_VALIDATION_FAILED',
    location: '/States/A/Comment',
  },
  {
    rule: 'state QueryLanguage is JSONPath or JSONata',
    definition: one({ Type: 'Pass', End: true, QueryLanguage: 'jsonata' }),
    code: 'SCHEMA_VALIDATION_FAILED',
    location: '/States/A/QueryLanguage',
  },
  {
    rule: 'state name of at most 80 characters',
    definition: machine({ ['S'.repeat(81)]: { Type: 'Succeed' } }),
    code: 'INVALID_STATE_NAME',
    location: `/States/${'S'.repeat(81)}`,
  },
  {
    rule: 'state name without control characters',
    definition: machine({ 'A\u0001': { Type: 'Succeed' } }),
    code: 'INVALID_STATE_NAME',
    location: '/States/A\u0001',
  },
  {
    rule: 'state names unique across scopes',
    definition: machine({
      P: goto(parallel([branch({ Done: { Type: 'Succeed' } })]), 'Done'),
      Done: { Type: 'Succeed' },
    }),
    code: 'DUPLICATE_STATE_NAME',
    location: '/States/Done',
  },

  // Transitions and the graph
  {
    rule: 'Next names a state',
    definition: one({ Type: 'Pass', Next: 'Nope' }),
    code: 'MISSING_TRANSITION_TARGET',
    location: '/States/A/Next',
    also: ['MISSING_END_STATE '],
  },
  {
    rule: 'Choice Default names a state',
    definition: one(choice([rule({ IsPresent: true })], { Default: 'Nope' })),
    code: 'MISSING_TRANSITION_TARGET',
    location: '/States/A/Default',
  },
  {
    rule: 'Choice rule Next names a state',
    definition: one(choice([rule({ IsPresent: true, Next: 'Nope' })])),
    code: 'MISSING_TRANSITION_TARGET',
    location: '/States/A/Choices/0/Next',
  },
  {
    rule: 'Catch Next names a state',
    definition: one(task({ Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Nope' }] })),
    code: 'MISSING_TRANSITION_TARGET',
    location: '/States/A/Catch/0/Next',
  },
  {
    rule: 'Next and End are exclusive',
    definition: one({ Type: 'Pass', Next: 'Done', End: true }),
    code: 'SCHEMA_VALIDATION_FAILED',
    location: '/States/A',
  },
  {
    rule: 'a non-terminal state needs Next or End',
    definition: one({ Type: 'Pass' }),
    code: 'SCHEMA_VALIDATION_FAILED',
    location: '/States/A',
    also: ['MISSING_END_STATE '],
  },
  {
    rule: '"End": false is not an end',
    definition: one({ Type: 'Pass', End: false }),
    code: 'SCHEMA_VALIDATION_FAILED',
    location: '/States/A',
    also: ['MISSING_END_STATE '],
  },
  {
    rule: 'Choice has no Next',
    definition: one(choice([rule({ IsPresent: true })], { Next: 'Done' })),
    code: 'SCHEMA_VALIDATION_FAILED',
    location: '/States/A/Next',
  },
  {
    rule: 'Succeed has no End',
    definition: machine({ A: { Type: 'Succeed', End: true } }),
    code: 'SCHEMA_VALIDATION_FAILED',
    location: '/States/A/End',
  },
  {
    rule: 'every state is reachable',
    definition: machine({ A: { Type: 'Pass', End: true }, B: { Type: 'Pass', End: true } }),
    code: 'MISSING_TRANSITION_TARGET',
    location: '/States/B',
  },
  {
    rule: 'the machine has a terminal state',
    definition: machine({ A: { Type: 'Pass', Next: 'B' }, B: { Type: 'Pass', Next: 'A' } }),
    code: 'MISSING_END_STATE',
    location: '',
  },
  {
    rule: 'a Parallel branch has a terminal state',
    definition: one(
      parallel([branch({ X: { Type: 'Pass', Next: 'Y' }, Y: { Type: 'Pass', Next: 'X' } })]),
    ),
    code: 'MISSING_END_STATE',
    location: '/States/A/Branches/0',
  },
  {
    rule: 'a branch cannot go to an outer state',
    definition: machine({
      P: goto(
        parallel([branch({ X: { Type: 'Pass', Next: 'Out' }, Y: { Type: 'Succeed' } })]),
        'Out',
      ),
      Out: { Type: 'Succeed' },
    }),
    code: 'MISSING_TRANSITION_TARGET',
    location: '/States/P/Branches/0/States/X/Next',
    also: ['MISSING_TRANSITION_TARGET /States/P/Branches/0/States/Y'],
  },
  {
    rule: 'every state of a Map processor is reachable',
    definition: one(
      map({ ItemProcessor: inline({ I: { Type: 'Succeed' }, J: { Type: 'Succeed' } }) }),
    ),
    code: 'MISSING_TRANSITION_TARGET',
    location: '/States/A/ItemProcessor/States/J',
  },
  {
    rule: 'nested Map inside a Parallel is checked with its full location',
    definition: one(
      parallel([
        branch({ M: map({ ItemProcessor: inline({ I: { Type: 'Pass', Next: 'Nope' } }) }) }),
      ]),
    ),
    code: 'MISSING_TRANSITION_TARGET',
    location: '/States/A/Branches/0/States/M/ItemProcessor/States/I/Next',
    also: ['MISSING_END_STATE /States/A/Branches/0/States/M/ItemProcessor'],
  },

  // Task
  {
    rule: 'Task Resource is required',
    definition: one({ Type: 'Task', End: true }),
    code: 'SCHEMA_VALIDATION_FAILED',
    location: '/States/A',
  },
  {
    rule: 'Task Resource is an ARN',
    definition: one(task({ Resource: 'my-function' })),
    code: 'INVALID_RESOURCE',
    location: '/States/A/Resource',
  },
  {
    rule: 'TimeoutSeconds is positive',
    definition: one(task({ TimeoutSeconds: 0 })),
    code: 'SCHEMA_VALIDATION_FAILED',
    location: '/States/A/TimeoutSeconds',
  },
  {
    rule: 'TimeoutSeconds is an integer',
    definition: one(task({ TimeoutSeconds: 1.5 })),
    code: 'SCHEMA_VALIDATION_FAILED',
    location: '/States/A/TimeoutSeconds',
  },
  {
    rule: 'TimeoutSeconds at most 99999999',
    definition: one(task({ TimeoutSeconds: 100_000_000 })),
    code: 'SCHEMA_VALIDATION_FAILED',
    location: '/States/A/TimeoutSeconds',
  },
  {
    rule: 'TimeoutSeconds and TimeoutSecondsPath are exclusive',
    definition: one(task({ TimeoutSeconds: 5, TimeoutSecondsPath: '$.t' })),
    code: 'SCHEMA_VALIDATION_FAILED',
    location: '/States/A/TimeoutSeconds',
  },
  {
    rule: 'HeartbeatSeconds and HeartbeatSecondsPath are exclusive',
    definition: one(task({ HeartbeatSeconds: 5, HeartbeatSecondsPath: '$.h' })),
    code: 'SCHEMA_VALIDATION_FAILED',
    location: '/States/A/HeartbeatSeconds',
  },
  {
    rule: 'HeartbeatSeconds is less than TimeoutSeconds',
    definition: one(task({ TimeoutSeconds: 10, HeartbeatSeconds: 10 })),
    code: 'SCHEMA_VALIDATION_FAILED',
    location: '/States/A/HeartbeatSeconds',
  },
  {
    rule: 'TimeoutSecondsPath selects one value',
    definition: one(task({ TimeoutSecondsPath: '$.t[*]' })),
    code: 'SCHEMA_VALIDATION_FAILED',
    location: '/States/A/TimeoutSecondsPath',
  },
  {
    rule: 'Result only in Pass',
    definition: one(task({ Result: 1 })),
    code: 'SCHEMA_VALIDATION_FAILED',
    location: '/States/A/Result',
  },
  {
    rule: 'Credentials has one of RoleArn and RoleArn.$',
    definition: one(
      task({ Credentials: { RoleArn: 'arn:aws:iam::1:role/r', 'RoleArn.$': '$.r' } }),
    ),
    code: 'SCHEMA_VALIDATION_FAILED',
    location: '/States/A/Credentials',
  },

  // Retry and Catch
  {
    rule: 'ErrorEquals is non-empty',
    definition: one(task({ Retry: [{ ErrorEquals: [] }] })),
    code: 'SCHEMA_VALIDATION_FAILED',
    location: '/States/A/Retry/0/ErrorEquals',
  },
  {
    rule: 'ErrorEquals is required',
    definition: one(task({ Retry: [{ MaxAttempts: 1 }] })),
    code: 'SCHEMA_VALIDATION_FAILED',
    location: '/States/A/Retry/0',
  },
  {
    rule: 'States.ALL appears alone',
    definition: one(task({ Retry: [{ ErrorEquals: ['States.ALL', 'States.Timeout'] }] })),
    code: 'SCHEMA_VALIDATION_FAILED',
    location: '/States/A/Retry/0/ErrorEquals',
  },
  {
    rule: 'States.ALL is in the last retrier',
    definition: one(
      task({ Retry: [{ ErrorEquals: ['States.ALL'] }, { ErrorEquals: ['States.Timeout'] }] }),
    ),
    code: 'SCHEMA_VALIDATION_FAILED',
    location: '/States/A/Retry/0/ErrorEquals',
  },
  {
    rule: 'States.ALL is in the last catcher',
    definition: one(
      task({
        Catch: [
          { ErrorEquals: ['States.ALL'], Next: 'Done' },
          { ErrorEquals: ['States.Timeout'], Next: 'Done' },
        ],
      }),
    ),
    code: 'SCHEMA_VALIDATION_FAILED',
    location: '/States/A/Catch/0/ErrorEquals',
  },
  {
    rule: 'MaxAttempts is not negative',
    definition: one(task({ Retry: [{ ErrorEquals: ['X'], MaxAttempts: -1 }] })),
    code: 'SCHEMA_VALIDATION_FAILED',
    location: '/States/A/Retry/0/MaxAttempts',
  },
  {
    rule: 'IntervalSeconds is at least 1',
    definition: one(task({ Retry: [{ ErrorEquals: ['X'], IntervalSeconds: 0 }] })),
    code: 'SCHEMA_VALIDATION_FAILED',
    location: '/States/A/Retry/0/IntervalSeconds',
  },
  {
    rule: 'BackoffRate is at least 1',
    definition: one(task({ Retry: [{ ErrorEquals: ['X'], BackoffRate: 0.5 }] })),
    code: 'SCHEMA_VALIDATION_FAILED',
    location: '/States/A/Retry/0/BackoffRate',
  },
  {
    rule: 'MaxDelaySeconds is positive',
    definition: one(task({ Retry: [{ ErrorEquals: ['X'], MaxDelaySeconds: 0 }] })),
    code: 'SCHEMA_VALIDATION_FAILED',
    location: '/States/A/Retry/0/MaxDelaySeconds',
  },
  {
    rule: 'JitterStrategy is FULL or NONE',
    definition: one(task({ Retry: [{ ErrorEquals: ['X'], JitterStrategy: 'HALF' }] })),
    code: 'SCHEMA_VALIDATION_FAILED',
    location: '/States/A/Retry/0/JitterStrategy',
  },
  {
    rule: 'unknown retrier field',
    definition: one(task({ Retry: [{ ErrorEquals: ['X'], MaxAttempt: 2 }] })),
    code: 'SCHEMA_VALIDATION_FAILED',
    location: '/States/A/Retry/0/MaxAttempt',
  },
  {
    rule: 'a catcher has Next',
    definition: one(task({ Catch: [{ ErrorEquals: ['X'] }] })),
    code: 'SCHEMA_VALIDATION_FAILED',
    location: '/States/A/Catch/0',
  },
  {
    rule: 'Catch ResultPath is a reference path',
    definition: one(task({ Catch: [{ ErrorEquals: ['X'], Next: 'Done', ResultPath: '$$.x' }] })),
    code: 'SCHEMA_VALIDATION_FAILED',
    location: '/States/A/Catch/0/ResultPath',
  },
  {
    rule: 'no Retry on a Pass state',
    definition: one({ Type: 'Pass', End: true, Retry: [{ ErrorEquals: ['X'] }] }),
    code: 'SCHEMA_VALIDATION_FAILED',
    location: '/States/A/Retry',
  },

  // Pass and data flow
  {
    rule: 'ResultSelector not in Pass',
    definition: one({ Type: 'Pass', End: true, ResultSelector: {} }),
    code: 'SCHEMA_VALIDATION_FAILED',
    location: '/States/A/ResultSelector',
  },
  {
    rule: 'ResultPath cannot address the context object',
    definition: one({ Type: 'Pass', End: true, ResultPath: '$$.Execution' }),
    code: 'SCHEMA_VALIDATION_FAILED',
    location: '/States/A/ResultPath',
  },
  {
    rule: 'ResultPath is a reference path (no wildcard)',
    definition: one({ Type: 'Pass', End: true, ResultPath: '$.a[*]' }),
    code: 'SCHEMA_VALIDATION_FAILED',
    location: '/States/A/ResultPath',
  },
  {
    rule: 'InputPath starts with $',
    definition: one({ Type: 'Pass', End: true, InputPath: 'a.b' }),
    code: 'SCHEMA_VALIDATION_FAILED',
    location: '/States/A/InputPath',
  },
  {
    rule: 'OutputPath is a string or null',
    definition: one({ Type: 'Pass', End: true, OutputPath: 5 }),
    code: 'SCHEMA_VALIDATION_FAILED',
    location: '/States/A/OutputPath',
  },
  {
    rule: 'Parameters is an object',
    definition: one({ Type: 'Pass', End: true, Parameters: 'x' }),
    code: 'SCHEMA_VALIDATION_FAILED',
    location: '/States/A/Parameters',
  },
  {
    rule: 'a .$ key holds a string',
    definition: one({ Type: 'Pass', End: true, Parameters: { 'x.$': 5 } }),
    code: 'SCHEMA_VALIDATION_FAILED',
    location: '/States/A/Parameters/x.$',
  },
  {
    rule: 'a .$ key holds a path or an intrinsic call',
    definition: one({ Type: 'Pass', End: true, Parameters: { a: { 'x.$': 'hello' } } }),
    code: 'SCHEMA_VALIDATION_FAILED',
    location: '/States/A/Parameters/a/x.$',
  },
  {
    rule: 'an intrinsic function exists',
    definition: one({ Type: 'Pass', End: true, Parameters: { 'x.$': 'States.Nope($.a)' } }),
    code: 'SCHEMA_VALIDATION_FAILED',
    location: '/States/A/Parameters/x.$',
  },
  {
    rule: 'an intrinsic call parses',
    definition: one({
      Type: 'Pass',
      End: true,
      Parameters: { 'x.$': "States.Format('a {}, $.b)" },
    }),
    code: 'SCHEMA_VALIDATION_FAILED',
    location: '/States/A/Parameters/x.$',
  },
  {
    rule: 'intrinsic argument paths parse',
    definition: one(task({ ResultSelector: { 'x.$': 'States.JsonToString(a.b)' } })),
    code: 'SCHEMA_VALIDATION_FAILED',
    location: '/States/A/ResultSelector/x.$',
  },
  {
    rule: 'intrinsic argument count',
    definition: one({ Type: 'Pass', End: true, Parameters: { 'x.$': 'States.MathAdd($.a)' } }),
    code: 'SCHEMA_VALIDATION_FAILED',
    location: '/States/A/Parameters/x.$',
  },
  {
    rule: 'JSONPath script expressions are refused',
    definition: one({ Type: 'Pass', End: true, Parameters: { 'x.$': '$.a[(@.length-1)]' } }),
    code: 'SCHEMA_VALIDATION_FAILED',
    location: '/States/A/Parameters/x.$',
  },
  {
    rule: 'a JSONPath filter compiles',
    definition: one({ Type: 'Pass', End: true, Parameters: { 'x.$': '$.a[?(@.b === 1)]' } }),
    code: 'SCHEMA_VALIDATION_FAILED',
    location: '/States/A/Parameters/x.$',
  },
  {
    rule: 'a JSONPath filter in an intrinsic argument compiles',
    definition: one({
      Type: 'Pass',
      End: true,
      Parameters: { 'x.$': 'States.Array($.a[?(@.b +)])' },
    }),
    code: 'SCHEMA_VALIDATION_FAILED',
    location: '/States/A/Parameters/x.$',
  },
  {
    rule: 'a reference path cannot hold a filter',
    definition: one(map({ ItemsPath: '$.a[?(@.b)]' })),
    code: 'SCHEMA_VALIDATION_FAILED',
    location: '/States/A/ItemsPath',
  },
  {
    rule: 'NO_DOLLAR: a path-looking constant',
    definition: one({ Type: 'Pass', End: true, Parameters: { x: '$.a' } }),
    code: 'NO_DOLLAR',
    location: '/States/A/Parameters/x',
    severity: 'WARNING',
  },
  {
    rule: "PASS_RESULT_IS_STATIC: '.$' in a Pass Result",
    definition: one({ Type: 'Pass', End: true, Result: { 'x.$': '$.a' } }),
    code: 'PASS_RESULT_IS_STATIC',
    location: '/States/A/Result/x.$',
    severity: 'WARNING',
  },
  {
    rule: 'NO_PATH: a path-looking Fail Error',
    definition: machine({ A: { Type: 'Fail', Error: '$.error' } }),
    code: 'NO_PATH',
    location: '/States/A/Error',
    severity: 'WARNING',
  },
  {
    rule: 'Assign is an object',
    definition: one({ Type: 'Pass', End: true, Assign: [1] }),
    code: 'SCHEMA_VALIDATION_FAILED',
    location: '/States/A/Assign',
  },
  {
    rule: 'Assign variable names are identifiers',
    definition: one({ Type: 'Pass', End: true, Assign: { '1st': 1 } }),
    code: 'SCHEMA_VALIDATION_FAILED',
    location: '/States/A/Assign/1st',
  },
  {
    rule: 'Assign .$ values are paths',
    definition: one({ Type: 'Pass', End: true, Assign: { 'x.$': 'oops' } }),
    code: 'SCHEMA_VALIDATION_FAILED',
    location: '/States/A/Assign/x.$',
  },

  // Wait
  {
    rule: 'Wait needs one of Seconds, SecondsPath, Timestamp, TimestampPath',
    definition: one({ Type: 'Wait', End: true }),
    code: 'SCHEMA_VALIDATION_FAILED',
    location: '/States/A',
  },
  {
    rule: 'Wait takes only one of them',
    definition: one({ Type: 'Wait', End: true, Seconds: 1, SecondsPath: '$.s' }),
    code: 'SCHEMA_VALIDATION_FAILED',
    location: '/States/A',
  },
  {
    rule: 'Seconds is not negative',
    definition: one({ Type: 'Wait', End: true, Seconds: -1 }),
    code: 'SCHEMA_VALIDATION_FAILED',
    location: '/States/A/Seconds',
  },
  {
    rule: 'Timestamp is RFC 3339',
    definition: one({ Type: 'Wait', End: true, Timestamp: '2024-01-01 10:00:00' }),
    code: 'SCHEMA_VALIDATION_FAILED',
    location: '/States/A/Timestamp',
  },
  {
    rule: 'SecondsPath selects one value',
    definition: one({ Type: 'Wait', End: true, SecondsPath: '$.s[0:2]' }),
    code: 'SCHEMA_VALIDATION_FAILED',
    location: '/States/A/SecondsPath',
  },

  // Fail
  {
    rule: 'Error and ErrorPath are exclusive',
    definition: machine({ A: { Type: 'Fail', Error: 'E', ErrorPath: '$.e' } }),
    code: 'SCHEMA_VALIDATION_FAILED',
    location: '/States/A/Error',
  },
  {
    rule: 'Cause and CausePath are exclusive',
    definition: machine({ A: { Type: 'Fail', Cause: 'C', CausePath: '$.c' } }),
    code: 'SCHEMA_VALIDATION_FAILED',
    location: '/States/A/Cause',
  },
  {
    rule: 'Fail has no Next',
    definition: one({ Type: 'Fail', Next: 'Done' }),
    code: 'SCHEMA_VALIDATION_FAILED',
    location: '/States/A/Next',
  },
  {
    rule: 'CausePath is a path or an intrinsic call',
    definition: machine({ A: { Type: 'Fail', CausePath: 'States.Format(' } }),
    code: 'SCHEMA_VALIDATION_FAILED',
    location: '/States/A/CausePath',
  },

  // Choice
  {
    rule: 'Choices is non-empty',
    definition: one(choice([])),
    code: 'SCHEMA_VALIDATION_FAILED',
    location: '/States/A/Choices',
  },
  {
    rule: 'Choices is required',
    definition: one({ Type: 'Choice', Default: 'Done' }),
    code: 'SCHEMA_VALIDATION_FAILED',
    location: '/States/A',
  },
  {
    rule: 'a rule has a comparison operator',
    definition: one(choice([rule({})])),
    code: 'SCHEMA_VALIDATION_FAILED',
    location: '/States/A/Choices/0',
  },
  {
    rule: 'a rule has exactly one comparison operator',
    definition: one(choice([rule({ StringEquals: 'a', IsPresent: true })])),
    code: 'SCHEMA_VALIDATION_FAILED',
    location: '/States/A/Choices/0',
  },
  {
    rule: 'a comparison needs Variable',
    definition: one(choice([{ StringEquals: 'a', Next: 'Done' }])),
    code: 'SCHEMA_VALIDATION_FAILED',
    location: '/States/A/Choices/0',
  },
  {
    rule: 'Variable is a path',
    definition: one(choice([rule({ Variable: 'x', IsPresent: true })])),
    code: 'SCHEMA_VALIDATION_FAILED',
    location: '/States/A/Choices/0/Variable',
  },
  {
    rule: 'NumericEquals takes a number',
    definition: one(choice([rule({ NumericEquals: '1' })])),
    code: 'SCHEMA_VALIDATION_FAILED',
    location: '/States/A/Choices/0/NumericEquals',
  },
  {
    rule: 'BooleanEquals takes a boolean',
    definition: one(choice([rule({ BooleanEquals: 'true' })])),
    code: 'SCHEMA_VALIDATION_FAILED',
    location: '/States/A/Choices/0/BooleanEquals',
  },
  {
    rule: 'StringEquals takes a string',
    definition: one(choice([rule({ StringEquals: 1 })])),
    code: 'SCHEMA_VALIDATION_FAILED',
    location: '/States/A/Choices/0/StringEquals',
  },
  {
    rule: 'TimestampEquals takes a timestamp',
    definition: one(choice([rule({ TimestampEquals: 'yesterday' })])),
    code: 'SCHEMA_VALIDATION_FAILED',
    location: '/States/A/Choices/0/TimestampEquals',
  },
  {
    rule: 'IsNull takes a boolean',
    definition: one(choice([rule({ IsNull: 1 })])),
    code: 'SCHEMA_VALIDATION_FAILED',
    location: '/States/A/Choices/0/IsNull',
  },
  {
    rule: 'a *Path operand is a path',
    definition: one(choice([rule({ NumericEqualsPath: 'x' })])),
    code: 'SCHEMA_VALIDATION_FAILED',
    location: '/States/A/Choices/0/NumericEqualsPath',
  },
  {
    rule: 'unknown operator',
    definition: one(choice([rule({ StringEqual: 'a' })])),
    code: 'SCHEMA_VALIDATION_FAILED',
    location: '/States/A/Choices/0/StringEqual',
    also: ['SCHEMA_VALIDATION_FAILED /States/A/Choices/0'],
  },
  {
    rule: 'And holds a non-empty array',
    definition: one(choice([{ And: [], Next: 'Done' }])),
    code: 'SCHEMA_VALIDATION_FAILED',
    location: '/States/A/Choices/0/And',
  },
  {
    rule: 'Not holds one rule',
    definition: one(choice([{ Not: [{ Variable: '$.x', IsPresent: true }], Next: 'Done' }])),
    code: 'SCHEMA_VALIDATION_FAILED',
    location: '/States/A/Choices/0/Not',
  },
  {
    rule: 'Variable does not go with And',
    definition: one(
      choice([{ Variable: '$.x', And: [{ Variable: '$.x', IsPresent: true }], Next: 'Done' }]),
    ),
    code: 'SCHEMA_VALIDATION_FAILED',
    location: '/States/A/Choices/0/Variable',
  },
  {
    rule: 'a top-level rule has Next',
    definition: one(choice([{ Variable: '$.x', IsPresent: true }])),
    code: 'SCHEMA_VALIDATION_FAILED',
    location: '/States/A/Choices/0',
  },
  {
    rule: 'a nested rule has no Next',
    definition: one(choice([{ And: [rule({ IsPresent: true })], Next: 'Done' }])),
    code: 'SCHEMA_VALIDATION_FAILED',
    location: '/States/A/Choices/0/And/0/Next',
  },

  // Parallel
  {
    rule: 'Branches is non-empty',
    definition: one(parallel([])),
    code: 'SCHEMA_VALIDATION_FAILED',
    location: '/States/A/Branches',
  },
  {
    rule: 'a branch has StartAt',
    definition: one(parallel([{ States: { X: { Type: 'Succeed' } } }])),
    code: 'SCHEMA_VALIDATION_FAILED',
    location: '/States/A/Branches/0',
  },
  {
    rule: 'a branch StartAt names a state of the branch',
    definition: one(parallel([{ StartAt: 'Nope', States: { X: { Type: 'Succeed' } } }])),
    code: 'MISSING_TRANSITION_TARGET',
    location: '/States/A/Branches/0/StartAt',
  },
  {
    rule: 'no TimeoutSeconds on Parallel',
    definition: one(parallel([branch({ X: { Type: 'Succeed' } })], { TimeoutSeconds: 5 })),
    code: 'SCHEMA_VALIDATION_FAILED',
    location: '/States/A/TimeoutSeconds',
  },

  // Map
  {
    rule: 'Map needs ItemProcessor',
    definition: one({ Type: 'Map', End: true }),
    code: 'SCHEMA_VALIDATION_FAILED',
    location: '/States/A',
  },
  {
    rule: 'ItemProcessor and Iterator are exclusive',
    definition: one(map({ Iterator: branch({ J: { Type: 'Succeed' } }) })),
    code: 'SCHEMA_VALIDATION_FAILED',
    location: '/States/A/ItemProcessor',
  },
  {
    rule: 'ItemSelector and Parameters are exclusive',
    definition: one(map({ ItemSelector: {}, Parameters: {} })),
    code: 'SCHEMA_VALIDATION_FAILED',
    location: '/States/A/ItemSelector',
  },
  {
    rule: 'MaxConcurrency and MaxConcurrencyPath are exclusive',
    definition: one(map({ MaxConcurrency: 2, MaxConcurrencyPath: '$.limit' })),
    code: 'SCHEMA_VALIDATION_FAILED',
    location: '/States/A/MaxConcurrency',
  },
  {
    rule: 'MaxConcurrency is not negative',
    definition: one(map({ MaxConcurrency: -1 })),
    code: 'SCHEMA_VALIDATION_FAILED',
    location: '/States/A/MaxConcurrency',
  },
  {
    rule: 'MaxConcurrencyPath selects one value',
    definition: one(map({ MaxConcurrencyPath: '$.limits[*]' })),
    code: 'SCHEMA_VALIDATION_FAILED',
    location: '/States/A/MaxConcurrencyPath',
  },
  {
    rule: 'ToleratedFailureCount and its Path are exclusive',
    definition: one(map({ ToleratedFailureCount: 1, ToleratedFailureCountPath: '$.n' })),
    code: 'SCHEMA_VALIDATION_FAILED',
    location: '/States/A/ToleratedFailureCount',
  },
  {
    rule: 'ToleratedFailurePercentage is 0 to 100',
    definition: one(map({ ToleratedFailurePercentage: 150 })),
    code: 'SCHEMA_VALIDATION_FAILED',
    location: '/States/A/ToleratedFailurePercentage',
  },
  {
    rule: 'ProcessorConfig Mode is INLINE or DISTRIBUTED',
    definition: one(map({ ItemProcessor: { ...inline(), ProcessorConfig: { Mode: 'LOCAL' } } })),
    code: 'SCHEMA_VALIDATION_FAILED',
    location: '/States/A/ItemProcessor/ProcessorConfig/Mode',
  },
  {
    rule: 'no QueryLanguage on an ItemProcessor',
    definition: one(map({ ItemProcessor: { ...inline(), QueryLanguage: 'JSONata' } })),
    code: 'SCHEMA_VALIDATION_FAILED',
    location: '/States/A/ItemProcessor/QueryLanguage',
  },
  {
    rule: 'ItemBatcher MaxItemsPerBatch and its Path are exclusive',
    definition: one(map({ ItemBatcher: { MaxItemsPerBatch: 2, MaxItemsPerBatchPath: '$.n' } })),
    code: 'SCHEMA_VALIDATION_FAILED',
    location: '/States/A/ItemBatcher/MaxItemsPerBatch',
  },
  {
    rule: 'ItemReader Resource is an S3 reader',
    definition: one(map({ ItemReader: { Resource: 'arn:aws:states:::s3:unknownOperation' } })),
    code: 'SCHEMA_VALIDATION_FAILED',
    location: '/States/A/ItemReader/Resource',
  },
  {
    rule: 'ItemReader InputType is known',
    definition: one(
      map({
        ItemReader: {
          Resource: 'arn:aws:states:::s3:getObject',
          ReaderConfig: { InputType: 'XML' },
          Parameters: { Bucket: 'b', Key: 'k' },
        },
      }),
    ),
    code: 'SCHEMA_VALIDATION_FAILED',
    location: '/States/A/ItemReader/ReaderConfig/InputType',
  },
  {
    rule: 'Label of at most 40 characters',
    definition: one(map({ Label: 'L'.repeat(41) })),
    code: 'INVALID_LABEL_NAME',
    location: '/States/A/Label',
  },
  {
    rule: 'Label without special characters',
    definition: one(map({ Label: 'my label' })),
    code: 'INVALID_LABEL_NAME',
    location: '/States/A/Label',
  },
  {
    rule: 'Labels are unique',
    definition: machine({
      A: goto(map({ Label: 'L' }), 'B'),
      B: { ...map({ Label: 'L' }), ItemProcessor: inline({ J: { Type: 'Succeed' } }) },
    }),
    code: 'DUPLICATE_LABEL_NAME',
    location: '/States/B/Label',
  },

  // Query languages
  {
    rule: 'JSONPath-only field in a JSONata state',
    definition: one({ Type: 'Pass', End: true, InputPath: '$.a' }, { QueryLanguage: 'JSONata' }),
    code: 'SCHEMA_VALIDATION_FAILED',
    location: '/States/A/InputPath',
  },
  {
    rule: 'JSONata-only field in a JSONPath state',
    definition: one({ Type: 'Pass', End: true, Output: {} }),
    code: 'SCHEMA_VALIDATION_FAILED',
    location: '/States/A/Output',
  },
  {
    rule: 'a JSONPath state under a JSONata top level',
    definition: one(
      { Type: 'Pass', End: true, QueryLanguage: 'JSONPath' },
      { QueryLanguage: 'JSONata' },
    ),
    code: 'SCHEMA_VALIDATION_FAILED',
    location: '/States/A/QueryLanguage',
  },
  {
    rule: 'Arguments is for Task and Parallel',
    definition: one({ Type: 'Pass', End: true, Arguments: {} }, { QueryLanguage: 'JSONata' }),
    code: 'SCHEMA_VALIDATION_FAILED',
    location: '/States/A/Arguments',
  },
  {
    rule: 'Condition only in JSONata rules',
    definition: one(choice([{ Condition: '{% true %}', Next: 'Done' }])),
    code: 'SCHEMA_VALIDATION_FAILED',
    location: '/States/A/Choices/0/Condition',
    also: ['SCHEMA_VALIDATION_FAILED /States/A/Choices/0'],
  },
  {
    rule: 'a JSONata rule has Condition',
    definition: one(choice([{ Next: 'Done' }]), { QueryLanguage: 'JSONata' }),
    code: 'SCHEMA_VALIDATION_FAILED',
    location: '/States/A/Choices/0',
  },
  {
    rule: 'a JSONata Condition is a boolean or an expression',
    definition: one(choice([{ Condition: '$states.input.ok', Next: 'Done' }]), {
      QueryLanguage: 'JSONata',
    }),
    code: 'SCHEMA_VALIDATION_FAILED',
    location: '/States/A/Choices/0/Condition',
  },
  {
    rule: 'Variable not in JSONata rules',
    definition: one(choice([{ Condition: true, Variable: '$.x', Next: 'Done' }]), {
      QueryLanguage: 'JSONata',
    }),
    code: 'SCHEMA_VALIDATION_FAILED',
    location: '/States/A/Choices/0/Variable',
  },
  {
    rule: 'JSONata TimeoutSeconds is an integer or an expression',
    definition: one(task({ QueryLanguage: 'JSONata', TimeoutSeconds: '5' })),
    code: 'SCHEMA_VALIDATION_FAILED',
    location: '/States/A/TimeoutSeconds',
  },
  {
    rule: 'no TimeoutSecondsPath in JSONata',
    definition: one(task({ QueryLanguage: 'JSONata', TimeoutSecondsPath: '$.t' })),
    code: 'SCHEMA_VALIDATION_FAILED',
    location: '/States/A/TimeoutSecondsPath',
  },
  {
    rule: 'a JSONata expression is not empty',
    definition: one(task({ QueryLanguage: 'JSONata', Arguments: { a: '{%  %}' } })),
    code: 'SCHEMA_VALIDATION_FAILED',
    location: '/States/A/Arguments/a',
  },
  {
    rule: 'no MaxConcurrencyPath in a JSONata Map',
    definition: one(map({ QueryLanguage: 'JSONata', MaxConcurrencyPath: '$.limit' })),
    code: 'SCHEMA_VALIDATION_FAILED',
    location: '/States/A/MaxConcurrencyPath',
  },
  {
    rule: 'no ItemsPath in a JSONata Map',
    definition: one(map({ QueryLanguage: 'JSONata', ItemsPath: '$.items' })),
    code: 'SCHEMA_VALIDATION_FAILED',
    location: '/States/A/ItemsPath',
  },
  {
    rule: 'no Items in a JSONPath Map',
    definition: one(map({ Items: [1, 2] })),
    code: 'SCHEMA_VALIDATION_FAILED',
    location: '/States/A/Items',
  },
  {
    rule: 'no Output on a Fail state',
    definition: machine({ A: { Type: 'Fail', Output: {} } }, { QueryLanguage: 'JSONata' }),
    code: 'SCHEMA_VALIDATION_FAILED',
    location: '/States/A/Output',
  },
  {
    rule: 'no ResultPath in a JSONata catcher',
    definition: one(
      task({
        QueryLanguage: 'JSONata',
        Catch: [{ ErrorEquals: ['X'], Next: 'Done', ResultPath: '$.e' }],
      }),
    ),
    code: 'SCHEMA_VALIDATION_FAILED',
    location: '/States/A/Catch/0/ResultPath',
  },
  {
    rule: 'nested states inherit the top-level language, not their Map',
    definition: one(
      map({
        QueryLanguage: 'JSONata',
        ItemProcessor: inline({ I: { Type: 'Pass', End: true, Output: {} } }),
      }),
    ),
    code: 'SCHEMA_VALIDATION_FAILED',
    location: '/States/A/ItemProcessor/States/I/Output',
  },
]

/** Valid definitions in the shapes AWS's developer guide shows; each must pass with no ERROR. */
const VALID: readonly { readonly why: string; readonly definition: Obj }[] = [
  {
    why: 'callback task with a context-object token, retry with jitter, catch to a fallback',
    definition: machine({
      Ask: {
        Type: 'Task',
        Resource: 'arn:aws:states:::sqs:sendMessage.waitForTaskToken',
        Parameters: { QueueUrl: 'https://sqs', MessageBody: { 'token.$': '$$.Task.Token' } },
        TimeoutSecondsPath: '$.timeout',
        HeartbeatSecondsPath: '$.heartbeat',
        Credentials: { 'RoleArn.$': '$.role' },
        ResultSelector: { 'answer.$': '$.Answer', 'size.$': 'States.ArrayLength($.Items)' },
        ResultPath: '$.answer',
        Retry: [
          { ErrorEquals: ['States.Timeout'], IntervalSeconds: 3, MaxAttempts: 2, BackoffRate: 1.5 },
          {
            ErrorEquals: ['States.ALL'],
            MaxDelaySeconds: 60,
            JitterStrategy: 'FULL',
            Comment: 'everything else',
          },
        ],
        Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Failed' }],
        Next: 'Route',
      },
      Route: {
        Type: 'Choice',
        Choices: [
          {
            And: [
              { Variable: '$.answer.size', NumericGreaterThanEqualsPath: '$.min' },
              { Not: { Variable: '$.answer.answer', StringMatches: 'no*' } },
            ],
            Next: 'Later',
          },
          {
            Or: [
              { Variable: '$.when', TimestampLessThan: '2016-03-14T01:59:00Z' },
              { Variable: '$.when', TimestampEquals: '2016-03-14T01:59:00.5+01:00' },
              { Variable: '$$.Execution.Input.flag', IsPresent: false },
            ],
            Assign: { 'route.$': '$.answer' },
            Next: 'Done',
          },
        ],
        Default: 'Failed',
      },
      Later: { Type: 'Wait', TimestampPath: '$.when', Next: 'Done' },
      Failed: {
        Type: 'Fail',
        ErrorPath: '$.error.Error',
        CausePath: "States.Format('{}', $.error)",
      },
      Done: { Type: 'Succeed', OutputPath: '$.answer' },
    }),
  },
  {
    why: 'distributed Map over a CSV in S3 with batching, failure tolerance, a label and a writer',
    definition: one(
      map({
        ItemReader: {
          Resource: 'arn:aws:states:::s3:getObject',
          ReaderConfig: { InputType: 'CSV', CSVHeaderLocation: 'FIRST_ROW', MaxItems: 100 },
          Parameters: { Bucket: 'b', 'Key.$': '$.key' },
        },
        ItemBatcher: { MaxItemsPerBatch: 10, BatchInput: { 'run.$': '$$.Execution.Id' } },
        ItemSelector: { 'value.$': '$$.Map.Item.Value', 'index.$': '$$.Map.Item.Index' },
        ItemProcessor: {
          ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'EXPRESS' },
          StartAt: 'Work',
          States: { Work: { Type: 'Task', Resource: LAMBDA, End: true } },
        },
        MaxConcurrency: 1000,
        ToleratedFailurePercentage: 5,
        Label: 'CsvRows',
        ResultWriter: { Resource: 'arn:aws:states:::s3:putObject', Parameters: { Bucket: 'out' } },
      }),
    ),
  },
  {
    why: 'legacy Map with Iterator and Parameters, nested in a Parallel with a catcher',
    definition: machine({
      Fan: {
        Type: 'Parallel',
        Branches: [
          branch({
            Each: {
              Type: 'Map',
              ItemsPath: '$.items',
              Parameters: { 'item.$': '$$.Map.Item.Value' },
              Iterator: branch({
                Pass1: { Type: 'Pass', Result: [1, 2], ResultPath: null, End: true },
              }),
              End: true,
            },
          }),
          branch({ Sleep: { Type: 'Wait', Seconds: 0, End: true } }),
        ],
        ResultSelector: { 'first.$': '$[0]' },
        Catch: [{ ErrorEquals: ['States.BranchFailed'], Next: 'Oops' }],
        End: true,
      },
      Oops: { Type: 'Fail', Error: 'Oops', Cause: 'a branch failed' },
    }),
  },
  {
    why: 'JSONata everywhere: Arguments, Output, Assign, Items, Condition, expressions for numbers',
    definition: machine(
      {
        Call: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke',
          Arguments: { FunctionName: LAMBDA, Payload: '{% $states.input %}' },
          TimeoutSeconds: '{% $states.input.timeout %}',
          Assign: { result: '{% $states.result.Payload %}' },
          Output: '{% $states.result.Payload %}',
          Retry: [{ ErrorEquals: ['States.ALL'], MaxAttempts: 1 }],
          Catch: [
            {
              ErrorEquals: ['States.ALL'],
              Output: { error: '{% $states.errorOutput %}' },
              Assign: { failed: true },
              Next: 'Bad',
            },
          ],
          Next: 'Check',
        },
        Check: {
          Type: 'Choice',
          Choices: [
            { Condition: '{% $result.ok %}', Assign: { ok: true }, Output: 1, Next: 'Each' },
            { Condition: false, Next: 'Bad' },
          ],
          Default: 'Bad',
        },
        Each: {
          Type: 'Map',
          Items: '{% $result.items %}',
          ItemSelector: { item: '{% $states.context.Map.Item.Value %}' },
          MaxConcurrency: '{% $count($result.items) %}',
          ItemProcessor: inline({
            Double: { Type: 'Pass', Output: '{% $states.input.item * 2 %}', End: true },
          }),
          Next: 'Both',
        },
        Both: {
          Type: 'Parallel',
          Arguments: '{% $states.input %}',
          Branches: [branch({ Hold: { Type: 'Wait', Seconds: '{% 1 %}', End: true } })],
          Next: 'Ok',
        },
        Ok: { Type: 'Succeed', Output: { done: true } },
        Bad: { Type: 'Fail', Error: '{% $states.input.error %}', Cause: 'failed' },
      },
      { QueryLanguage: 'JSONata', Comment: 'JSONata', TimeoutSeconds: 3600, Version: '1.0' },
    ),
  },
  {
    why: 'a JSONata state inside a JSONPath machine, and variables read by JSONPath paths',
    definition: machine({
      Set: { Type: 'Pass', QueryLanguage: 'JSONata', Assign: { n: 3 }, Output: {}, Next: 'Use' },
      Use: { Type: 'Pass', InputPath: '$n', Parameters: { 'v.$': '$n' }, End: true },
    }),
  },
  {
    why: 'names with spaces and slashes, and Pass Parameters with arrays and nested intrinsics',
    definition: machine({
      'Step one / prepare': {
        Type: 'Pass',
        Parameters: {
          list: [{ 'a.$': '$.a' }, 'plain', 3],
          'id.$': "States.Format('{}-{}', $$.Execution.Name, States.UUID())",
          'parts.$': "States.StringSplit($.csv, ',')",
        },
        Next: 'Step two',
      },
      'Step two': { Type: 'Pass', End: true },
    }),
  },
]

function pairs(issues: readonly ValidationIssue[]): string[] {
  return issues.map((i) => `${i.code} ${i.location}`)
}

describe('validateDefinition: one broken rule each', () => {
  for (const c of CASES) {
    it(`${c.rule} → ${c.code} at '${c.location}'`, () => {
      const issues = validateDefinition(c.definition)
      const severity = c.severity ?? 'ERROR'
      expect(issues).toContainEqual(
        expect.objectContaining({ severity, code: c.code, location: c.location }),
      )
      // No noise: the only errors are the expected one and the listed consequences.
      const errors = issues.filter((i) => i.severity === 'ERROR')
      const expected = severity === 'ERROR' ? [`${c.code} ${c.location}`] : []
      expect(new Set(pairs(errors))).toEqual(new Set([...expected, ...(c.also ?? [])]))
      for (const issue of issues) expect(issue.message.length).toBeGreaterThan(10)
    })
  }
})

describe('validateDefinition: valid shapes from the AWS guide', () => {
  for (const { why, definition } of VALID) {
    it(why, () => {
      expect(validateDefinition(definition).filter((i) => i.severity === 'ERROR')).toEqual([])
    })
  }
})

describe('validateDefinition: JSONPath filters', () => {
  it('accepts them in paths and intrinsic arguments, as AWS does, without a warning', () => {
    const definition = one({
      Type: 'Pass',
      End: true,
      InputPath: '$.orders[?(@.total > 10)]',
      Parameters: {
        'open.$': "$.items[?(@.status == 'open' && @.name =~ /a.*/i)].name",
        'count.$': 'States.ArrayLength($.items[?(@.status)])',
      },
      OutputPath: '$[?(@.open)]',
    })
    expect(validateDefinition(definition)).toEqual([])
  })
})

describe('validateDefinition: every problem at once', () => {
  it('reports all problems of a definition with several', () => {
    const definition = {
      StartAt: 'Charge',
      Foo: true,
      States: {
        Charge: {
          Type: 'Task',
          Resource: LAMBDA,
          Next: 'Chrage',
          TimeoutSeconds: 10,
          HeartbeatSeconds: 20,
          Retry: [{ ErrorEquals: ['States.ALL'] }, { ErrorEquals: ['Other'], BackoffRate: 0 }],
        },
        Pick: {
          Type: 'Choice',
          Choices: [{ Variable: '$.x', NumericEquals: 'one', Next: 'Done' }],
        },
        Fan: {
          Type: 'Parallel',
          End: true,
          Branches: [{ StartAt: 'X', States: { X: { Type: 'Pass', Next: 'Done' } } }],
        },
        Done: { Type: 'Succeed' },
      },
    }
    expect(
      new Set(pairs(validateDefinition(definition).filter((i) => i.severity === 'ERROR'))),
    ).toEqual(
      new Set([
        'SCHEMA_VALIDATION_FAILED /Foo',
        'MISSING_TRANSITION_TARGET /States/Charge/Next',
        'SCHEMA_VALIDATION_FAILED /States/Charge/HeartbeatSeconds',
        'SCHEMA_VALIDATION_FAILED /States/Charge/Retry/0/ErrorEquals',
        'SCHEMA_VALIDATION_FAILED /States/Charge/Retry/1/BackoffRate',
        'SCHEMA_VALIDATION_FAILED /States/Pick/Choices/0/NumericEquals',
        'MISSING_TRANSITION_TARGET /States/Fan/Branches/0/States/X/Next',
        'MISSING_END_STATE /States/Fan/Branches/0',
        'MISSING_TRANSITION_TARGET /States/Pick',
        'MISSING_TRANSITION_TARGET /States/Fan',
        'MISSING_TRANSITION_TARGET /States/Done',
      ]),
    )
  })

  it('names the state, the field and the problem', () => {
    const [issue] = validateDefinition(one({ Type: 'Pass', Next: 'Nowhere' }, {})).filter(
      (i) => i.location === '/States/A/Next',
    )
    expect(issue?.message).toContain("State 'A'")
    expect(issue?.message).toContain("'Next'")
    expect(issue?.message).toContain("'Nowhere'")
  })

  it('says which query language a field belongs to', () => {
    const issues = validateDefinition(
      one({ Type: 'Pass', End: true, Parameters: {} }, { QueryLanguage: 'JSONata' }),
    )
    expect(issues[0]?.message).toMatch(/QueryLanguage is 'JSONata'.*'Parameters'.*'JSONPath'/)
  })

  it('points at a state in another scope when a transition crosses scopes', () => {
    const issues = validateDefinition({
      StartAt: 'P',
      States: {
        P: {
          Type: 'Parallel',
          Next: 'Out',
          Branches: [branch({ X: { Type: 'Pass', Next: 'Out' } })],
        },
        Out: { Type: 'Succeed' },
      },
    })
    const issue = issues.find((i) => i.location === '/States/P/Branches/0/States/X/Next')
    expect(issue?.message).toContain('exists in the state machine')
  })
})

describe('validateDefinition: input forms', () => {
  it('gives the same issues for an object and for its JSON text', () => {
    const definition = one({ Type: 'Pass', Next: 'Nope', InputPath: 'x' })
    expect(validateDefinition(JSON.stringify(definition))).toEqual(validateDefinition(definition))
  })

  it('never throws, whatever it is given', () => {
    const odd: unknown[] = [
      undefined,
      0,
      true,
      'null',
      '[]',
      Symbol('x'),
      new Date(0),
      { StartAt: 1, States: [] },
      { StartAt: 'A', States: { A: null } },
      { StartAt: 'A', States: { A: { Type: 'Parallel', Branches: [null, 1, { States: 5 }] } } },
      { StartAt: 'A', States: { A: { Type: 'Map', ItemProcessor: { States: { B: [] } } } } },
      {
        StartAt: 'A',
        States: { A: { Type: 'Choice', Choices: [null, 1, { Not: 5 }, { And: 'x' }] } },
      },
      { StartAt: 'A', States: { A: { Type: 'Task', Resource: 5, Retry: [null], Catch: 'x' } } },
      {
        StartAt: 'A',
        States: { A: { Type: 'Pass', Parameters: { 'a.$': null, b: [{ 'c.$': 1 }] } } },
      },
      { StartAt: 'A', QueryLanguage: 'JSONata', States: { A: { Type: 'Pass', Output: '{%%}' } } },
    ]
    for (const value of odd) {
      expect(() => validateDefinition(value)).not.toThrow()
      expect(validateDefinition(value).some((i) => i.severity === 'ERROR')).toBe(true)
    }
  })

  it('never throws on random mutations of valid definitions', () => {
    let seed = 42
    const random = (): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648
      return seed / 2_147_483_648
    }
    const values: Json[] = [
      null,
      0,
      -1,
      1.5,
      '',
      '$',
      '$$.x',
      '{% %}',
      'States.Format(',
      [],
      {},
      true,
    ]
    const mutate = (v: Json): Json => {
      if (Array.isArray(v)) return v.map(mutate)
      if (v === null || typeof v !== 'object') return random() < 0.05 ? pick(values) : v
      const out: Obj = {}
      for (const [k, x] of Object.entries(v)) {
        const r = random()
        if (r < 0.04) continue
        out[k] = r < 0.08 ? pick(values) : mutate(x)
      }
      return out
    }
    const pick = (list: Json[]): Json => list[Math.floor(random() * list.length)] ?? null
    for (const { definition } of conformanceCases().slice(0, 120)) {
      for (let n = 0; n < 5; n++) {
        const mutated = mutate(definition as Json)
        expect(() => validateDefinition(mutated)).not.toThrow()
      }
    }
  })
})

const CASES_DIR = path.resolve(import.meta.dirname, '../../../../shared/conformance/cases')
const BENCH_DIR = path.resolve(import.meta.dirname, '../../../../shared/bench/workloads')

function conformanceCases(): { file: string; definition: unknown }[] {
  return readdirSync(CASES_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => ({
      file,
      definition: (
        JSON.parse(readFileSync(path.join(CASES_DIR, file), 'utf8')) as { definition: unknown }
      ).definition,
    }))
}

describe('validateDefinition: definitions AWS accepted', () => {
  const cases = conformanceCases()
  it('finds the conformance corpus', () => {
    expect(cases.length).toBeGreaterThan(200)
  })
  for (const { file, definition } of cases) {
    it(`conformance ${file} has no ERROR`, () => {
      const issues = validateDefinition(definition)
      expect(issues.filter((i) => i.severity === 'ERROR')).toEqual([])
      expect(isValidDefinition(issues)).toBe(true)
    })
  }

  const bench = readdirSync(BENCH_DIR).filter((f) => f.endsWith('.asl.json'))
  it('finds the bench workloads', () => {
    expect(bench.length).toBeGreaterThan(0)
  })
  for (const file of bench) {
    it(`bench ${file} has no issue`, () => {
      const text = readFileSync(path.join(BENCH_DIR, file), 'utf8')
      expect(validateDefinition(text)).toEqual([])
      expect(validateDefinition(JSON.parse(text))).toEqual([])
    })
  }
})
