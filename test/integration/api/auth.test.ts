// Authentication and authorization on both doors: bearer keys (hashed, scoped) on REST, SigV4
// (and bearer keys) on the AWS door. Every refusal is 401/403, names the problem, changes nothing,
// and no key or secret reaches the logs.
import { Hash } from '@smithy/hash-node'
import { SignatureV4 } from '@smithy/signature-v4'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  authConfigFromEnv,
  hashKey,
  parseApiKeys,
  parseAwsCredentials,
  parseKeysFile,
} from '../../../api/auth/index.js'
import { openApiHarness, tableCounts, type ApiHarness } from '../../helpers/api.js'
import { PASS, uniqueName } from '../../helpers/service.js'

const ADMIN_KEY = 'admin-key-0123456789abcdef'
const READ_KEY = 'read-key-0123456789abcdef'
const START_KEY = 'start-key-0123456789abcdef'
const WORKER_KEY = 'worker-key-0123456789abcdef'
const ACCESS_KEY_ID = 'AKIDAUTHTEST'
const SECRET = 'auth-test-secret-key'
const READER_ID = 'AKIDREADER'
const READER_SECRET = 'reader-secret-key'

interface Signed {
  headers: Record<string, string>
  body: string
}

async function sign(
  action: string,
  body: unknown,
  options: { date?: Date; accessKeyId?: string; secret?: string } = {},
): Promise<Signed> {
  const text = JSON.stringify(body)
  const signer = new SignatureV4({
    credentials: {
      accessKeyId: options.accessKeyId ?? ACCESS_KEY_ID,
      secretAccessKey: options.secret ?? SECRET,
    },
    region: 'us-east-1',
    service: 'states',
    sha256: Hash.bind(null, 'sha256'),
  })
  const signed = await signer.sign(
    {
      method: 'POST',
      protocol: 'http:',
      hostname: 'localhost',
      port: 80,
      path: '/',
      query: {},
      headers: {
        host: 'localhost:80',
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': `AWSStepFunctions.${action}`,
      },
      body: text,
    },
    { signingDate: options.date ?? new Date() },
  )
  return { headers: signed.headers, body: text }
}

