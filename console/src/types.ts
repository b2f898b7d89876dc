// The shapes of the REST answers the console reads (docs/api.md, api/console/inspect-routes.ts).
import type { Definition } from './graph.js'

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED'
export const EXECUTION_STATUSES: readonly ExecutionStatus[] = [
  'RUNNING',
  'SUCCEEDED',
  'FAILED',
  'TIMED_OUT',
  'ABORTED',
]

export interface StateMachineItem {
  readonly stateMachineArn: string
  readonly name: string
  readonly type: string
  readonly creationDate: string
}

export interface StateMachine extends StateMachineItem {
  readonly definition: Definition
  readonly revisionId: string
}

export interface MachineSummary {
  readonly revision: number
  readonly executionCounts: Readonly<Record<ExecutionStatus, number>>
  readonly revisions: readonly { revision: number; creationDate: string; executions: number }[]
}

export interface ExecutionItem {
  readonly executionArn: string
  readonly name: string
  readonly status: ExecutionStatus
  readonly startDate: string
  readonly stopDate?: string
}

export interface Execution extends ExecutionItem {
  readonly stateMachineArn: string
  readonly input: unknown
  readonly output?: unknown
  readonly error?: string
  readonly cause?: string
}

export interface StateSummary {
  readonly name: string
  readonly status: string
  readonly entered: number
  readonly succeeded: number
  readonly caught: number
  readonly failed: number
  readonly cancelled: number
  readonly running: number
  readonly retries: number
  readonly error?: string
}

export interface ExecutionStates {
  readonly status: ExecutionStatus
  readonly lastEventId: number
  readonly states: readonly StateSummary[]
}

export interface Attempt {
  readonly attempt: number
  readonly status: string
  readonly kind: string
  readonly resource?: string
  readonly scheduledDate: string
  readonly startedDate?: string
  readonly endDate?: string
  readonly workerName?: string
  readonly waitedMs?: number
  readonly ranMs?: number
  readonly error?: string
  readonly cause?: string
}

export interface ChildRun {
  readonly run: number
  readonly type: 'Parallel' | 'Map'
  readonly total: number
  readonly started: number
  readonly running: number
  readonly succeeded: number
  readonly failed: number
  readonly done: boolean
}

export interface StateDetail {
  readonly name: string
  readonly status: string
  readonly summary?: StateSummary
  readonly visit?: number
  readonly enteredDate?: string
  readonly exitedDate?: string
  readonly input?: unknown
  readonly output?: unknown
  readonly error?: string
  readonly cause?: string
  readonly attempts: readonly Attempt[]
  readonly runs: readonly ChildRun[]
}

export interface Iterations {
  readonly run: number
  readonly runs: readonly ChildRun[]
  readonly iterations: readonly { index: number; status: string; error?: string; cause?: string }[]
  readonly nextToken?: string
}

export interface HistoryEvent {
  readonly id: number
  readonly previousEventId: number
  readonly type: string
  readonly timestamp: string
  readonly [details: string]: unknown
}

export interface EventsPage {
  readonly events: readonly HistoryEvent[]
  readonly typeCounts: Readonly<Record<string, number>>
  readonly nextToken?: string
}
