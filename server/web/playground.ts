import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import type http from 'node:http';
import { PLAYGROUND_CSS, PLAYGROUND_SCRIPT } from './playground-script';

/**
 * The GraphiQL playground, served entirely by the engine (the appliance may have no
 * Internet access): the page, GraphiQL, React and ReactDOM come from node_modules.
 */
const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Pillarbox GraphQL playground</title>
<link rel="stylesheet" href="/playground/assets/graphiql.min.css">
<link rel="stylesheet" href="/playground/assets/playground.css">
</head>
<body>
<form id="login">
  <strong>Pillarbox</strong>
  <input name="username" autocomplete="username" placeholder="user name" value="admin">
  <input name="password" type="password" autocomplete="current-password" placeholder="password">
  <button type="submit">Log in</button>
  <span id="status">Log in to get a token, or paste one into the Headers tab: {"Authorization": "Bearer …"}</span>
</form>
<div id="graphiql">Loading the playground…</div>
<script src="/playground/assets/react.production.min.js"></script>
<script src="/playground/assets/react-dom.production.min.js"></script>
<script src="/playground/assets/graphiql.min.js"></script>
<script src="/playground/assets/playground.js"></script>
</body>
</html>
`;

/** Nothing on the page may come from elsewhere. */
const PAGE_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self' ws: wss:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

interface Asset {
  type: string;
  load: () => Buffer;
}

const fromPackage = (pkg: string, file: string) => () =>
  fs.readFileSync(path.join(path.dirname(require.resolve(`${pkg}/package.json`)), file));

const ASSETS: Record<string, Asset> = {
  'graphiql.min.js': { type: 'text/javascript', load: fromPackage('graphiql', 'graphiql.min.js') },
  'graphiql.min.css': { type: 'text/css', load: fromPackage('graphiql', 'graphiql.min.css') },
  'react.production.min.js': { type: 'text/javascript', load: fromPackage('react', 'umd/react.production.min.js') },
  'react-dom.production.min.js': { type: 'text/javascript', load: fromPackage('react-dom', 'umd/react-dom.production.min.js') },
  'playground.js': { type: 'text/javascript', load: () => Buffer.from(PLAYGROUND_SCRIPT) },
  'playground.css': { type: 'text/css', load: () => Buffer.from(PLAYGROUND_CSS) },
};

export const PLAYGROUND_ASSETS = Object.keys(ASSETS);

/** Assets are read and compressed once, on first use (graphiql.min.js is 3.5 MB, 0.8 MB gzipped). */
const cache = new Map<string, { plain: Buffer; gzip: Buffer }>();

function asset(name: string): { plain: Buffer; gzip: Buffer } | undefined {
  const spec = Object.hasOwn(ASSETS, name) ? ASSETS[name] : undefined;
  if (!spec) return undefined;
  let entry = cache.get(name);
  if (!entry) {
    const plain = spec.load();
    entry = { plain, gzip: zlib.gzipSync(plain) };
    cache.set(name, entry);
  }
  return entry;
}

export function servePlaygroundPage(res: http.ServerResponse): void {
  res.writeHead(200, {
    'content-type': 'text/html; charset=utf-8',
    'content-security-policy': PAGE_POLICY,
    'x-content-type-options': 'nosniff',
    'cache-control': 'no-cache',
  });
  res.end(PAGE);
}

/** Serves /playground/assets/<name>; false when there is no such asset. */
export function servePlaygroundAsset(req: http.IncomingMessage, res: http.ServerResponse, name: string): boolean {
  const entry = asset(name);
  if (!entry) return false;
  const gzip = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
  const body = gzip ? entry.gzip : entry.plain;
  res.writeHead(200, {
    'content-type': `${ASSETS[name].type}; charset=utf-8`,
    'content-length': body.length,
    'cache-control': 'public, max-age=3600',
    'x-content-type-options': 'nosniff',
    vary: 'accept-encoding',
    ...(gzip ? { 'content-encoding': 'gzip' } : {}),
  });
  res.end(req.method === 'HEAD' ? undefined : body);
  return true;
}
