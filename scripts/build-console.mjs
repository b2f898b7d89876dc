#!/usr/bin/env node
// Bundles the web console (console/src) with esbuild into dist/public/console, which the API
// serves at /console (api/console/static.ts). `npm run build` runs it after tsc.
//
//   node scripts/build-console.mjs [outdir]     (default dist/public/console)
//
// Asset names carry a content hash, so the server can let browsers cache them for good; the
// page (index.html) is written last with those names.
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { basename, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

const root = resolve(fileURLToPath(new URL('..', import.meta.url)))
const outdir = resolve(process.argv[2] ?? join(root, 'dist/public/console'))
const started = Date.now()

await rm(outdir, { recursive: true, force: true })
await mkdir(join(outdir, 'assets'), { recursive: true })
const result = await build({
  absWorkingDir: root,
  entryPoints: { app: 'console/src/main.ts', style: 'console/src/style.css' },
  bundle: true,
  minify: true,
  sourcemap: 'linked',
  format: 'esm',
  target: ['chrome110', 'firefox110', 'safari16'],
  outdir: join(outdir, 'assets'),
  entryNames: '[name]-[hash]',
  metafile: true,
  logLevel: 'warning',
  legalComments: 'linked',
})
const outputs = Object.keys(result.metafile.outputs).map((file) => basename(file))
const script = outputs.find((f) => /^app-.*\.js$/.test(f))
const style = outputs.find((f) => /^style-.*\.css$/.test(f))
if (!script || !style)
  throw new Error(`esbuild wrote no app script or style: ${outputs.join(', ')}`)
const page = (await readFile(join(root, 'console/index.html'), 'utf8'))
  .replace('%SCRIPT%', `/console/assets/${script}`)
  .replace('%STYLE%', `/console/assets/${style}`)
await writeFile(join(outdir, 'index.html'), page)
console.log(`console: built ${script} and ${style} in ${outdir} (${Date.now() - started} ms)`)
