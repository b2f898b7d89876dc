// @millrace/worker-sdk: activity workers and function endpoints for millrace, with nothing but
// node:http (or a fetch you pass). It imports nothing from millrace's engine or API.
export {
  ConnectionError,
  ServiceError,
  StepFunctionsClient,
  type ClientOptions,
  type Credentials,
} from './client.js'
export {
  createFunctionHandler,
  type FunctionContext,
  type FunctionHandler,
} from './function-handler.js'
export { keepAliveFetch, type Fetch } from './keep-alive-fetch.js'
export { failureOf, TaskFailure } from './task-failure.js'
export {
  createWorker,
  TaskTimedOutError,
  WORKER_STOPPED,
  WorkerStoppedError,
  type Handler,
  type TaskContext,
  type Worker,
  type WorkerOptions,
  type WorkerState,
} from './worker.js'
