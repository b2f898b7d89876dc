import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { extname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'

/**
 * Serves the web console at `/console`: the page for every path under it (the console routes in
 * the browser, so a link to an execution is a URL that can be shared), and its bundle under
 * `/console/assets/`. The files are built by `npm run build` (scripts/build-console.mjs) into
 * `dist/public/console`; nothing is fetched from another origin. The page is public, as the
 * script needs to load before it can ask for a key; every API call it makes is authenticated.
 */

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
}

// Everything from this origin only. `blob:` workers: elkjs may lay out in a worker.
const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ')

interface Asset {
  readonly type: string
  readonly body: Buffer
  readonly gzip: Buffer | undefined
  readonly etag: string
}

/** Where the built console is: next to the compiled server, or dist/ when run from source. */
export function defaultConsoleDir(): string | undefined {
  const candidates = [
    fileURLToPath(new URL('../../public/console/', import.meta.url)),
    fileURLToPath(new URL('../../dist/public/console/', import.meta.url)),
  ]
  return candidates.find((dir) => existsSync(join(dir, 'index.html')))
}

function load(dir: string): Map<string, Asset> {
  const assets = new Map<string, Asset>()
  const walk = (sub: string) => {
    for (const entry of readdirSync(join(dir, sub), { withFileTypes: true })) {
      const rel = sub === '' ? entry.name : `${sub}/${entry.name}`
      if (entry.isDirectory()) walk(rel)
      else {
        const body = readFileSync(join(dir, rel))
        const type = TYPES[extname(rel)] ?? 'application/octet-stream'
        const compress = body.length > 1024 && !rel.endsWith('.map') && type !== 'image/png'
        assets.set(rel, {
          type,
          body,
          gzip: compress ? gzipSync(body) : undefined,
          etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`,
        })
      }
    }
  }
  walk('')
  return assets
}

/**
 * Registers `GET /console` and `GET /console/*`.
 *
 * @example
 * await app.register((scope, _o, done) => { consoleRoutes(scope, { dir: defaultConsoleDir() }); done() })
 */
export function consoleRoutes(app: FastifyInstance, options: { dir: string | undefined }): void {
  const assets = options.dir ? load(options.dir) : new Map<string, Asset>()
  const send = (request: FastifyRequest, reply: FastifyReply, asset: Asset, immutable: boolean) => {
    void reply
      .header('content-type', asset.type)
      .header('etag', asset.etag)
      .header('cache-control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache')
      .header('content-security-policy', CSP)
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'same-origin')
      .header('vary', 'accept-encoding')
    if (request.headers['if-none-match'] === asset.etag) return reply.status(304).send()
    const accepts = String(request.headers['accept-encoding'] ?? '')
    if (asset.gzip && /\bgzip\b/.test(accepts)) {
      return reply.header('content-encoding', 'gzip').send(asset.gzip)
    }
    return reply.send(asset.body)
  }
  const page = (request: FastifyRequest, reply: FastifyReply) => {
    const index = assets.get('index.html')
    if (!index) {
      return reply
        .status(503)
        .type('text/plain; charset=utf-8')
        .send('The console is not built: run `npm run build`, then restart the server.\n')
    }
    return send(request, reply, index, false)
  }
  const hide = { schema: { hide: true } }
  app.get('/console', hide, page)
  app.get<{ Params: { '*': string } }>('/console/*', hide, (request, reply) => {
    const path = request.params['*']
    if (path.startsWith('assets/')) {
      const asset = assets.get(path)
      if (!asset) return reply.status(404).type('text/plain').send('Not found\n')
      // Asset names carry a content hash (scripts/build-console.mjs), so they never change.
      return send(request, reply, asset, /-[A-Z0-9]{8}\.\w+$/.test(path))
    }
    return page(request, reply)
  })
}
