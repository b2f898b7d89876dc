import { readdirSync, readFileSync } from 'node:fs'

/**
 * CPU time (ms, user + system) used so far by this process, by the processes named `postgres`
 * on this machine (the local server's backends and helpers; 0 off Linux or with a remote
 * server) and by the given child processes. The bench reports the difference over a run per
 * execution, which tells where a workload's time goes on a shared machine.
 */
export interface CpuSample {
  readonly engine: number
  readonly postgres: number
  readonly children: number
}

const TICK_MS = 10 // USER_HZ is 100 on Linux

export function sampleCpu(childPids: readonly number[]): CpuSample {
  const self = process.cpuUsage()
  return {
    engine: (self.user + self.system) / 1000,
    postgres: sum(postgresPids()),
    children: sum(childPids),
  }
}

export function cpuSince(start: CpuSample, childPids: readonly number[]): CpuSample {
  const now = sampleCpu(childPids)
  return {
    engine: now.engine - start.engine,
    postgres: now.postgres - start.postgres,
    children: now.children - start.children,
  }
}

function postgresPids(): number[] {
  let entries: string[]
  try {
    entries = readdirSync('/proc')
  } catch {
    return []
  }
  return entries.filter((e) => /^\d+$/.test(e) && comm(Number(e)) === 'postgres').map(Number)
}

function comm(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim()
  } catch {
    return undefined
  }
}

function sum(pids: readonly number[]): number {
  let ticks = 0
  for (const pid of pids) {
    try {
      // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      ticks += Number(fields[11]) + Number(fields[12])
    } catch {
      // the process ended: its time is lost to this sample
    }
  }
  return ticks * TICK_MS
}
