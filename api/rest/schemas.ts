/**
 * JSON schemas of the REST door. Requests are checked with ajv (bodies without type coercion,
 * unknown fields refused; query strings and path parameters coerced from text); responses are
 * serialized by them, so every field a route answers is listed here.
 */

const timestamp = { type: 'string', format: 'date-time' } as const
/** Any JSON value (execution input and output, definitions). */
const anyJson = {} as const

export const errorResponse = {
  type: 'object',
  description:
    'An error: `code` from docs/errors.md, a message naming the problem, the request id, and for some codes details (the field, a definition’s diagnostics).',
  required: ['code', 'message', 'requestId'],
  properties: {
    code: { type: 'string' },
    message: { type: 'string' },
    requestId: { type: 'string' },
    details: { type: 'object', additionalProperties: true },
  },
} as const

/** Responses every /v1 route may answer besides its own. */
export const errorResponses = {
  400: errorResponse,
  401: errorResponse,
  403: errorResponse,
  404: errorResponse,
  409: errorResponse,
  413: errorResponse,
  415: errorResponse,
  500: errorResponse,
} as const

export const stateMachineNameParams = {
  type: 'object',
  required: ['name'],
  properties: {
    name: { type: 'string', description: 'The state machine name (as in its ARN).' },
  },
} as const

export const executionParams = {
  type: 'object',
  required: ['name', 'execution'],
  properties: {
    name: { type: 'string', description: 'The state machine name.' },
    execution: { type: 'string', description: 'The execution name (as in its ARN).' },
  },
} as const

export const pageQuery = {
  maxResults: {
    type: 'integer',
    minimum: 1,
    maximum: 1000,
    description: 'Page size, 1–1000 (default 100).',
  },
  nextToken: {
    type: 'string',
    minLength: 1,
    maxLength: 1024,
    description: 'The `nextToken` of the previous page; keep the other parameters unchanged.',
  },
} as const

/** The query string of a list that takes nothing but its page. */
export const pageQuerystring = {
  type: 'object',
  additionalProperties: false,
  properties: pageQuery,
} as const

/** A page of a list: its items under `key`, and the token of the next page if there is one. */
export function pageOf(key: string, items: object): object {
  return {
    type: 'object',
    properties: { [key]: { type: 'array', items }, nextToken: { type: 'string' } },
  }
}

const definitionField = {
  description:
    'The Amazon States Language definition: a JSON object, or its JSON text (kept verbatim).',
  anyOf: [{ type: 'object' }, { type: 'string' }],
} as const

const stateMachineType = { type: 'string', enum: ['STANDARD', 'EXPRESS'] } as const

export const createStateMachineBody = {
  type: 'object',
  required: ['name', 'definition'],
  additionalProperties: false,
  properties: {
    name: { type: 'string', description: '1–80 characters, as AWS allows in names.' },
    definition: definitionField,
    roleArn: {
      type: 'string',
      description: 'An IAM role ARN, kept for AWS compatibility (default a millrace role).',
    },
    type: stateMachineType,
  },
} as const

export const updateStateMachineBody = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: { definition: definitionField, roleArn: { type: 'string' } },
} as const

export const validateBody = {
  type: 'object',
  required: ['definition'],
  additionalProperties: false,
  properties: {
    definition: definitionField,
    type: stateMachineType,
    severity: {
      type: 'string',
      enum: ['ERROR', 'WARNING'],
      description: 'Lowest severity listed (default ERROR).',
    },
    maxResults: { type: 'integer', minimum: 0, maximum: 100 },
  },
} as const

export const stateMachineCreated = {
  type: 'object',
  required: ['stateMachineArn', 'name', 'creationDate'],
  properties: {
    stateMachineArn: { type: 'string' },
    name: { type: 'string' },
    creationDate: timestamp,
  },
} as const

export const stateMachineUpdated = {
  type: 'object',
  required: ['stateMachineArn', 'revisionId', 'updateDate'],
  properties: {
    stateMachineArn: { type: 'string' },
    revisionId: { type: 'string', description: 'The revision now current.' },
    updateDate: timestamp,
  },
} as const

export const stateMachineDescription = {
  type: 'object',
  required: [
    'stateMachineArn',
    'name',
    'status',
    'definition',
    'roleArn',
    'type',
    'creationDate',
    'revisionId',
  ],
  properties: {
    stateMachineArn: { type: 'string' },
    name: { type: 'string' },
    status: { type: 'string', enum: ['ACTIVE', 'DELETING'] },
    definition: { ...anyJson, description: 'The current revision’s definition.' },
    roleArn: { type: 'string' },
    type: stateMachineType,
    creationDate: timestamp,
    revisionId: { type: 'string' },
  },
} as const

