// The service layer: the use cases both API doors (REST /v1 and the AWS JSON protocol) call.
// Each takes a ServiceContext and an AWS-shaped request (AWS's field names), and answers an
// AWS-shaped response (timestamps as Date, payloads as JSON text) or throws a MillraceError whose
// code is AWS's error name.
export {
  parseExecutionArn,
  parseStateMachineArn,
  type ExecutionArn,
  type StateMachineArn,
} from './arns.js'
export { checkName, MAX_NAME_LENGTH } from './check-name.js'
export type { ServiceContext } from './context.js'
export {
  createStateMachine,
  defaultRoleArn,
  type CreateStateMachineRequest,
  type CreateStateMachineResponse,
} from './create-state-machine.js'
export { deleteStateMachine, type DeleteStateMachineRequest } from './delete-state-machine.js'
export {
  describeExecution,
  type DescribeExecutionRequest,
  type DescribeExecutionResponse,
} from './describe-execution.js'
export {
  describeStateMachine,
  type DescribeStateMachineRequest,
  type DescribeStateMachineResponse,
} from './describe-state-machine.js'
export {
  describeStateMachineForExecution,
  type DescribeStateMachineForExecutionRequest,
  type DescribeStateMachineForExecutionResponse,
} from './describe-state-machine-for-execution.js'
export {
  getExecutionHistory,
  toHistoryEvent,
  type GetExecutionHistoryRequest,
  type GetExecutionHistoryResponse,
  type HistoryEvent,
} from './get-execution-history.js'
export {
  listExecutions,
  type ExecutionListItem,
  type ListExecutionsRequest,
  type ListExecutionsResponse,
} from './list-executions.js'
export {
  listStateMachines,
  type ListStateMachinesRequest,
  type ListStateMachinesResponse,
  type StateMachineListItem,
} from './list-state-machines.js'
export { requireExecution, requireStateMachine, type StateMachineStatus } from './lookups.js'
export { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from './pagination.js'
export { MAX_PAYLOAD_BYTES, parseJsonInput } from './parse-json-input.js'
export {
  startExecution,
  type StartExecutionRequest,
  type StartExecutionResponse,
} from './start-execution.js'
export {
  MAX_CAUSE_LENGTH,
  MAX_ERROR_LENGTH,
  stopExecution,
  type StopExecutionRequest,
  type StopExecutionResponse,
} from './stop-execution.js'
export {
  updateStateMachine,
  type UpdateStateMachineRequest,
  type UpdateStateMachineResponse,
} from './update-state-machine.js'
export {
  validateStateMachineDefinition,
  type ValidateStateMachineDefinitionRequest,
  type ValidateStateMachineDefinitionResponse,
} from './validate-state-machine-definition.js'
// Issue 4: function endpoints (push tasks), activities (pull tasks) and task tokens.
export { closeActivityPolls, type ActivityDescription } from './activities.js'
export { parseActivityArn, type ActivityArn } from './arns.js'
export {
  createActivity,
  type CreateActivityRequest,
  type CreateActivityResponse,
} from './create-activity.js'
export { deleteActivity, type DeleteActivityRequest } from './delete-activity.js'
export { deleteFunction, type DeleteFunctionRequest } from './delete-function.js'
export {
  describeActivity,
  type DescribeActivityRequest,
  type DescribeActivityResponse,
} from './describe-activity.js'
export {
  checkFunctionName,
  DEFAULT_FUNCTION_TIMEOUT_SECONDS,
  functionArn,
  FUNCTIONS_CHANNEL,
  MAX_FUNCTION_TIMEOUT_SECONDS,
  type FunctionDescription,
} from './functions.js'
export {
  getActivityTask,
  type GetActivityTaskRequest,
  type GetActivityTaskResponse,
} from './get-activity-task.js'
export { getFunction, type GetFunctionRequest } from './get-function.js'
export {
  listActivities,
  type ListActivitiesRequest,
  type ListActivitiesResponse,
} from './list-activities.js'
export {
  listFunctions,
  type ListFunctionsRequest,
  type ListFunctionsResponse,
} from './list-functions.js'
export { putFunction, type PutFunctionRequest, type PutFunctionResponse } from './put-function.js'
export { sendTaskFailure, type SendTaskFailureRequest } from './send-task-failure.js'
export { sendTaskHeartbeat, type SendTaskHeartbeatRequest } from './send-task-heartbeat.js'
export { sendTaskSuccess, type SendTaskSuccessRequest } from './send-task-success.js'
export { type TaskAnswerOptions } from './task-tokens.js'
export { allowedHostsFrom, applyConfig, readConfig, type MillraceConfig } from './config.js'
// Issue 7: what the web console reads (per-state summaries, Map iterations, filtered history).
export {
  describeExecutionState,
  describeExecutionStates,
  listExecutionEvents,
  listMapIterations,
  type AttemptDescription,
  type ExecutionStatesResponse,
  type ListExecutionEventsResponse,
  type ListMapIterationsResponse,
  type StateDescription,
  type StateStatus,
  type StateSummary,
} from './inspect-execution.js'
export {
  describeStateMachineRevision,
  describeStateMachineSummary,
  type StateMachineSummary,
} from './inspect-state-machine.js'
