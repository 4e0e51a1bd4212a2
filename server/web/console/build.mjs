// Builds the admin console (a browser app) into dist/console/: typed GraphQL operations
// generated from graphql/schema.graphql, a type check with the console's own tsconfig, then
// one esbuild bundle with hashed names, gzip and brotli copies, and manifest.json for the
// engine (server/web/console-assets.ts). Run by `npm run build`; `--check` stops after the
// type check (npm run typecheck).
import { execFileSync } from 'node:child_process';
import console from 'node:console';
import fs from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import zlib from 'node:zlib';
import * as esbuild from 'esbuild';

const ROOT = path.resolve(import.meta.dirname, '..', '..', '..');
const SOURCE = path.join(ROOT, 'server', 'web', 'console');
const OUT = path.join(ROOT, 'dist', 'console');
const BIN = path.join(ROOT, 'node_modules', '.bin');
/** The budget for the console's compressed JavaScript. */
export const JS_GZIP_BUDGET = 300 * 1024;

/** Runs a tool quietly; on failure its whole output is shown and the build stops. */
function run(tool, args) {
  try {
    execFileSync(path.join(BIN, tool), args, { cwd: ROOT, stdio: 'pipe' });
  } catch (err) {
    process.stderr.write(`console build: ${tool} failed\n${err.stdout ?? ''}${err.stderr ?? ''}`);
    process.exit(1);
  }
}

const checkOnly = process.argv.includes('--check');
run('graphql-codegen', ['--config', path.join(SOURCE, 'codegen.json')]);
run('tsc', ['-p', path.join(SOURCE, 'tsconfig.json')]);
if (checkOnly) process.exit(0);

const result = await esbuild.build({
  entryPoints: { console: path.join(SOURCE, 'src', 'main.tsx'), style: path.join(SOURCE, 'src', 'style.css') },
  absWorkingDir: ROOT,
  bundle: true,
  minify: true,
  format: 'esm',
  target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
  entryNames: '[name]-[hash]',
  assetNames: '[name]-[hash]',
  loader: { '.woff2': 'file', '.woff': 'file' },
  define: { 'process.env.NODE_ENV': '"production"' },
  legalComments: 'linked',
  outdir: path.join(OUT, 'assets'),
  publicPath: '/assets',
  metafile: true,
  write: false,
  logLevel: 'warning',
});

fs.rmSync(OUT, { recursive: true, force: true });
fs.mkdirSync(path.join(OUT, 'assets'), { recursive: true });

const assets = {};
let jsGzip = 0;
for (const file of result.outputFiles) {
  const name = path.basename(file.path);
  fs.writeFileSync(file.path, file.contents);
  const gzip = zlib.gzipSync(file.contents, { level: 9 });
  const brotli = zlib.brotliCompressSync(file.contents, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } });
  // Fonts are compressed already; a copy would save nothing.
  const compressible = !/\.woff2?$/.test(name);
  if (compressible) {
    fs.writeFileSync(file.path + '.gz', gzip);
    fs.writeFileSync(file.path + '.br', brotli);
  }
  assets[name] = { bytes: file.contents.length, gzip: compressible ? gzip.length : undefined, brotli: compressible ? brotli.length : undefined };
  if (name.endsWith('.js')) jsGzip += gzip.length;
}

// The route table (plain data) for the engine: it answers index.html for these paths only.
const routesBundle = await esbuild.build({ entryPoints: [path.join(SOURCE, 'src', 'routes.ts')], bundle: true, format: 'cjs', platform: 'node', write: false, logLevel: 'warning' });
const routesModule = { exports: {} };
new Function('module', 'exports', routesBundle.outputFiles[0].text)(routesModule, routesModule.exports);
const routes = [...Object.values(routesModule.exports.PANE_PATHS), routesModule.exports.USER_PATH];

const outputs = Object.entries(result.metafile.outputs);
const entry = (source) => path.basename(outputs.find(([, o]) => o.entryPoint?.endsWith(source))[0]);
const script = entry('main.tsx');
const style = entry('style.css');
const index = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light">
<title>Pillarbox</title>
<link rel="stylesheet" href="/assets/${style}">
<script type="module" src="/assets/${script}"></script>
</head>
<body>
<div id="root"><noscript>The Pillarbox console needs JavaScript.</noscript></div>
</body>
</html>
`;
fs.writeFileSync(path.join(OUT, 'index.html'), index);
fs.writeFileSync(path.join(OUT, 'manifest.json'), JSON.stringify({ script, style, routes, jsGzipBytes: jsGzip, assets }, null, 2) + '\n');

const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
if (jsGzip > JS_GZIP_BUDGET) {
  console.error(`console: ${kb(jsGzip)} of gzip-compressed JavaScript, over the ${kb(JS_GZIP_BUDGET)} budget`);
  process.exit(1);
}
if (process.env.PILLARBOX_CONSOLE_SIZES) console.log(`console: ${kb(jsGzip)} of gzip-compressed JavaScript (budget ${kb(JS_GZIP_BUDGET)})`);
