import { isObject, type JsonObject } from '../json.js'
import type { StateInfo, ValidationContext } from './context.js'
import { ISSUE_CODES, type Pointer } from './issues.js'
import { label, type StateType } from './schema.js'

/**
 * Rules about which fields of a state may appear together, which JSON Schema states badly:
 * Next/End, the static/Path pairs AWS makes mutually exclusive, HeartbeatSeconds below
 * TimeoutSeconds, Map's ItemProcessor/Iterator and Label, and the Task Resource ARN.
 *
 * AWS: each state's page in the developer guide ("You can specify either X or XPath, but not
 * both"), "Map state: Label", "Task: Resource".
 */

/** States that continue somewhere: they need exactly one of Next and `"End": true`. */
const NEEDS_TRANSITION: ReadonlySet<StateType> = new Set([
  'Pass',
  'Task',
  'Wait',
  'Parallel',
  'Map',
])

/** AWS: at most one of each pair. The issue is placed on the first field of the pair. */
const EXCLUSIVE_PAIRS: Readonly<
  Partial<Record<StateType, readonly (readonly [string, string])[]>>
> = {
  Task: [
    ['TimeoutSeconds', 'TimeoutSecondsPath'],
    ['HeartbeatSeconds', 'HeartbeatSecondsPath'],
  ],
  Fail: [
    ['Error', 'ErrorPath'],
    ['Cause', 'CausePath'],
  ],
  Map: [
    ['ItemProcessor', 'Iterator'],
    ['ItemSelector', 'Parameters'],
    ['MaxConcurrency', 'MaxConcurrencyPath'],
    ['ToleratedFailureCount', 'ToleratedFailureCountPath'],
    ['ToleratedFailurePercentage', 'ToleratedFailurePercentagePath'],
  ],
}

const WAIT_FIELDS = ['Seconds', 'SecondsPath', 'Timestamp', 'TimestampPath'] as const

// A partition, a service, an optional region and 12-digit account, then the resource: the shape of
// every Task Resource (Lambda function, activity, or arn:aws:states:::service:api integration).
const ARN = /^arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:(\d{12})?:\S+$/

