// The pack-order activity worker: a "long job" of 6 steps, a heartbeat after each, so the Pack
// state's HeartbeatSeconds (3) never runs out while it works. SIGTERM stops it cleanly.
// Run: npx tsx examples/tasks/worker.ts   (MILLRACE_URL, default http://127.0.0.1:8080)
import { createWorker } from '../../worker-sdk/index.js'

const worker = createWorker<{ orderId: string; items: { sku: string; qty: number }[] }, object>({
  endpoint: process.env['MILLRACE_URL'] ?? 'http://127.0.0.1:8080',
  activityArn: 'arn:aws:states:us-east-1:000000000000:activity:pack-order',
  workerName: 'packing-station-1',
  concurrency: 2,
  ...(process.env['MILLRACE_API_KEY']
    ? { credentials: { apiKey: process.env['MILLRACE_API_KEY'] } }
    : {}),
  onError: (err) => console.error(`worker: ${err.name}: ${err.message}`),
  handler: async (order, ctx) => {
    console.log(`packing ${order.orderId}`)
    for (let step = 1; step <= 6; step++) {
      await new Promise((resolve, reject) => {
        const t = setTimeout(resolve, 1000)
        ctx.signal.addEventListener('abort', () => {
          clearTimeout(t)
          reject(ctx.signal.reason as Error)
        })
      })
      ctx.heartbeat()
      console.log(`  ${order.orderId}: step ${step}/6`)
    }
    return {
      parcel: `PARCEL-${order.orderId}`,
      weightKg: Math.round(order.items.reduce((n, i) => n + i.qty * 0.4, 0) * 10) / 10,
    }
  },
}).stopOnSignals({ graceMs: 10_000 })

console.log(`worker ${worker.state}: polling pack-order`)
