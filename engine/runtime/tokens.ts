import { createHash } from 'node:crypto'

/**
 * Task tokens are 256 random bits (base64url) made by the interpreter's env; the database keeps
 * only their SHA-256, so a leaked table does not let anyone answer a task.
 */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex')
}
