/** The pure ASL interpreter: the only module other folders import from engine/asl. */
export { judgeChildren, type ChildrenPolicy, type ChildrenVerdict } from './children.js'
export { compileMachine, type CompiledMachine } from './compile/machine.js'
export { AslError, errorMatches, STATES_ERRORS, type AslFailure } from './errors.js'
export { detailsKey, toAwsHistoryEvent, type HistoryEvent } from './history.js'
export { interpret } from './interpret.js'
export { isObject, jsonByteSize, jsonEquals, type JsonObject, type JsonValue } from './json.js'
export { parseResource, type TaskResource } from './resources.js'
export { dataLimitCause, MAX_PAYLOAD_BYTES } from './states/task.js'
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
} from './types.js'
export {
  ISSUE_CODES,
  isValidDefinition,
  validateDefinition,
  type IssueCode,
  type ValidationIssue,
} from './validate/index.js'
