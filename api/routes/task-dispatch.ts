import type { Logger } from 'pino'
import { HttpDispatcher } from '../../engine/runtime/dispatch/http.js'
import type { PushHandler } from '../../engine/runtime/engine.js'
import * as service from '../../engine/service/index.js'
import type { Database } from '../../engine/store/index.js'
import { requestShape, responseShape } from '../aws/shapes.js'
import type { ActionContext, ApiExtension, AwsAction } from '../extension.js'
import { activityRoutes } from './activities.js'
import { functionRoutes } from './functions.js'

type Request = Readonly<Record<string, unknown>>

const activityItem = responseShape(
  { activityArn: 'string', name: 'string', creationDate: 'timestamp' },
  ['activityArn', 'name', 'creationDate'],
)

/** The activity a request's ARN names, for a `worker:NAME` key (undefined when malformed). */
function activityOf(request: Request): string | undefined {
  const arn = request['activityArn']
  if (typeof arn !== 'string') return undefined
  const parts = arn.split(':')
  return parts[5] === 'activity' ? parts[6] : undefined
}

/** SendTask*: the token names its task (and activity) only once it is looked up. */
function answerOptions(ctx: ActionContext): service.TaskAnswerOptions {
  return {
    authorize: (task) =>
      ctx.authorize({ kind: 'worker', activity: task.activityName ?? undefined }),
  }
}

/**
 * The AWS JSON 1.0 actions of activities and task tokens. Each maps one-to-one onto its use case
 * in engine/service; the door does the protocol (auth, shapes, `__type` errors, epoch dates).
 */
export const taskDispatchActions: readonly AwsAction[] = [
  {
    name: 'CreateActivity',
    summary: 'Creates an activity (idempotent; tags and encryption settings are not kept).',
    permission: { kind: 'admin' },
    request: requestShape({ name: 'string', tags: 'array', encryptionConfiguration: 'object' }, [
      'name',
    ]),
    response: responseShape({ activityArn: 'string', creationDate: 'timestamp' }, [
      'activityArn',
      'creationDate',
    ]),
    async handle(request, ctx) {
      const created = await service.createActivity(
        ctx.service,
        request as unknown as service.CreateActivityRequest,
      )
      ctx.log.info({ activityArn: created.activityArn }, 'activity created')
      return created
    },
  },
  {
    name: 'DescribeActivity',
    permission: { kind: 'read' },
    request: requestShape({ activityArn: 'string' }, ['activityArn']),
    response: activityItem,
    handle: (request, ctx) =>
      service.describeActivity(ctx.service, request as unknown as service.DescribeActivityRequest),
  },
  {
    name: 'ListActivities',
    permission: { kind: 'read' },
    request: requestShape({ maxResults: 'integer', nextToken: 'string' }),
    response: responseShape(
      { activities: { type: 'array', items: activityItem }, nextToken: 'string' },
      ['activities'],
    ),
    handle: (request, ctx) => service.listActivities(ctx.service, request),
  },
  {
    name: 'DeleteActivity',
    permission: { kind: 'admin' },
    request: requestShape({ activityArn: 'string' }, ['activityArn']),
    response: responseShape({}),
    async handle(request, ctx) {
      await service.deleteActivity(ctx.service, request as unknown as service.DeleteActivityRequest)
      ctx.log.info({ activityArn: request['activityArn'] }, 'activity deleted')
      return {}
    },
  },
  {
    name: 'GetActivityTask',
    summary:
      'Long-polls up to 60 s for a task of the activity; answers {} when none came (AWS answers no taskToken).',
    permission: (request) => ({ kind: 'worker', activity: activityOf(request) }),
    request: requestShape({ activityArn: 'string', workerName: 'string' }, ['activityArn']),
    response: responseShape({ taskToken: 'string', input: 'string' }),
    handle: (request, ctx) =>
      service.getActivityTask(ctx.service, request as unknown as service.GetActivityTaskRequest, {
        signal: ctx.signal,
      }),
  },
  {
    name: 'SendTaskSuccess',
    permission: { kind: 'worker' },
    request: requestShape({ taskToken: 'string', output: 'string' }, ['taskToken', 'output']),
    response: responseShape({}),
    handle: (request, ctx) =>
      service.sendTaskSuccess(
        ctx.service,
        request as unknown as service.SendTaskSuccessRequest,
        answerOptions(ctx),
      ),
  },
  {
    name: 'SendTaskFailure',
    permission: { kind: 'worker' },
    request: requestShape({ taskToken: 'string', error: 'string', cause: 'string' }, ['taskToken']),
    response: responseShape({}),
    handle: (request, ctx) =>
      service.sendTaskFailure(
        ctx.service,
        request as unknown as service.SendTaskFailureRequest,
        answerOptions(ctx),
      ),
  },
  {
    name: 'SendTaskHeartbeat',
    permission: { kind: 'worker' },
    request: requestShape({ taskToken: 'string' }, ['taskToken']),
    response: responseShape({}),
    handle: (request, ctx) =>
      service.sendTaskHeartbeat(
        ctx.service,
        request as unknown as service.SendTaskHeartbeatRequest,
        answerOptions(ctx),
      ),
  },
]

