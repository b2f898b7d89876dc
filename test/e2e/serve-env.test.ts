// `millrace serve` configured only by the environment (HOST, PORT, MILLRACE_DATA_DIR,
// MILLRACE_API_KEYS, MILLRACE_AWS_CREDENTIALS, LOG_LEVEL), and the CLI client as a process: exit
// codes, `Code: message` on stderr, --json on stdout. Real processes, real sockets.
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { ListStateMachinesCommand, SFNClient } from '@aws-sdk/client-sfn'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { makeTempDir } from '../helpers/database.js'
import { EngineProcess, ROOT } from '../helpers/engine-process.js'
import { def, PASS } from '../helpers/service.js'

const KEY = 'serve-env-admin-key-0123456789'
const SCRAPER = 'serve-env-scrape-key-0123456789'

/** Runs `millrace <args>` (the TypeScript sources through tsx); never rejects. */
function cli(
  args: readonly string[],
  env: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'api/cli.ts', ...args],
      { cwd: ROOT, env: { PATH: process.env['PATH'] ?? '', ...env } },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0
        resolve({ code, stdout, stderr })
      },
    )
  })
}

describe('millrace serve configured by the environment', () => {
  let server: EngineProcess
  let dataDir: string
  let url: string

  beforeAll(async () => {
    dataDir = await makeTempDir('millrace-serve-env-')
    server = await EngineProcess.start({
      databaseUrl: '',
      engineId: 'serve-env',
      logLevel: 'debug',
      entry: ['api/cli.ts', 'serve'],
      env: {
        HOST: '127.0.0.1',
        PORT: '0',
        MILLRACE_DATA_DIR: dataDir,
        MILLRACE_API_KEYS: `${KEY},${SCRAPER}=metrics`,
        MILLRACE_AWS_CREDENTIALS: 'AKIDSERVEENV:serve-env-secret-0123456789',
      },
    })
    const listening = await server.waitForLog((l) => l.msg === 'millrace listening')
    url = String(listening['url'])
  })
  afterAll(async () => {
    await server?.stop()
    if (dataDir) await rm(dataDir, { recursive: true, force: true })
  })

  it('listens on HOST:PORT over the embedded database under MILLRACE_DATA_DIR', async () => {
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(existsSync(join(dataDir, 'pglite'))).toBe(true)
    expect((await fetch(`${url}/health`)).status).toBe(200)
    expect((await fetch(`${url}/ready`)).status).toBe(200)
  })

  it('requires the keys of MILLRACE_API_KEYS, with their scopes', async () => {
    expect((await fetch(`${url}/v1/state-machines`)).status).toBe(401)
    const scraperList = await fetch(`${url}/v1/state-machines`, {
      headers: { authorization: `Bearer ${SCRAPER}` },
    })
    expect(scraperList.status).toBe(403)
    expect((await fetch(`${url}/metrics`)).status).toBe(401)
    const metrics = await fetch(`${url}/metrics`, {
      headers: { authorization: `Bearer ${SCRAPER}` },
    })
    expect(metrics.status).toBe(200)
    const text = await metrics.text()
    expect(text).toContain('millrace_executions_started_total')
    // `millrace serve` adds the process's own metrics.
    expect(text).toContain('process_cpu_seconds_total')
  })

  it('takes MILLRACE_AWS_CREDENTIALS for the AWS door', async () => {
    const sfn = (secretAccessKey: string) =>
      new SFNClient({
        endpoint: url,
        region: 'us-east-1',
        credentials: { accessKeyId: 'AKIDSERVEENV', secretAccessKey },
      })
    const listed = await sfn('serve-env-secret-0123456789').send(new ListStateMachinesCommand({}))
    expect(listed.stateMachines).toEqual(expect.any(Array))
    await expect(
      sfn('another-secret-0123456789').send(new ListStateMachinesCommand({})),
    ).rejects.toMatchObject({ name: 'InvalidSignatureException' })
  })

  it('runs the CLI client against it: --json output, and Code: message with exit 1 on errors', async () => {
    const env = { MILLRACE_URL: url, MILLRACE_API_KEY: KEY }
    const dir = await makeTempDir('millrace-serve-env-cli-')
    try {
      const file = join(dir, 'pass.json')
      await writeFile(file, PASS)
      expect((await cli(['create', 'env-pass', file], env)).code).toBe(0)
      const started = await cli(['start', 'env-pass', '--name', 'e1', '--wait', '--json'], env)
      expect(started.code).toBe(0)
      expect(JSON.parse(started.stdout)).toMatchObject({ status: 'SUCCEEDED', name: 'e1' })

      const missing = await cli(['describe', 'env-pass/nope'], env)
      expect(missing.code).toBe(1)
      expect(missing.stderr).toMatch(/^ExecutionDoesNotExist: .*nope/m)
      const unauthorized = await cli(['list'], { MILLRACE_URL: url })
      expect(unauthorized.code).toBe(1)
      expect(unauthorized.stderr).toMatch(/^Unauthorized: /m)
      const invalid = await cli(['validate', join(dir, 'missing.json')], env)
      expect(invalid.code).not.toBe(0)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('logs at LOG_LEVEL with request ids, and the execution ARN of what it started', async () => {
    const res = await fetch(`${url}/v1/state-machines/env-pass/executions`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${KEY}`,
        'content-type': 'application/json',
        'x-request-id': 'serve-env-req-1',
      },
      body: JSON.stringify({ name: 'e2', input: { n: 1 } }),
    })
    expect(res.status).toBe(201)
    expect(res.headers.get('x-request-id')).toBe('serve-env-req-1')
    const line = await server.waitForLog(
      (l) =>
        l['reqId'] === 'serve-env-req-1' &&
        l['executionArn'] === 'arn:aws:states:us-east-1:000000000000:execution:env-pass:e2',
    )
    expect(line.level).toBe(30)
  })

  it('writes debug lines at LOG_LEVEL=debug (a timer decision logs one)', async () => {
    const headers = { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' }
    const definition = def({
      StartAt: 'W',
      States: { W: { Type: 'Wait', Seconds: 1, End: true } },
    })
    const created = await fetch(`${url}/v1/state-machines`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ name: 'env-wait', definition }),
    })
    expect(created.status).toBe(201)
    await fetch(`${url}/v1/state-machines/env-wait/executions`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ name: 'w1' }),
    })
    const line = await server.waitForLog((l) => l.msg === 'decision committed')
    expect(line).toMatchObject({ level: 20, cause: 'timers' })
  })
})
