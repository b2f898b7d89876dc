// The function endpoints of the example, on 127.0.0.1:9000:
//   POST /price     prices the order (a plain function endpoint)
//   POST /approval  gets the Approve step's task token and asks a person. With APPROVAL=manual
//                   it prints the two curl commands that approve or reject the order, and the
//                   execution waits until one of them is run. Otherwise it answers by itself
//                   after 2 s (orders over 1,000 are rejected) with SendTaskSuccess or
//                   SendTaskFailure.
// Run: npx tsx examples/tasks/functions.ts   (MILLRACE_URL, default http://127.0.0.1:8080)
import { createServer } from 'node:http'
import { createFunctionHandler, StepFunctionsClient, TaskFailure } from '../../worker-sdk/index.js'

interface Order {
  orderId: string
  items: { sku: string; qty: number; price: number }[]
}

const url = process.env['MILLRACE_URL'] ?? 'http://127.0.0.1:8080'
const manual = process.env['APPROVAL'] === 'manual'

const millrace = new StepFunctionsClient({
  endpoint: url,
  ...(process.env['MILLRACE_API_KEY']
    ? { credentials: { apiKey: process.env['MILLRACE_API_KEY'] } }
    : {}),
})

const price = createFunctionHandler<Order, { total: number; lines: number }>((order) => {
  if (!Array.isArray(order.items) || order.items.length === 0) {
    throw new TaskFailure('Order.Empty', `order ${order.orderId} has no items`)
  }
  const total = order.items.reduce((sum, item) => sum + item.qty * item.price, 0)
  return { total: Math.round(total * 100) / 100, lines: order.items.length }
})

const approval = createFunctionHandler<{ token: string; orderId: string; total: number }, object>(
  (request) => {
    if (manual) {
      // The token travels in the body, never in a URL, so it stays out of access logs.
      const answer = (path: string, body: object) =>
        `curl -s -X POST ${url}/v1/tasks/${path} -H 'content-type: application/json' -d '${JSON.stringify({ taskToken: request.token, ...body })}'`
      console.log(`\norder ${request.orderId} (total ${request.total}) waits for a person.`)
      console.log(`approve:\n  ${answer('success', { output: { approvedBy: 'you' } })}`)
      console.log(
        `reject:\n  ${answer('failure', { error: 'Order.Rejected', cause: 'rejected by hand' })}\n`,
      )
      return { queued: true }
    }
    console.log(
      `approval requested for ${request.orderId} (total ${request.total}); answering in 2 s`,
    )
    setTimeout(() => {
      const answer =
        request.total > 1000
          ? millrace.call('SendTaskFailure', {
              taskToken: request.token,
              error: 'Order.Rejected',
              cause: `total ${request.total} is over the limit`,
            })
          : millrace.call('SendTaskSuccess', {
              taskToken: request.token,
              output: JSON.stringify({
                approvedBy: 'pat@example.com',
                at: new Date().toISOString(),
              }),
            })
      answer.then(
        () => console.log(`answered the approval of ${request.orderId}`),
        (err: Error) => console.error(`could not answer: ${err.name}: ${err.message}`),
      )
    }, 2000)
    return { queued: true }
  },
)

const port = Number(process.env['FUNCTIONS_PORT'] ?? 9000)
createServer((req, res) => {
  if (req.url === '/price') return price(req, res)
  if (req.url === '/approval') return approval(req, res)
  res.writeHead(404).end()
}).listen(port, '127.0.0.1', () => console.log(`function endpoints on http://127.0.0.1:${port}`))