/**
 * Issue 4's API extension: the activity and task-token actions on the AWS JSON 1.0 door, and
 * `/v1/functions`, `/v1/activities`, `/v1/tasks/*` on the REST door. Add it to
 * `DEFAULT_EXTENSIONS` in api/extensions.ts.
 *
 * @example
 * const app = await buildApp({ service, auth, extensions: [taskDispatchExtension] })
 */
export const taskDispatchExtension: ApiExtension = {
  name: 'task dispatch',
  awsActions: taskDispatchActions,
  rest: (app, deps) => {
    functionRoutes(app, deps.service)
    activityRoutes(app, deps.service)
    // Long polls would hold app.close() up to 60 s: answer them (no task) at once instead.
    app.addHook('preClose', async () => {
      await service.closeActivityPolls(deps.service)
    })
  },
}

/** What a process that runs an engine needs for push tasks; see {@link setUpTaskDispatch}. */
export interface TaskDispatch {
  /** The Engine's `pushHandler`: the real HTTP dispatcher. */
  readonly pushHandler: PushHandler
  readonly config: service.MillraceConfig
  /** Registers the configuration's functions and activities (call once the engine started). */
  applyConfig(ctx: service.ServiceContext): Promise<void>
  /** Closes the dispatcher's connections and LISTEN (call after engine.stop()). */
  close(): Promise<void>
}

/**
 * The HTTP dispatcher and the configuration file of a process that runs an engine
 * (`millrace engine`, `millrace serve`, `millrace dev`): MILLRACE_CONFIG names the file (see
 * engine/service/config.ts), MILLRACE_ALLOWED_HOSTS the outbound allow-list (default loopback
 * only), MILLRACE_FUNCTION_CONCURRENCY the calls in flight per function (default 32).
 *
 * @example
 * const dispatch = await setUpTaskDispatch({ database, logger: log, env: process.env })
 * const engine = new Engine({ database, logger: log, pushHandler: dispatch.pushHandler })
 * await engine.start()
 * await dispatch.applyConfig({ engine, database })
 * // … on shutdown
 * await engine.stop()
 * await dispatch.close()
 */
export async function setUpTaskDispatch(options: {
  readonly database: Database
  readonly logger: Logger
  readonly env: Readonly<Record<string, string | undefined>>
  /** Overrides MILLRACE_CONFIG. */
  readonly configFile?: string | undefined
}): Promise<TaskDispatch> {
  const file = options.configFile ?? options.env['MILLRACE_CONFIG']
  const config = file ? service.readConfig(file) : {}
  const allowedHosts = service.allowedHostsFrom(options.env, config)
  const concurrency = options.env['MILLRACE_FUNCTION_CONCURRENCY']
  const dispatcher = new HttpDispatcher({
    database: options.database,
    logger: options.logger,
    ...(allowedHosts ? { allowedHosts } : {}),
    ...(concurrency ? { maxConcurrencyPerFunction: Number(concurrency) } : {}),
  })
  await dispatcher.start()
  if (allowedHosts) options.logger.info({ allowedHosts }, 'outbound allow-list')
  return {
    pushHandler: dispatcher.handle,
    config,
    async applyConfig(ctx) {
      await service.applyConfig(ctx, config)
      const fns = Object.keys(config.functions ?? {})
      if (fns.length > 0 || (config.activities ?? []).length > 0) {
        options.logger.info(
          { functions: fns, activities: config.activities ?? [], file },
          'configuration applied',
        )
      }
    },
    close: () => dispatcher.close(),
  }
}
