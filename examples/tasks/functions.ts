// The function endpoints of the example, on 127.0.0.1:9000:
//   POST /price     prices the order (a plain function endpoint)
//   POST /approval  gets the Approve step's task token and "asks a person": here it approves
//                   after 2 s (orders over 1,000 are rejected) by calling SendTaskSuccess or
//                   SendTaskFailure with the token.
// Run: npx tsx examples/tasks/functions.ts   (MILLRACE_URL, default http://127.0.0.1:8080)
import { createServer } from 'node:http'
import { createFunctionHandler, StepFunctionsClient, TaskFailure } from '../../worker-sdk/index.js'

interface Order {
  orderId: string
  items: { sku: string; qty: number; price: number }[]
}

const millrace = new StepFunctionsClient({
  endpoint: process.env['MILLRACE_URL'] ?? 'http://127.0.0.1:8080',
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
