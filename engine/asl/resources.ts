/**
 * What a Task's Resource names, parsed once at compile time. The kind decides which history
 * events AWS writes (LambdaFunction*, Activity* or Task*) and how the runtime dispatches it.
 *
 * AWS: "Task workflow state" (Resource), "Integrating services with Step Functions"
 * (service integration patterns: request-response, .sync, .waitForTaskToken).
 */
export type TaskResource =
  | { readonly kind: 'lambda-function'; readonly arn: string; readonly functionName: string }
  | { readonly kind: 'activity'; readonly arn: string; readonly name: string }
  | {
      readonly kind: 'service'
      readonly arn: string
      /** e.g. 'lambda', 'http' */
      readonly service: string
      /** e.g. 'invoke' */
      readonly action: string
      readonly pattern: 'request-response' | 'sync' | 'wait-for-task-token'
    }
  | { readonly kind: 'unknown'; readonly arn: string }

const LAMBDA_FUNCTION =
  /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:([A-Za-z0-9_-]+)(?::[A-Za-z0-9$_-]+)?$/
// Activity names follow AWS's name rule (CreateActivity): 1–80 characters, none of whitespace,
// brackets, wildcards, `" # % \ ^ | ~ ` $ & , ; : /` or control characters.
const ACTIVITY =
  /^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:activity:([^\s<>{}[\]?*"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f]{1,80})$/u
const SERVICE =
  /^arn:aws[a-z-]*:states:::([a-z0-9-]+):([A-Za-z0-9_:-]+?)(\.sync(?::2)?|\.waitForTaskToken)?$/

export function parseResource(arn: string): TaskResource {
  let m = LAMBDA_FUNCTION.exec(arn)
  if (m) return { kind: 'lambda-function', arn, functionName: m[1] as string }
  m = ACTIVITY.exec(arn)
  if (m) return { kind: 'activity', arn, name: m[1] as string }
  m = SERVICE.exec(arn)
  if (m) {
    const suffix = m[3]
    const pattern =
      suffix === '.waitForTaskToken'
        ? 'wait-for-task-token'
        : suffix !== undefined
          ? 'sync'
          : 'request-response'
    return { kind: 'service', arn, service: m[1] as string, action: m[2] as string, pattern }
  }
  return { kind: 'unknown', arn }
}
