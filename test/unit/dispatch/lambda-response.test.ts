import { describe, expect, it } from 'vitest'
import { parseResource } from '../../../engine/asl/index.js'
import { invokeRequest, lambdaOutcome } from '../../../engine/runtime/dispatch/lambda-response.js'

describe('invokeRequest', () => {
  const cases = [
    { name: 'price', why: 'a plain name' },
    { name: 'price:prod', why: 'a name with an alias' },
    { name: 'price:7', why: 'a name with a version' },
    { name: '000000000000:function:price', why: 'a partial ARN' },
    { name: '000000000000:function:price:$LATEST', why: 'a partial ARN with a qualifier' },
    { name: 'arn:aws:lambda:us-east-1:000000000000:function:price', why: 'a function ARN' },
    {
      name: 'arn:aws:lambda:eu-west-1:123456789012:function:price:blue',
      why: 'a function ARN with an alias',
    },
  ]
  for (const c of cases) {
    it(`FunctionName ${c.name} calls the function price (${c.why})`, () => {
      expect(invokeRequest({ FunctionName: c.name, Payload: {} }).functionName).toBe('price')
    })
  }

  it('sends a Payload given as JSON text as that JSON, and {} without one', () => {
    expect(invokeRequest({ FunctionName: 'f', Payload: '{"a":1}' }).event).toEqual({ a: 1 })
    expect(invokeRequest({ FunctionName: 'f' }).event).toEqual({})
  })
})

describe('lambdaOutcome', () => {
  const fn = parseResource('arn:aws:lambda:us-east-1:000000000000:function:f')
  const integration = parseResource('arn:aws:states:::lambda:invoke')

  it('a 2xx answer with X-Amz-Function-Error is an error named by its errorType', () => {
    const body = JSON.stringify({ errorType: 'Order.Invalid', errorMessage: 'no id' })
    expect(lambdaOutcome(fn, { status: 200, body, functionError: true })).toEqual({
      kind: 'failed',
      error: 'Order.Invalid',
      cause: body,
    })
  })

  it('an error body without errorType is named by its status', () => {
    expect(lambdaOutcome(fn, { status: 200, body: '{}', functionError: true })).toMatchObject({
      kind: 'failed',
      error: 'Lambda.Http200',
    })
  })

  it("a Lambda ARN gets the answer as is; lambda:invoke wraps it in Invoke's shape", () => {
    expect(lambdaOutcome(fn, { status: 200, body: '[1,2]' })).toEqual({
      kind: 'succeeded',
      output: [1, 2],
    })
    const wrapped = lambdaOutcome(integration, { status: 200, body: '"x"', requestId: 'r-1' })
    expect(wrapped).toMatchObject({
      kind: 'succeeded',
      output: { Payload: 'x', StatusCode: 200, SdkResponseMetadata: { RequestId: 'r-1' } },
    })
  })

  it('an empty 2xx body is null; a body that is not JSON is Lambda.InvalidResponse', () => {
    expect(lambdaOutcome(fn, { status: 204, body: '' })).toEqual({
      kind: 'succeeded',
      output: null,
    })
    expect(lambdaOutcome(fn, { status: 200, body: 'ok' })).toMatchObject({
      kind: 'failed',
      error: 'Lambda.InvalidResponse',
    })
  })
})
