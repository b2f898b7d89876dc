/** The pure ASL interpreter: the only module other folders import from engine/asl. */
export { judgeChildren, type ChildrenPolicy, type ChildrenVerdict } from './children.js'
export { compileMachine, type CompiledMachine } from './compile/machine.js'
export { AslError, errorMatches, STATES_ERRORS, type AslFailure } from './errors.js'
export { detailsKey, toAwsHistoryEvent, type HistoryEvent } from './history.js'
export { interpret } from './interpret.js'
export { isObject, jsonByteSize, jsonEquals, type JsonObject, type JsonValue } from './json.js'
export { parseResource, type TaskResource } from './resources.js'
export { MAX_HISTORY_EVENTS, MAX_PAYLOAD_BYTES } from './run.js'
export { dataLimitCause } from './states/task.js'
export type {
  ChildSpec,
  Command,
  ExecutionContext,
  Frame,
  FrameOrigin,
  FrameStatus,
  InterpreterEnv,
  InterpreterEvent,
  Step,
  Variables,
} from './types.js'
export {
  ISSUE_CODES,
  isValidDefinition,
  validateDefinition,
  type IssueCode,
  type ValidationIssue,
} from './validate/index.js'
