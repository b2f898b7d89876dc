import type { ApiExtension } from './extension.js'

/**
 * The extensions `millrace serve` and `millrace dev` load. The task-dispatch issue (activities,
 * GetActivityTask, SendTask*, the function registry) adds its extension here; nothing else in
 * `api/` needs to change for it.
 */
export const DEFAULT_EXTENSIONS: readonly ApiExtension[] = []

/**
 * AWS actions millrace will answer once their extension is loaded. Until then the AWS door
 * answers them UnknownOperationException with a message that says they are not available yet,
 * rather than that they do not exist.
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
