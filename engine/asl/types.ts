import type { HistoryEvent } from './history.js'
import type { JsonValue } from './json.js'
import type { TaskResource } from './resources.js'

/**
 * The interpreter's data: frames (snapshots), the events fed into it and the commands it gives.
 * All of it is plain JSON so the runtime can persist it as is.
 */

export type FrameStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'ABORTED' | 'TIMED_OUT'

/** Where a child frame came from: one Map iteration or one Parallel branch. */
export type FrameOrigin =
  | {
      readonly kind: 'map'
      readonly mapState: string
      readonly index: number
    }
  | { readonly kind: 'branch'; readonly parallelState: string; readonly index: number }

/** What a suspended frame waits for. Events that do not match it are stale and ignored. */
export type Waiting =
  | { readonly kind: 'task'; readonly taskId: string; readonly started: boolean }
  | { readonly kind: 'timer'; readonly timerId: string; readonly reason: 'Wait' | 'Retry' }
  | { readonly kind: 'children'; readonly childrenId: string }

/**
 * The snapshot of one frame: the top-level run of an execution, or one Parallel branch or Map
 * iteration. Its size does not depend on how many siblings it has.
 */
export interface Frame {
  /** Scope id: the JSON pointer of the state list this frame runs ('' for the top level). */
  readonly scope: string
  readonly status: FrameStatus
  readonly origin?: FrameOrigin
  /** The current state and its raw input. */
  readonly state?: string
  readonly stateInput?: JsonValue
  readonly enteredEventId: number
  readonly enteredTime: number
  readonly lastEventId: number
  /** Retries made so far in the current state, per retrier, and in total. */
  readonly retries: readonly number[]
  readonly retryCount: number
  readonly waiting?: Waiting | undefined
  /** The timer that ends the execution at its TimeoutSeconds (top-level frame only). */
  readonly executionTimerId?: string
  readonly output?: JsonValue
  readonly error?: string
  readonly cause?: string
  /**
   * Workflow variables this frame's states assigned (its own scope). Parallel branches and Map
   * iterations each have their own; what they assign never reaches the parent.
   */
  readonly variables?: Variables
  /**
   * Variables of the enclosing scopes, as they were when the Parallel or Map state started its
   * children: readable here, never written. Absent for the top-level frame.
   */
  readonly outerVariables?: Variables
}

/** Workflow variables by name (without `$`). AWS: "Passing data between states with variables". */
export type Variables = Readonly<Record<string, JsonValue>>

export type InterpreterEvent =
  | {
      readonly kind: 'Start'
      readonly scope: string
      readonly input: JsonValue
      readonly origin?: FrameOrigin
      /** The event the first event of a child frame follows (its parent's …StateStarted). */
      readonly previousEventId?: number
      /** A child frame's read-only view of the enclosing scopes' variables (ChildSpec.variables). */
      readonly variables?: Variables
    }
  | { readonly kind: 'TaskStarted'; readonly taskId: string; readonly workerName?: string }
  | { readonly kind: 'TaskSucceeded'; readonly taskId: string; readonly output: JsonValue }
  /**
   * A `.waitForTaskToken` task was handed over (the function answered its call): the task now
   * waits for SendTaskSuccess/Failure. `output` is what the call answered.
   */
  | { readonly kind: 'TaskSubmitted'; readonly taskId: string; readonly output: JsonValue }
  | {
      readonly kind: 'TaskFailed'
      readonly taskId: string
      readonly error?: string
      readonly cause?: string
    }
  | {
      readonly kind: 'TaskTimedOut'
      readonly taskId: string
      readonly heartbeat: boolean
      readonly cause?: string
    }
  | { readonly kind: 'TimerFired'; readonly timerId: string }
  | {
      readonly kind: 'ChildrenSucceeded'
      readonly childrenId: string
      readonly outputs: readonly JsonValue[]
    }
  | {
      readonly kind: 'ChildrenFailed'
      readonly childrenId: string
      readonly error?: string
      readonly cause?: string
    }
  | { readonly kind: 'Stop'; readonly error?: string; readonly cause?: string }

export interface ChildSpec {
  readonly scope: string
  readonly input: JsonValue
  readonly origin: FrameOrigin
  /**
   * The variables the child may read (every enclosing scope's, merged), present when there are
   * any. The runtime passes them on in the child's Start event and keeps them with the child.
   */
  readonly variables?: Variables
}

export type Command =
  | {
      readonly kind: 'ScheduleTask'
      readonly taskId: string
      readonly stateName: string
      readonly resource: TaskResource
      readonly input: JsonValue
      /** 1 for the first attempt, 2 for the first retry … */
      readonly attempt: number
      readonly timeoutSeconds?: number
      readonly heartbeatSeconds?: number
      /** Present when the task is answered by token (activities, .waitForTaskToken). */
      readonly taskToken?: string
    }
  | {
      readonly kind: 'ArmTimer'
      readonly timerId: string
      /** Milliseconds since the epoch. */
      readonly at: number
      readonly reason: 'Wait' | 'Retry' | 'ExecutionTimeout'
    }
  | {
      readonly kind: 'StartChildren'
      readonly childrenId: string
      readonly stateName: string
      readonly stateType: 'Parallel' | 'Map'
      readonly children: readonly ChildSpec[]
      /** 0 means no limit. */
      readonly maxConcurrency: number
      readonly toleratedFailureCount?: number
      readonly toleratedFailurePercentage?: number
      /** The …StateStarted event the children's first events follow. */
      readonly previousEventId: number
    }
  | {
      readonly kind: 'Finish'
      readonly status: Exclude<FrameStatus, 'RUNNING'>
      readonly output?: JsonValue
      readonly error?: string
      readonly cause?: string
    }

/** What the interpreter needs from outside, so that it stays pure and replayable. */
export interface InterpreterEnv {
  /** Milliseconds since the epoch. */
  readonly now: number
  /** The id the first history event of this step gets. */
  readonly nextEventId: number
  uuid(): string
  /** A number in [0, 1). */
  random(): number
  /** A fresh unguessable task token (≥ 128 random bits). */
  newTaskToken(): string
  /**
   * Whether an activity ARN names an existing activity. Absent: every activity exists. AWS fails
   * a Task on a deleted activity with States.Runtime before scheduling it.
   */
  activityExists?(arn: string): boolean
  readonly execution: ExecutionContext
}

/** The constant part of the context object (`$$`). */
export interface ExecutionContext {
  readonly id: string
  readonly name: string
  readonly input: JsonValue
  readonly roleArn: string
  /** ISO-8601 */
  readonly startTime: string
  readonly redriveCount: number
  readonly stateMachineId: string
  readonly stateMachineName: string
  readonly region: string
}

export interface Step {
  readonly frame: Frame
  readonly history: readonly HistoryEvent[]
  readonly commands: readonly Command[]
}
