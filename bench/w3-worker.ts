// A W3 worker process (../shared/bench/README.md): worker-sdk polling the activity with 4
// concurrent polls, answering echo-counter(input). It adds `heldAt` (epoch ms with fraction)
// to the output: when it got the task, for the dispatch latency.
import { createWorker } from '../worker-sdk/index.js'

const worker = createWorker<Record<string, unknown>, Record<string, unknown>>({
  endpoint: process.env['MILLRACE_URL'] ?? '',
  activityArn: process.env['ACTIVITY_ARN'] ?? '',
  concurrency: Number(process.env['CONCURRENCY'] ?? 4),
  workerName: process.env['WORKER_NAME'] ?? `w3-${process.pid}`,
  handler: (input) => {
    const heldAt = performance.timeOrigin + performance.now()
    const counter = typeof input['counter'] === 'number' ? input['counter'] : 0
    return { ...input, counter: counter + 1, heldAt }
  },
}).stopOnSignals({ graceMs: 2000 })
void worker.stopped.then(() => process.exit(0))
