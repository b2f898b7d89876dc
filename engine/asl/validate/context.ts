import type { JsonObject } from '../json.js'
import type { IssueSink, Pointer } from './issues.js'
import type { QueryLanguage, StateType } from './schema.js'

/** One state as the walker found it. */
export interface StateInfo {
  readonly name: string
  /** `['States', 'P', 'Branches', 0, 'States', 'X']` */
  readonly location: Pointer
  /** `State 'X'`, the subject of every message about this state. */
  readonly subject: string
  /** The state object; undefined when the value is not an object. */
  readonly node: JsonObject | undefined
  /** Undefined when Type is missing or not a state type. */
  readonly type: StateType | undefined
  /** The effective query language: the state's own QueryLanguage, else the top level's. */
  readonly ql: QueryLanguage
}

/** One `States` object: the top level, a Parallel branch, or a Map ItemProcessor/Iterator. */
export interface ScopeInfo {
  /** Where the container (the object holding StartAt and States) is; `[]` for the top level. */
  readonly location: Pointer
  /** `the state machine`, `branch 0 of state 'P'`, `the ItemProcessor of state 'M'`. */
  readonly label: string
  readonly startAt: unknown
  readonly states: ReadonlyMap<string, StateInfo>
}

export interface ValidationContext {
  readonly sink: IssueSink
  /** The top level's query language, which every state inherits (nested ones too). */
  readonly topQl: QueryLanguage
  /** First location of each state name seen, for DUPLICATE_STATE_NAME across scopes. */
  readonly stateNames: Map<string, Pointer>
  /** First location of each Map Label seen, for DUPLICATE_LABEL_NAME. */
  readonly labels: Map<string, Pointer>
  /** Every scope, for messages that point at a state living in another scope. */
  readonly scopes: ScopeInfo[]
}
