#!/usr/bin/env node
// `npm run bench`: the interpreter benchmark, then the durable benchmark against PostgreSQL with
// durability on (PostgreSQL's defaults). Uses DATABASE_URL when set, else a throwaway cluster.
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { findBindir, startCluster } from './pg-cluster.mjs'

const dist = join(import.meta.dirname, '..', 'dist', 'bench')
const node = (file, env) =>
  spawnSync(process.execPath, [join(dist, file)], {
    stdio: 'inherit',
    env: { ...process.env, ...env },
  })

let code = node('interpreter.js').status ?? 1
let cluster
let url = process.env.DATABASE_URL
if (!url) {
  const bindir = findBindir()
  if (bindir) {
    cluster = await startCluster(bindir, { durable: true })
    url = cluster.url
    console.log(`\nthrowaway PostgreSQL ${cluster.version} on 127.0.0.1:${cluster.port}, fsync on`)
  }
}
try {
  if (url) {
    const durable = node('durable.js', { DATABASE_URL: url }).status ?? 1
    if (durable !== 0) code = durable
    const api = node('api.js', { DATABASE_URL: url }).status ?? 1
    if (api !== 0) code = api
  } else console.log('\ndurable benchmark SKIPPED: no DATABASE_URL and no PostgreSQL binaries')
} finally {
  cluster?.stop()
}
process.exit(code)
