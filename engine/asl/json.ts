/** Any value JSON can carry. ASL inputs, outputs, results and context objects are all JsonValue. */
export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject
export interface JsonObject {
  [key: string]: JsonValue
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** Size of a value as AWS measures payloads: bytes of its UTF-8 JSON text. */
export function jsonByteSize(value: JsonValue): number {
  return Buffer.byteLength(JSON.stringify(value) ?? 'null', 'utf8')
}

/** Deep structural equality of two JSON values (object key order ignored). */
export function jsonEquals(a: JsonValue, b: JsonValue): boolean {
  if (a === b) return true
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false
    return a.every((v, i) => jsonEquals(v, b[i] as JsonValue))
  }
  if (Array.isArray(b)) return false
  const bo = b as JsonObject
  const ak = Object.keys(a)
  if (ak.length !== Object.keys(bo).length) return false
  return ak.every((k) => Object.hasOwn(bo, k) && jsonEquals(a[k] as JsonValue, bo[k] as JsonValue))
}

/**
 * JSON text as AWS's Java runtime prints it inside error causes and States.JsonToString:
 * compact, no spaces. Numbers keep JavaScript's shortest form.
 */
export function toJsonText(value: JsonValue): string {
  return JSON.stringify(value)
}
