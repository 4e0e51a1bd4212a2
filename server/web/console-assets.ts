import fs from 'node:fs';
import path from 'node:path';
import type http from 'node:http';

/**
 * The admin console, built by `npm run build` (server/web/console/build.mjs) into
 * dist/console/: index.html for every console path, and content-hashed assets under
 * /assets/ with gzip and brotli copies made at build time. The engine never imports the
 * console's code; it serves files.
 */
export const CONSOLE_DIR = path.join(__dirname, '..', '..', 'console');
export const CONSOLE_ASSET_PREFIX = '/assets/';

/**
 * Scripts and styles from this origin only, no inline script; the API over fetch and
 * graphql-ws on the same host. React sets element styles through the DOM, which style-src
 * does not govern, so no 'unsafe-inline' is needed.
 */
export const CONSOLE_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self' ws: wss:",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * The console's own paths: "/" and the panes of its route table (server/web/console/src/routes.ts,
 * copied into manifest.json by the build), with their sub-paths ("/accounts/alice"). Every
 * other path keeps its own route or its 404.
 */
export function isConsolePath(pathname: string): boolean {
  if (pathname === '/') return true;
  const routes = load()?.routes ?? [];
  return routes.some((route) => pathname === route || pathname.startsWith(route + '/'));
}

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json',
};

interface Built {
  index: Buffer;
  routes: string[];
  assets: Map<string, { plain: Buffer; gzip?: Buffer; br?: Buffer; type: string }>;
}

let built: Built | null | undefined;

/** The build's files, read once (a few hundred kilobytes); null when the console was not built. */
function load(): Built | null {
  if (built !== undefined) return built;
  try {
    const index = fs.readFileSync(path.join(CONSOLE_DIR, 'index.html'));
    const manifest = JSON.parse(fs.readFileSync(path.join(CONSOLE_DIR, 'manifest.json'), 'utf8')) as { routes: string[] };
    const assets: Built['assets'] = new Map();
    const dir = path.join(CONSOLE_DIR, 'assets');
    for (const name of fs.readdirSync(dir)) {
      if (name.endsWith('.gz') || name.endsWith('.br')) continue;
      const file = path.join(dir, name);
      const maybe = (suffix: string) => (fs.existsSync(file + suffix) ? fs.readFileSync(file + suffix) : undefined);
      assets.set(name, { plain: fs.readFileSync(file), gzip: maybe('.gz'), br: maybe('.br'), type: TYPES[path.extname(name)] ?? 'application/octet-stream' });
    }
    built = { index, routes: manifest.routes, assets };
  } catch {
    built = null;
  }
  return built;
}

const NOT_BUILT = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Pillarbox</title></head>
<body><h1>Pillarbox</h1><p>The console was not built: run <code>npm run build</code>. The API is at /graphql, GraphiQL at <a href="/playground">/playground</a>.</p></body></html>`;

/** index.html for a console path; answered fresh each time (no-cache), so a new build shows at once. */
export function serveConsolePage(req: http.IncomingMessage, res: http.ServerResponse): void {
  const page = load()?.index ?? Buffer.from(NOT_BUILT);
  res.writeHead(200, {
    'content-type': 'text/html; charset=utf-8',
    'content-length': page.length,
    'content-security-policy': CONSOLE_POLICY,
    'cache-control': 'no-cache',
  });
  res.end(req.method === 'HEAD' ? undefined : page);
}

/** Serves /assets/<name>, compressed when the client takes it; false when there is no such asset. */
export function serveConsoleAsset(req: http.IncomingMessage, res: http.ServerResponse, name: string): boolean {
  const asset = load()?.assets.get(name);
  if (!asset) return false;
  const accepts = String(req.headers['accept-encoding'] ?? '');
  const [body, encoding] = asset.br && /\bbr\b/.test(accepts) ? [asset.br, 'br'] : asset.gzip && /\bgzip\b/.test(accepts) ? [asset.gzip, 'gzip'] : [asset.plain, undefined];
  res.writeHead(200, {
    'content-type': asset.type,
    'content-length': body.length,
    // The name changes with the content: cache for a year, never revalidate.
    'cache-control': 'public, max-age=31536000, immutable',
    vary: 'accept-encoding',
    ...(encoding ? { 'content-encoding': encoding } : {}),
  });
  res.end(req.method === 'HEAD' ? undefined : body);
  return true;
}