describe('auth (pglite)', () => {
  let api: ApiHarness
  /** The server's clock runs this far ahead of the test's (to age a signature). */
  let clockOffsetMs = 0

  beforeAll(async () => {
    api = await openApiHarness('pglite', {
      now: () => Date.now() + clockOffsetMs,
      auth: {
        mode: 'on',
        apiKeys: [
          ...parseApiKeys(
            `${ADMIN_KEY}, ${READ_KEY}=read, ${START_KEY}=start, ${WORKER_KEY}=worker:resize`,
          ),
        ],
        awsCredentials: parseAwsCredentials(
          `${ACCESS_KEY_ID}:${SECRET},${READER_ID}:${READER_SECRET}:read`,
        ),
      },
    })
  })
  afterAll(async () => {
    await api.close()
  })

  function rest(method: 'GET' | 'POST', url: string, key?: string, payload?: object) {
    return api.app.inject({
      method,
      url,
      headers: key === undefined ? {} : { authorization: key },
      ...(payload ? { payload } : {}),
    })
  }

  async function unchanged(refusal: () => Promise<void>): Promise<void> {
    const before = await tableCounts(api)
    await refusal()
    expect(await tableCounts(api)).toEqual(before)
  }

  describe('REST bearer keys', () => {
    const create = () => ({ name: uniqueName('auth'), definition: JSON.parse(PASS) as object })

    it('refuses a request without a key: 401 Unauthorized, nothing created', async () => {
      await unchanged(async () => {
        const res = await rest('POST', '/v1/state-machines', undefined, create())
        expect(res.statusCode).toBe(401)
        expect(res.json()).toMatchObject({
          code: 'Unauthorized',
          message: expect.stringContaining('Bearer'),
        })
      })
    })

    it('refuses a wrong key and a malformed header: 401', async () => {
      await unchanged(async () => {
        for (const header of [
          'Bearer wrong-key-0123456789abcdef',
          `Bearer ${ADMIN_KEY}x`,
          `Basic ${Buffer.from('a:b').toString('base64')}`,
          'Bearer',
          ADMIN_KEY,
        ]) {
          const res = await rest('POST', '/v1/state-machines', header, create())
          expect(res.statusCode, header).toBe(401)
          expect(res.json()).toMatchObject({ code: 'Unauthorized' })
        }
      })
    })

    it('refuses a key whose scope does not allow the route: 403 Forbidden, nothing created', async () => {
      await unchanged(async () => {
        for (const key of [READ_KEY, START_KEY, WORKER_KEY]) {
          const res = await rest('POST', '/v1/state-machines', `Bearer ${key}`, create())
          expect(res.statusCode).toBe(403)
          expect(res.json()).toMatchObject({
            code: 'Forbidden',
            message: expect.stringContaining('admin'),
          })
        }
        const list = await rest('GET', '/v1/state-machines', `Bearer ${WORKER_KEY}`)
        expect(list.statusCode).toBe(403)
      })
    })

    it('lets each scope do what it allows', async () => {
      const body = create()
      const created = await rest('POST', '/v1/state-machines', `Bearer ${ADMIN_KEY}`, body)
      expect(created.statusCode).toBe(201)
      expect((await rest('GET', '/v1/state-machines', `Bearer ${READ_KEY}`)).statusCode).toBe(200)
      const startedByReader = await rest(
        'POST',
        `/v1/state-machines/${body.name}/executions`,
        `Bearer ${READ_KEY}`,
        {},
      )
      expect(startedByReader.statusCode).toBe(403)
      const started = await rest(
        'POST',
        `/v1/state-machines/${body.name}/executions`,
        `Bearer ${START_KEY}`,
        {},
      )
      expect(started.statusCode).toBe(201)
    })

    it('checks the key before reading the body', async () => {
      const res = await api.app.inject({
        method: 'POST',
        url: '/v1/state-machines',
        headers: { 'content-type': 'application/json' },
        payload: '{not json',
      })
      expect(res.statusCode).toBe(401)
    })

    it('leaves /health, /ready and the API docs open', async () => {
      expect((await rest('GET', '/health')).statusCode).toBe(200)
      expect((await rest('GET', '/ready')).statusCode).toBe(200)
      expect((await rest('GET', '/openapi.json')).statusCode).toBe(200)
    })
  })

  describe('AWS door', () => {
    function send(signed: Signed) {
      return api.app.inject({
        method: 'POST',
        url: '/',
        headers: signed.headers,
        payload: signed.body,
      })
    }

    it('accepts a valid SigV4 signature', async () => {
      const res = await send(await sign('ListStateMachines', {}))
      expect(res.statusCode, res.body).toBe(200)
    })

    it('refuses a request without Authorization: 403 MissingAuthenticationTokenException', async () => {
      const res = await api.app.inject({
        method: 'POST',
        url: '/',
        headers: {
          'x-amz-target': 'AWSStepFunctions.ListStateMachines',
          'content-type': 'application/x-amz-json-1.0',
        },
        payload: '{}',
      })
      expect(res.statusCode).toBe(403)
      expect(res.json()).toEqual({
        __type: 'MissingAuthenticationTokenException',
        message: 'Missing Authentication Token',
      })
    })

    it('refuses an unknown access key: 403 UnrecognizedClientException', async () => {
      const res = await send(
        await sign('ListStateMachines', {}, { accessKeyId: 'AKIDNOBODY', secret: SECRET }),
      )
      expect(res.statusCode).toBe(403)
      expect(res.json()).toMatchObject({ __type: 'UnrecognizedClientException' })
    })

    it('refuses a tampered signature, and a body changed after signing: 403, nothing created', async () => {
      const name = uniqueName('tamper')
      await unchanged(async () => {
        const signed = await sign('CreateStateMachine', { name, definition: PASS })
        const auth = signed.headers['authorization'] ?? ''
        const last = auth.at(-1) === '0' ? '1' : '0'
        const tampered = await send({
          headers: { ...signed.headers, authorization: `${auth.slice(0, -1)}${last}` },
          body: signed.body,
        })
        expect(tampered.statusCode).toBe(403)
        expect(tampered.json()).toMatchObject({ __type: 'InvalidSignatureException' })

        const fresh = await sign('CreateStateMachine', { name, definition: PASS })
        const changedBody = await send({
          headers: fresh.headers,
          body: JSON.stringify({ name: `${name}-x`, definition: PASS }),
        })
        expect(changedBody.statusCode).toBe(403)
        expect(changedBody.json()).toMatchObject({ __type: 'InvalidSignatureException' })

        const otherAction = await send({
          headers: { ...fresh.headers, 'x-amz-target': 'AWSStepFunctions.DeleteStateMachine' },
          body: fresh.body,
        })
        expect(otherAction.statusCode).toBe(403)
      })
    })

    it('refuses a replayed old signature (Signature expired) and one dated in the future', async () => {
      const name = uniqueName('replay')
      await unchanged(async () => {
        const old = await sign(
          'CreateStateMachine',
          { name, definition: PASS },
          { date: new Date(Date.now() - 10 * 60_000) },
        )
        const res = await send(old)
        expect(res.statusCode).toBe(403)
        expect(res.json()).toMatchObject({
          __type: 'InvalidSignatureException',
          message: expect.stringContaining('Signature expired'),
        })
        const future = await sign(
          'CreateStateMachine',
          { name, definition: PASS },
          { date: new Date(Date.now() + 10 * 60_000) },
        )
        expect((await send(future)).statusCode).toBe(403)
      })
    })

    it('refuses a request that was accepted once, replayed 10 minutes later', async () => {
      const signed = await sign('CreateStateMachine', {
        name: uniqueName('replayed'),
        definition: PASS,
      })
      expect((await send(signed)).statusCode).toBe(200)
      clockOffsetMs = 10 * 60_000
      try {
        await unchanged(async () => {
          const replayed = await send(signed)
          expect(replayed.statusCode).toBe(403)
          expect(replayed.json()).toMatchObject({
            __type: 'InvalidSignatureException',
            message: expect.stringContaining('Signature expired'),
          })
        })
      } finally {
        clockOffsetMs = 0
      }
    })

    it('refuses an action outside the credential’s scope: 403 AccessDeniedException', async () => {
      await unchanged(async () => {
        const res = await send(
          await sign(
            'CreateStateMachine',
            { name: uniqueName('denied'), definition: PASS },
            { accessKeyId: READER_ID, secret: READER_SECRET },
          ),
        )
        expect(res.statusCode).toBe(403)
        expect(res.json()).toMatchObject({ __type: 'AccessDeniedException' })
      })
      const read = await send(
        await sign('ListStateMachines', {}, { accessKeyId: READER_ID, secret: READER_SECRET }),
      )
      expect(read.statusCode).toBe(200)
    })

    it('accepts bearer keys too, and refuses a wrong one as AWS would', async () => {
      const headers = {
        'x-amz-target': 'AWSStepFunctions.ListStateMachines',
        'content-type': 'application/x-amz-json-1.0',
      }
      const ok = await api.app.inject({
        method: 'POST',
        url: '/',
        headers: { ...headers, authorization: `Bearer ${READ_KEY}` },
        payload: '{}',
      })
      expect(ok.statusCode).toBe(200)
      const bad = await api.app.inject({
        method: 'POST',
        url: '/',
        headers: { ...headers, authorization: 'Bearer nope-nope-nope-nope' },
        payload: '{}',
      })
      expect(bad.statusCode).toBe(403)
      expect(bad.json()).toMatchObject({ __type: 'UnrecognizedClientException' })
    })
  })

  it('never logs a key or a secret', () => {
    const all = api.logs.join('\n')
    for (const secret of [ADMIN_KEY, READ_KEY, START_KEY, WORKER_KEY, SECRET, READER_SECRET]) {
      expect(all).not.toContain(secret)
    }
    // …while the principal of each request is logged by id.
    expect(all).toContain(`key-${hashKey(READ_KEY).slice(0, 12)}`)
  })
})

