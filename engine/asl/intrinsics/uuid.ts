import type { IntrinsicEnv } from './ast.js'

/**
 * States.UUID(): a version 4 UUID from the environment (the interpreter never makes its own
 * randomness, so replays give the same history).
 *
 * @example uuid({ uuid: () => 'ca4c1140-dcc1-40cd-ad05-7b4aa23df4a8', random: () => 0 })
 */
export function uuid(env: IntrinsicEnv): string {
  return env.uuid()
}
