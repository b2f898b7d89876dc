import { MillraceError } from '../errors.js'
import type { Engine } from '../runtime/engine.js'
import { requireString } from './validation.js'

/**
 * Strict parsing of the ARNs the API receives. A malformed ARN, or one of the wrong resource
 * type, is InvalidArn (as AWS answers). A well-formed ARN that names nothing here (another
 * region, account or partition, a version or alias qualifier) parses to `local: false`, and the
 * caller answers …DoesNotExist, as AWS does for a state machine it does not have.
 *
 * AWS ARN forms: `arn:aws:states:us-east-1:123456789012:stateMachine:orders` and
 * `arn:aws:states:us-east-1:123456789012:execution:orders:order-42`.
 */

/** ARN length limit of the Step Functions API (AWS: "Length Constraints: … Maximum length of 256"). */
export const MAX_ARN_LENGTH = 256

// arn:partition:service:region:account:resource. Segments hold no ':' except the resource.
const ARN = /^arn:(aws[a-z-]*):([a-z0-9-]+):([a-z0-9-]*):(\d{12}|):(.+)$/
// A name segment as AWS allows it in an ARN: what checkName allows, without the length check.
const SEGMENT = /^[^\s<>{}[\]?*"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f]+$/u

export interface StateMachineArn {
  readonly arn: string
  readonly name: string
  /** A version (`1`) or alias (`prod`) qualifier: millrace has neither, so it names nothing. */
  readonly qualifier: string | undefined
  /** False when the ARN is well formed but cannot name a state machine of this engine. */
  readonly local: boolean
}

export interface ExecutionArn {
  readonly arn: string
  readonly stateMachineName: string
  readonly executionName: string
  readonly local: boolean
}

/**
 * Parses a state machine ARN; throws InvalidArn when it is not one.
 *
 * @example
 * parseStateMachineArn(engine, 'arn:aws:states:us-east-1:000000000000:stateMachine:orders')
 * // { arn, name: 'orders', local: true }
 */
export function parseStateMachineArn(
  engine: Engine,
  value: unknown,
  field = 'stateMachineArn',
): StateMachineArn {
  const arn = requireString(value, field, MAX_ARN_LENGTH)
  const { partition, region, account, type, rest } = splitStatesArn(arn, field)
  if (type !== 'stateMachine') throw wrongType(arn, type, field)
  const [name, qualifier] = rest
  if (name === undefined || !SEGMENT.test(name) || rest.length > 2 || qualifier === '') {
    throw invalidArn(arn, field)
  }
  if (qualifier !== undefined && !SEGMENT.test(qualifier)) throw invalidArn(arn, field)
  // A version (`:1`) or alias (`:prod`) qualifier names something millrace does not have.
  const local = qualifier === undefined && isLocal(engine, partition, region, account)
  return { arn, name, qualifier, local }
}

/**
 * Parses an execution ARN; throws InvalidArn when it is not one.
 *
 * @example
 * parseExecutionArn(engine, 'arn:aws:states:us-east-1:000000000000:execution:orders:order-42')
 * // { arn, stateMachineName: 'orders', executionName: 'order-42', local: true }
 */
export function parseExecutionArn(
  engine: Engine,
  value: unknown,
  field = 'executionArn',
): ExecutionArn {
  const arn = requireString(value, field, MAX_ARN_LENGTH)
  const { partition, region, account, type, rest } = splitStatesArn(arn, field)
  if (type !== 'execution') throw wrongType(arn, type, field)
  const [stateMachineName, executionName] = rest
  if (
    rest.length !== 2 ||
    stateMachineName === undefined ||
    executionName === undefined ||
    !SEGMENT.test(stateMachineName) ||
    !SEGMENT.test(executionName)
  ) {
    throw invalidArn(arn, field)
  }
  return {
    arn,
    stateMachineName,
    executionName,
    local: isLocal(engine, partition, region, account),
  }
}

// An IAM role ARN: arn:aws:iam::123456789012:role/path/name (AWS's role name characters).
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/

/** Checks a role ARN (CreateStateMachine, UpdateStateMachine); throws InvalidArn. */
export function checkRoleArn(value: unknown, field = 'roleArn'): string {
  const arn = requireString(value, field, MAX_ARN_LENGTH)
  if (!ROLE_ARN.test(arn)) {
    throw new MillraceError(
      'InvalidArn',
      `Invalid Arn: 'Resource type not valid in this context: ${arn}'`,
      {
        field,
        arn,
      },
    )
  }
  return arn
}

interface StatesArnParts {
  readonly partition: string
  readonly region: string
  readonly account: string
  /** The resource type: `stateMachine`, `execution`, `activity` … */
  readonly type: string
  /** The resource's `:`-separated parts after the type. */
  readonly rest: readonly string[]
}

function splitStatesArn(arn: string, field: string): StatesArnParts {
  const match = ARN.exec(arn)
  const [, partition, service, region, account, resource] = match ?? []
  if (
    partition === undefined ||
    service !== 'states' ||
    !region ||
    !account ||
    resource === undefined
  ) {
    throw invalidArn(arn, field)
  }
  const [type = '', ...rest] = resource.split(':')
  return { partition, region, account, type, rest }
}

function isLocal(engine: Engine, partition: string, region: string, account: string): boolean {
  return partition === 'aws' && region === engine.region && account === engine.accountId
}

function invalidArn(arn: string, field: string): MillraceError {
  return new MillraceError('InvalidArn', `Invalid Arn: 'Unable to parse the ARN: ${arn}'`, {
    field,
    arn,
  })
}

function wrongType(arn: string, type: string, field: string): MillraceError {
  return new MillraceError(
    'InvalidArn',
    `Invalid Arn: 'Resource type not valid in this context: ${type}'`,
    { field, arn },
  )
}

export interface ActivityArn {
  readonly arn: string
  readonly name: string
  readonly local: boolean
}

/**
 * Parses an activity ARN; throws InvalidArn when it is not one.
 *
 * @example
 * parseActivityArn(engine, 'arn:aws:states:us-east-1:000000000000:activity:resize')
 * // { arn, name: 'resize', local: true }
 */
export function parseActivityArn(
  engine: Engine,
  value: unknown,
  field = 'activityArn',
): ActivityArn {
  const arn = requireString(value, field, MAX_ARN_LENGTH)
  const { partition, region, account, type, rest } = splitStatesArn(arn, field)
  if (type !== 'activity') throw wrongType(arn, type, field)
  const [name] = rest
  if (rest.length !== 1 || name === undefined || !SEGMENT.test(name)) throw invalidArn(arn, field)
  return { arn, name, local: isLocal(engine, partition, region, account) }
}
