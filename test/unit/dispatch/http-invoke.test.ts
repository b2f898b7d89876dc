import { describe, expect, it } from 'vitest'
import {
  httpInvokeOutcome,
  httpInvokeRequest,
  type HttpInvokeRequest,
} from '../../../engine/runtime/dispatch/http-invoke.js'

/** The http:invoke integration's request from Parameters, and its result in AWS's shape. */
describe('httpInvokeRequest', () => {
  const request = (parameters: unknown) =>
    httpInvokeRequest(parameters as never) as HttpInvokeRequest

  it('builds the URL, method, headers and JSON body', () => {
    const r = request({
      ApiEndpoint: 'https://api.example.com/v1/orders?x=1',
      Method: 'post',
      Headers: { 'X-Team': 'blue', Host: 'evil', Accept: ['a', 'b'] },
      QueryParameters: { q: 'a b', page: 2 },
      RequestBody: { id: 7 },
    })
    expect(r.method).toBe('POST')
    expect(r.url.toString()).toBe('https://api.example.com/v1/orders?x=1&q=a+b&page=2')
    expect(r.headers).toEqual({
      'x-team': 'blue',
      accept: 'a, b',
      'content-type': 'application/json',
    })
    expect(r.body).toBe('{"id":7}')
  })

  const formats = [
    { format: 'INDICES', body: 'a%5B0%5D=x&a%5B1%5D=y&o%5Bk%5D=v' },
    { format: 'REPEAT', body: 'a=x&a=y&o%5Bk%5D=v' },
    { format: 'COMMAS', body: 'a=x%2Cy&o%5Bk%5D=v' },
    { format: 'BRACKETS', body: 'a%5B%5D=x&a%5B%5D=y&o%5Bk%5D=v' },
  ]
  for (const { format, body } of formats) {
    it(`URL-encodes a body with ArrayFormat ${format}`, () => {
      const r = request({
        ApiEndpoint: 'http://127.0.0.1/f',
        Method: 'PUT',
        RequestBody: { a: ['x', 'y'], o: { k: 'v' } },
        Transform: {
          RequestBodyEncoding: 'URL_ENCODED',
          RequestEncodingOptions: { ArrayFormat: format },
        },
      })
      expect(r.body).toBe(body)
      expect(r.headers['content-type']).toBe('application/x-www-form-urlencoded')
    })
  }

  it('sends no body with GET', () => {
    expect(request({ ApiEndpoint: 'http://h/', Method: 'GET', RequestBody: { a: 1 } }).body).toBe(
      undefined,
    )
  })

  it('fails with States.Runtime on Parameters it cannot use', () => {
    const cases: Record<string, string>[] = [
      {},
      { ApiEndpoint: 'not a url', Method: 'GET' },
      { ApiEndpoint: 'ftp://h/x', Method: 'GET' },
      { ApiEndpoint: 'http://user:pw@h/x', Method: 'GET' },
      { ApiEndpoint: 'http://h/x', Method: 'TRACE' },
    ]
    for (const parameters of cases) {
      expect(httpInvokeRequest(parameters)).toMatchObject({
        kind: 'failed',
        error: 'States.Runtime',
      })
    }
  })
})

describe('httpInvokeOutcome', () => {
  it('answers 2xx in AWS shape, parsing a JSON body', () => {
    expect(httpInvokeOutcome(201, { 'content-type': 'application/json' }, '{"a":1}')).toEqual({
      kind: 'succeeded',
      output: {
        Headers: { 'content-type': ['application/json'] },
        ResponseBody: { a: 1 },
        StatusCode: 201,
        StatusText: 'Created',
      },
    })
  })

  it('keeps a text body as text', () => {
    const r = httpInvokeOutcome(200, { 'content-type': 'text/plain' }, '{"a":1}')
    expect(r).toMatchObject({ output: { ResponseBody: '{"a":1}' } })
  })

  it('fails a non-2xx answer with States.Http.StatusCode.<n>', () => {
    const r = httpInvokeOutcome(503, {}, 'down')
    expect(r).toMatchObject({ kind: 'failed', error: 'States.Http.StatusCode.503' })
  })
})