export const stateMachineList = {
  type: 'object',
  required: ['stateMachines'],
  properties: {
    stateMachines: {
      type: 'array',
      items: {
        type: 'object',
        required: ['stateMachineArn', 'name', 'type', 'creationDate'],
        properties: {
          stateMachineArn: { type: 'string' },
          name: { type: 'string' },
          type: stateMachineType,
          creationDate: timestamp,
        },
      },
    },
    nextToken: { type: 'string' },
  },
} as const

export const validateResponse = {
  type: 'object',
  required: ['result', 'diagnostics', 'truncated'],
  properties: {
    result: { type: 'string', enum: ['OK', 'FAIL'] },
    diagnostics: {
      type: 'array',
      items: {
        type: 'object',
        required: ['severity', 'code', 'message'],
        properties: {
          severity: { type: 'string', enum: ['ERROR', 'WARNING'] },
          code: { type: 'string' },
          message: { type: 'string' },
          location: { type: 'string', description: 'A JSON pointer into the definition.' },
        },
      },
    },
    truncated: { type: 'boolean' },
  },
} as const

const executionStatus = {
  type: 'string',
  enum: ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'],
} as const

export const startExecutionBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    name: {
      type: 'string',
      description:
        'Unique per state machine (default a random UUID); starting again with the same name and input while it runs answers the same execution.',
    },
    input: { ...anyJson, description: 'The execution input: any JSON value (default {}).' },
  },
} as const

export const executionStarted = {
  type: 'object',
  required: ['executionArn', 'name', 'startDate'],
  properties: {
    executionArn: { type: 'string' },
    name: { type: 'string' },
    startDate: timestamp,
  },
} as const

export const executionDescription = {
  type: 'object',
  required: ['executionArn', 'stateMachineArn', 'name', 'status', 'startDate', 'input'],
  properties: {
    executionArn: { type: 'string' },
    stateMachineArn: { type: 'string' },
    name: { type: 'string' },
    status: executionStatus,
    startDate: timestamp,
    stopDate: timestamp,
    input: anyJson,
    output: { ...anyJson, description: 'Present when the execution SUCCEEDED.' },
    error: { type: 'string' },
    cause: { type: 'string' },
  },
} as const

export const listExecutionsQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    status: { ...executionStatus, description: 'Only executions of this status.' },
    ...pageQuery,
  },
} as const

export const executionList = {
  type: 'object',
  required: ['executions'],
  properties: {
    executions: {
      type: 'array',
      items: {
        type: 'object',
        required: ['executionArn', 'stateMachineArn', 'name', 'status', 'startDate'],
        properties: {
          executionArn: { type: 'string' },
          stateMachineArn: { type: 'string' },
          name: { type: 'string' },
          status: executionStatus,
          startDate: timestamp,
          stopDate: timestamp,
        },
      },
    },
    nextToken: { type: 'string' },
  },
} as const

export const stopExecutionBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    error: { type: 'string', description: 'At most 256 characters.' },
    cause: { type: 'string', description: 'At most 32,768 characters.' },
  },
} as const

export const executionStopped = {
  type: 'object',
  required: ['stopDate'],
  properties: { stopDate: timestamp },
} as const

export const historyQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ...pageQuery,
    reverseOrder: { type: 'boolean', description: 'Newest event first.' },
    includeExecutionData: {
      type: 'boolean',
      description: 'false leaves out input, output and parameters (default true).',
    },
  },
} as const

export const historyResponse = {
  type: 'object',
  required: ['events'],
  properties: {
    events: {
      type: 'array',
      items: {
        type: 'object',
        description:
          'AWS’s HistoryEvent: id, previousEventId, type, timestamp and one `<type>EventDetails` object whose payloads are JSON text.',
        required: ['id', 'type', 'timestamp'],
        properties: {
          id: { type: 'integer' },
          previousEventId: { type: 'integer' },
          type: { type: 'string' },
          timestamp,
        },
        additionalProperties: true,
      },
    },
    nextToken: { type: 'string' },
  },
} as const

export const executionDefinition = {
  type: 'object',
  required: ['stateMachineArn', 'name', 'definition', 'roleArn', 'updateDate', 'revisionId'],
  properties: {
    stateMachineArn: { type: 'string' },
    name: { type: 'string' },
    definition: { ...anyJson, description: 'The definition of the revision it runs on.' },
    roleArn: { type: 'string' },
    updateDate: timestamp,
    revisionId: { type: 'string' },
  },
} as const