// AWS: "Label ... can contain up to 40 characters ... must be unique within the state machine
// definition and can't contain: whitespace, brackets, wildcards, special characters, control
// characters".
const MAX_LABEL_LENGTH = 40
const LABEL_FORBIDDEN = /[\s<>{}[\]?*"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f]/

export function checkStateFields(ctx: ValidationContext, info: StateInfo): void {
  const node = info.node
  const type = info.type
  if (!node || !type) return
  const has = (f: string): boolean => node[f] !== undefined

  if (NEEDS_TRANSITION.has(type)) {
    if (has('Next') && has('End')) {
      ctx.sink.error(
        ISSUE_CODES.SCHEMA_VALIDATION_FAILED,
        info.location,
        `${info.subject} has both 'Next' and 'End'; a ${type} state needs exactly one of them`,
      )
    } else if (!has('Next') && node['End'] !== true) {
      ctx.sink.error(
        ISSUE_CODES.SCHEMA_VALIDATION_FAILED,
        info.location,
        `${info.subject} has neither 'Next' nor "End": true; a ${type} state needs exactly one ` +
          `of them`,
      )
    }
  }

  for (const [a, b] of EXCLUSIVE_PAIRS[type] ?? []) {
    if (has(a) && has(b)) exclusive(ctx, info, [[a], [b]])
  }

  switch (type) {
    case 'Task':
      checkTask(ctx, info, node)
      break
    case 'Wait': {
      const present = WAIT_FIELDS.filter(has)
      if (present.length !== 1) {
        ctx.sink.error(
          ISSUE_CODES.SCHEMA_VALIDATION_FAILED,
          info.location,
          `${info.subject} must have exactly one of ${listFields(
            info.ql === 'JSONata' ? ['Seconds', 'Timestamp'] : WAIT_FIELDS,
          )}` + (present.length > 1 ? `, but has ${listFields(present)}` : ', but has none'),
        )
      }
      break
    }
    case 'Map':
      checkMap(ctx, info, node)
      break
    case 'Pass':
    case 'Choice':
    case 'Succeed':
    case 'Fail':
    case 'Parallel':
      break
  }
}

function checkTask(ctx: ValidationContext, info: StateInfo, node: JsonObject): void {
  const resource = node['Resource']
  if (typeof resource === 'string' && resource !== '' && !ARN.test(resource)) {
    ctx.sink.error(
      ISSUE_CODES.INVALID_RESOURCE,
      [...info.location, 'Resource'],
      `${info.subject}: field 'Resource' holds '${resource}', which is not a resource ARN ` +
        `(such as arn:aws:states:::lambda:invoke or arn:aws:lambda:<region>:<account>:function:<name>)`,
    )
  }
  const timeout = node['TimeoutSeconds']
  const heartbeat = node['HeartbeatSeconds']
  if (typeof timeout === 'number' && typeof heartbeat === 'number' && heartbeat >= timeout) {
    ctx.sink.error(
      ISSUE_CODES.SCHEMA_VALIDATION_FAILED,
      [...info.location, 'HeartbeatSeconds'],
      `${info.subject}: field 'HeartbeatSeconds' (${heartbeat}) must be smaller than ` +
        `'TimeoutSeconds' (${timeout})`,
    )
  }
  const credentials = node['Credentials']
  if (isObject(credentials) && info.ql === 'JSONPath') {
    const present = ['RoleArn', 'RoleArn.$'].filter((f) => credentials[f] !== undefined)
    if (present.length !== 1) {
      ctx.sink.error(
        ISSUE_CODES.SCHEMA_VALIDATION_FAILED,
        [...info.location, 'Credentials'],
        `${info.subject}: field 'Credentials' must have exactly one of 'RoleArn' and 'RoleArn.$'`,
      )
    }
  } else if (isObject(credentials) && credentials['RoleArn'] === undefined) {
    ctx.sink.error(
      ISSUE_CODES.SCHEMA_VALIDATION_FAILED,
      [...info.location, 'Credentials'],
      `${info.subject}: field 'Credentials.RoleArn' is required`,
    )
  }
}

function checkMap(ctx: ValidationContext, info: StateInfo, node: JsonObject): void {
  if (node['ItemProcessor'] === undefined && node['Iterator'] === undefined) {
    ctx.sink.error(
      ISSUE_CODES.SCHEMA_VALIDATION_FAILED,
      info.location,
      `${info.subject}: field 'ItemProcessor' is required (or its deprecated form 'Iterator')`,
    )
  }
  const batcher = node['ItemBatcher']
  if (isObject(batcher)) {
    for (const f of ['MaxItemsPerBatch', 'MaxInputBytesPerBatch']) {
      if (batcher[f] !== undefined && batcher[`${f}Path`] !== undefined) {
        exclusive(ctx, info, [
          ['ItemBatcher', f],
          ['ItemBatcher', `${f}Path`],
        ])
      }
    }
  }
  const reader = node['ItemReader']
  const config = isObject(reader) ? reader['ReaderConfig'] : undefined
  if (
    isObject(config) &&
    config['MaxItems'] !== undefined &&
    config['MaxItemsPath'] !== undefined
  ) {
    const base = ['ItemReader', 'ReaderConfig']
    exclusive(ctx, info, [
      [...base, 'MaxItems'],
      [...base, 'MaxItemsPath'],
    ])
  }
  const mapLabel = node['Label']
  if (typeof mapLabel === 'string') {
    const at = [...info.location, 'Label']
    if (mapLabel.length === 0 || [...mapLabel].length > MAX_LABEL_LENGTH) {
      ctx.sink.error(
        ISSUE_CODES.INVALID_LABEL_NAME,
        at,
        `${info.subject}: field 'Label' must hold 1 to ${MAX_LABEL_LENGTH} characters`,
      )
    } else if (LABEL_FORBIDDEN.test(mapLabel)) {
      ctx.sink.error(
        ISSUE_CODES.INVALID_LABEL_NAME,
        at,
        `${info.subject}: field 'Label' holds '${mapLabel}', which contains a character a label ` +
          `cannot hold (whitespace, < > { } [ ] ? * " # % \\ ^ | ~ \` $ & , ; : / or a control character)`,
      )
    }
    const first = ctx.labels.get(mapLabel)
    if (first) {
      ctx.sink.error(
        ISSUE_CODES.DUPLICATE_LABEL_NAME,
        at,
        `${info.subject}: the Label '${mapLabel}' is already used by the Map state at ` +
          `${pointerText(first)}; labels must be unique within the state machine`,
      )
    } else {
      ctx.labels.set(mapLabel, at)
    }
  }
}

/** Reports fields that cannot be set together, at the first of them (each relative to the state). */
function exclusive(ctx: ValidationContext, info: StateInfo, fields: readonly Pointer[]): void {
  ctx.sink.error(
    ISSUE_CODES.SCHEMA_VALIDATION_FAILED,
    [...info.location, ...(fields[0] ?? [])],
    `${info.subject}: fields ${listFields(fields.map(label))} cannot be used together; use only ` +
      `one of them`,
  )
}

function listFields(fields: readonly string[]): string {
  return fields.map((f) => `'${f}'`).join(', ')
}

function pointerText(p: Pointer): string {
  return p.map((s) => `/${String(s)}`).join('')
}
