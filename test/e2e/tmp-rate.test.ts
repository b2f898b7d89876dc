import { it } from 'vitest'
import * as service from '../../engine/service/index.js'
import { startApiServer } from '../helpers/api-server.js'
import { describeWithServer } from '../helpers/database.js'
import { StepFunctionsClient } from '../../worker-sdk/index.js'

describeWithServer('rate', () => {
it('rate', async () => {
  const api = await startApiServer('postgres', { timeScale: 0.01, logLevel: 'warn' })
  const { activityArn } = await service.createActivity(api.ctx, { name: 'r1' })
  const { stateMachineArn } = await service.createStateMachine(api.ctx, { name: 'm', definition: JSON.stringify({ StartAt: 'W', States: { W: { Type: 'Task', Resource: activityArn, End: true } } }) })
  const N = 500
  let t0 = Date.now()
  let next = 0
  await Promise.all(Array.from({ length: 16 }, async () => { while (next < N) { const i = next++; await service.startExecution(api.ctx, { stateMachineArn, name: `e${i}`, input: '{}' }) } }))
  console.log('start', N, 'in', Date.now() - t0)
  const client = new StepFunctionsClient({ endpoint: api.url })
  t0 = Date.now()
  let done = 0; let pollMs = 0; let ansMs = 0
  await Promise.all(Array.from({ length: 16 }, async () => {
    while (done < N) {
      const a = Date.now()
      const t = await client.call<{ taskToken?: string }>('GetActivityTask', { activityArn })
      pollMs += Date.now() - a
      if (!t.taskToken) continue
      const b = Date.now()
      await client.call('SendTaskSuccess', { taskToken: t.taskToken, output: '{}' })
      ansMs += Date.now() - b
      done++
    }
  }))
  console.log('drain', N, 'in', Date.now() - t0, 'poll avg', pollMs / N, 'answer avg', ansMs / N)
  await api.close()
}, 120000)
})
