// End to end over REST with plain fetch: the CLI's client commands against a listening server
// (127.0.0.1), with a bearer key, as a user runs them next to `millrace serve`.
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { parseApiKeys } from '../../../api/auth/index.js'
import * as client from '../../../api/commands/client.js'
import { openApiHarness, type ApiHarness } from '../../helpers/api.js'
import { PARKED, PASS } from '../../helpers/service.js'

const KEY = 'cli-client-key-0123456789'

describe('CLI client commands over REST (pglite)', () => {
  let api: ApiHarness
  let url: string
  let dir: string

  beforeAll(async () => {
    api = await openApiHarness('pglite', {
      auth: { mode: 'on', apiKeys: parseApiKeys(KEY), awsCredentials: [] },
    })
    url = await api.app.listen({ host: '127.0.0.1', port: 0 })
    dir = await mkdtemp(path.join(tmpdir(), 'millrace-cli-'))
    await writeFile(path.join(dir, 'pass.json'), PASS)
    await writeFile(path.join(dir, 'parked.json'), PARKED)
    await writeFile(path.join(dir, 'bad.json'), '{"StartAt":"X","States":{"A":{"Type":"Pass"}}}')
    await writeFile(path.join(dir, 'input.json'), '{"orderId":"A-1"}')
    vi.stubEnv('MILLRACE_API_KEY', KEY)
  })
  afterAll(async () => {
    vi.unstubAllEnvs()
    await api.close()
  })

  /** Runs a command; answers its exit status and what it printed. */
  async function run(
    command: (args: string[]) => number | Promise<number>,
    args: string[],
  ): Promise<{ code: number; out: string }> {
    const lines: string[] = []
    const spy = vi.spyOn(console, 'log').mockImplementation((...parts: unknown[]) => {
      lines.push(parts.map(String).join(' '))
    })
    try {
      const code = await command([...args, '--url', url])
      return { code, out: lines.join('\n') }
    } finally {
      spy.mockRestore()
    }
  }

  it('validate lists every problem with its location and exits 1', async () => {
    const bad = await run(client.validate, [path.join(dir, 'bad.json')])
    expect(bad.code).toBe(1)
    expect(bad.out).toMatch(/ERROR MISSING_TRANSITION_TARGET at \/StartAt/)
    expect(bad.out).toMatch(/ERROR \S+ at \/States\/A/)
    const good = await run(client.validate, [path.join(dir, 'pass.json')])
    expect(good).toMatchObject({ code: 0, out: expect.stringContaining('valid') })
  })

  it('create, start --wait, describe, list and history', async () => {
    const created = await run(client.create, ['cli-pass', path.join(dir, 'pass.json')])
    expect(created.out).toContain(
      'created arn:aws:states:us-east-1:123456789012:stateMachine:cli-pass',
    )
    const again = await run(client.create, ['cli-pass', path.join(dir, 'parked.json')])
    expect(again.out).toContain('(revision 2)')
    await run(client.create, ['cli-pass', path.join(dir, 'pass.json')])

    const started = await run(client.start, [
      'cli-pass',
      '--input',
      `@${path.join(dir, 'input.json')}`,
      '--name',
      'run-1',
      '--wait',
    ])
    expect(started.code).toBe(0)
    expect(started.out).toMatch(/status\s+SUCCEEDED/)
    expect(started.out).toContain('"orderId":"A-1"')

    const described = await run(client.describe, ['cli-pass/run-1', '--json'])
    expect(JSON.parse(described.out)).toMatchObject({ status: 'SUCCEEDED', name: 'run-1' })

    const machines = await run(client.list, [])
    expect(machines.out).toContain('cli-pass')
    const executions = await run(client.list, ['cli-pass', '--status', 'SUCCEEDED'])
    expect(executions.out).toMatch(/run-1\s+SUCCEEDED/)

    const history = await run(client.history, [
      'arn:aws:states:us-east-1:123456789012:execution:cli-pass:run-1',
    ])
    expect(
      history.out
        .split('\n')
        .slice(1)
        .map((l) => l.split(/\s+/).filter(Boolean)[4]),
    ).toEqual(['ExecutionStarted', 'PassStateEntered', 'PassStateExited', 'ExecutionSucceeded'])
  })

  it('stop, and history --follow until the end', async () => {
    await run(client.create, ['cli-parked', path.join(dir, 'parked.json')])
    await run(client.start, ['cli-parked', '--name', 'p1'])
    // Both commands print at once, so one collector takes every line.
    const lines: string[] = []
    const spy = vi.spyOn(console, 'log').mockImplementation((...parts: unknown[]) => {
      lines.push(parts.map(String).join(' '))
    })
    try {
      const following = client.history(['cli-parked/p1', '--follow', '--url', url])
      await client.stop(['cli-parked/p1', '--error', 'Halt', '--url', url])
      expect(await following).toBe(0)
    } finally {
      spy.mockRestore()
    }
    expect(lines.some((l) => l.startsWith('stopped at '))).toBe(true)
    expect(lines.some((l) => l.includes('ExecutionAborted'))).toBe(true)
  })

  it('answers an API error as its code, and a missing key as Unauthorized', async () => {
    await expect(run(client.describe, ['cli-pass/nope'])).rejects.toMatchObject({
      code: 'ExecutionDoesNotExist',
    })
    vi.stubEnv('MILLRACE_API_KEY', '')
    try {
      await expect(run(client.list, [])).rejects.toMatchObject({ code: 'Unauthorized' })
    } finally {
      vi.stubEnv('MILLRACE_API_KEY', KEY)
    }
  })
})
