import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { allowedHostsFrom, readConfig } from '../../../engine/service/config.js'

/** The configuration file an engine process reads at start (MILLRACE_CONFIG). */
describe('readConfig', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'millrace-config-'))
  const write = (name: string, text: string) => {
    const file = path.join(dir, name)
    writeFileSync(file, text)
    return file
  }

  it('reads functions, activities and allowedHosts', () => {
    const file = write(
      'ok.json',
      JSON.stringify({
        functions: { echo: { url: 'http://127.0.0.1:9000/echo', timeoutSeconds: 5 } },
        activities: ['resize'],
        allowedHosts: ['localhost'],
      }),
    )
    expect(readConfig(file)).toEqual({
      functions: { echo: { url: 'http://127.0.0.1:9000/echo', timeoutSeconds: 5 } },
      activities: ['resize'],
      allowedHosts: ['localhost'],
    })
  })

  it('names the file and the problem', () => {
    expect(() => readConfig(write('bad.json', '{'))).toThrow(/bad\.json/)
    expect(() => readConfig(write('key.json', '{"function":{}}'))).toThrow(/unknown key "function"/)
    expect(() => readConfig(write('list.json', '{"activities":"a"}'))).toThrow(/list of strings/)
  })
})

describe('allowedHostsFrom', () => {
  it('MILLRACE_ALLOWED_HOSTS wins over the file; neither means the default', () => {
    expect(
      allowedHostsFrom(
        { MILLRACE_ALLOWED_HOSTS: 'a.example, 10.0.0.0/8 ' },
        { allowedHosts: ['x'] },
      ),
    ).toEqual(['a.example', '10.0.0.0/8'])
    expect(allowedHostsFrom({}, { allowedHosts: ['x'] })).toEqual(['x'])
    expect(allowedHostsFrom({})).toBeUndefined()
  })
})
