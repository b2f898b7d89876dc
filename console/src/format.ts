// Formatting of dates, durations, statuses and JSON for display.

export function formatDate(value: string | undefined): string {
  if (!value) return '—'
  const d = new Date(value)
  const pad = (n: number, w = 2) => String(n).padStart(w, '0')
  return (
    `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`
  )
}

export function formatDuration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '—'
  if (ms < 1000) return `${Math.round(ms)} ms`
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`
  const minutes = Math.floor(ms / 60_000)
  const seconds = Math.round((ms % 60_000) / 1000)
  if (minutes < 60) return `${minutes} min ${seconds} s`
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`
}

export function between(from: string | undefined, to: string | undefined): number | undefined {
  if (!from || !to) return undefined
  return new Date(to).getTime() - new Date(from).getTime()
}

/** Pretty JSON; JSON text (as history payloads are) is parsed first. */
export function prettyJson(value: unknown): string {
  if (typeof value === 'string') {
    try {
      return JSON.stringify(JSON.parse(value), null, 2)
    } catch {
      return value
    }
  }
  return JSON.stringify(value, null, 2) ?? 'undefined'
}

const LABELS: Readonly<Record<string, string>> = {
  NOT_REACHED: 'not reached',
  RUNNING: 'running',
  SUCCEEDED: 'succeeded',
  FAILED: 'failed',
  CAUGHT: 'caught',
  CANCELLED: 'cancelled',
  TIMED_OUT: 'timed out',
  ABORTED: 'aborted',
  QUEUED: 'queued',
  SCHEDULED: 'scheduled',
  STARTED: 'started',
}

export function statusLabel(status: string): string {
  return LABELS[status] ?? status.toLowerCase()
}
