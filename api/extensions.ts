import { inspectExtension } from './console/inspect-routes.js'
import type { ApiExtension } from './extension.js'
import { taskDispatchExtension } from './routes/task-dispatch.js'

/**
 * The extensions `millrace serve` and `millrace dev` load (and `buildApp` when its options name
 * none): task dispatch brings activities, GetActivityTask, SendTask* and the function registry;
 * inspection brings the read-only views the web console uses (api/console/inspect-routes.ts).
 * A new feature adds its extension here; nothing else in `api/` needs to change for it.
 */
export const DEFAULT_EXTENSIONS: readonly ApiExtension[] = [taskDispatchExtension, inspectExtension]

/**
 * AWS actions millrace answers through an extension. When an app is built without it (tests,
 * embedders), the AWS door answers them UnknownOperationException with a message that says they
 * are not available in this server, rather than that they do not exist.
 */
export const PLANNED_AWS_ACTIONS: readonly string[] = [
  'CreateActivity',
  'DescribeActivity',
  'ListActivities',
  'DeleteActivity',
  'GetActivityTask',
  'SendTaskSuccess',
  'SendTaskFailure',
  'SendTaskHeartbeat',
]