describe('auth configuration', () => {
  it('keeps only hashes of MILLRACE_API_KEYS and parses scopes', () => {
    const [admin, worker] = parseApiKeys(`${ADMIN_KEY}, ${WORKER_KEY}=worker:resize+read`)
    expect(admin?.sha256.toString('hex')).toBe(hashKey(ADMIN_KEY))
    expect(JSON.stringify(admin)).not.toContain(ADMIN_KEY)
    expect(worker?.scopes).toEqual([{ kind: 'worker', activity: 'resize' }, { kind: 'read' }])
    expect(() => parseApiKeys('short')).toThrow(/16 characters/)
    expect(() => parseApiKeys(`${ADMIN_KEY}=superuser`)).toThrow(/not a scope/)
  })

  it('reads a keys file of hashes', () => {
    const keys = parseKeysFile(
      JSON.stringify({ keys: [{ id: 'ci', sha256: hashKey(START_KEY), scopes: ['start'] }] }),
    )
    expect(keys[0]).toMatchObject({ id: 'ci', scopes: [{ kind: 'start' }] })
    expect(() => parseKeysFile('{"keys":[{"sha256":"xyz"}]}')).toThrow(/64 hex/)
  })

  it('requires a credential unless MILLRACE_AUTH=off', () => {
    expect(() => authConfigFromEnv({})).toThrow(/MILLRACE_AUTH=off/)
    expect(authConfigFromEnv({ MILLRACE_AUTH: 'off' })).toEqual({ mode: 'off' })
    expect(
      authConfigFromEnv({ MILLRACE_AWS_CREDENTIALS: `${ACCESS_KEY_ID}:${SECRET}` }),
    ).toMatchObject({ mode: 'on', apiKeys: [], awsCredentials: [{ accessKeyId: ACCESS_KEY_ID }] })
  })
})
