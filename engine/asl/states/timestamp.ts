/**
 * Timestamps as the Choice state reads them (TimestampEquals …, IsTimestamp).
 *
 * AWS: "Choice workflow state", Choice Rules (JSONPath): timestamps follow the RFC 3339 profile of
 * ISO 8601, "with the further restrictions that an uppercase T must separate the date and time
 * portions, and an uppercase Z must denote that a numeric time zone offset isn't present", for
 * example `2016-08-18T17:33:00Z`. So a date alone (`2023-02-24`), a time without zone
 * (`2012-10-09T19:00:55`) or a space instead of `T` (`2023-02-24 12:15:56.832957`) is no timestamp.
 */

/** A point in time: whole seconds since 1970-01-01T00:00:00Z, plus nanoseconds (0 to 999,999,999). */
export interface Instant {
  readonly seconds: number
  readonly nanos: number
}

// Anchored, no nested quantifiers: linear. Fractions keep up to 9 digits (nanoseconds).
const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:Z|([+-])(\d{2}):(\d{2}))$/

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const

/**
 * Parse an RFC 3339 timestamp into an instant, or answer undefined when the text is not one.
 *
 * @example parseTimestamp('2012-10-09T20:00:55+01:00') // same instant as '2012-10-09T19:00:55Z'
 */
export function parseTimestamp(text: string): Instant | undefined {
  const m = RFC3339.exec(text)
  if (!m) return undefined
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ]
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined
  if (hour > 23 || minute > 59 || second > 59) return undefined
  let offset = 0
  if (m[8] !== undefined) {
    const oh = Number(m[9])
    const om = Number(m[10])
    if (oh > 23 || om > 59) return undefined
    offset = (m[8] === '-' ? -1 : 1) * (oh * 3600 + om * 60)
  }
  const seconds = daysFromCivil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second
  const nanos = m[7] === undefined ? 0 : Number(m[7].padEnd(9, '0'))
  return { seconds: seconds - offset, nanos }
}

/** Negative when a is earlier than b, zero when they are the same instant, positive when later. */
export function compareInstants(a: Instant, b: Instant): number {
  return a.seconds !== b.seconds ? a.seconds - b.seconds : a.nanos - b.nanos
}

function daysInMonth(year: number, month: number): number {
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0
  return month === 2 && leap ? 29 : (DAYS_IN_MONTH[month - 1] as number)
}

// Days since 1970-01-01 in the proleptic Gregorian calendar (H. Hinnant's days_from_civil). Date.UTC
// is avoided because it maps years 0–99 to 1900–1999.
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year
  const era = Math.floor(y / 400)
  const yoe = y - era * 400
  const doy = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy
  return era * 146097 + doe - 719468
}
