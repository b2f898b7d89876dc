import { readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  ERROR_CODES,
  MillraceError,
  isMillraceError,
  restStatusOf,
  type ErrorCode,
} from '../../../engine/errors.js'

describe('error codes', () => {
  it('docs/errors.md lists exactly the codes of ERROR_CODES, with the same statuses and meaning', () => {
    const doc = readFileSync(path.resolve(import.meta.dirname, '../../../docs/errors.md'), 'utf8')
    const documented = [
      ...doc.matchAll(/^\| `([A-Za-z]+)`\s*\| (\d{3})\s*\| (\d{3})\s*\| (.*?)\s*\|$/gm),
    ].map((m) => [m[1], Number(m[2]), Number(m[3]), m[4]])
    const table = Object.entries(ERROR_CODES).map(([code, e]) => [
      code,
      e.status,
      restStatusOf(code as ErrorCode),
      e.message,
    ])
    expect(documented.sort()).toEqual(table.sort())
  })

  it('a MillraceError carries its code and status and is recognised without instanceof', () => {
    const err = new MillraceError('ExecutionDoesNotExist', 'Execution does not exist: arn:x')
    expect(err.code).toBe('ExecutionDoesNotExist')
    expect(err.status).toBe(400)
    expect(isMillraceError(err)).toBe(true)
    expect(isMillraceError(new Error('x'))).toBe(false)
    expect(isMillraceError({ name: 'MillraceError', code: 'X' })).toBe(true)
  })
})
