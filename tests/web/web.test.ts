import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { type TestEngine, startEngine } from '../helpers/engine';
import { PLAYGROUND_ASSETS } from '../../server/web/playground';

/** A GET without fetch's automatic decoding, to see which copy the server sent. */
function rawGet(url: string, acceptEncoding: string): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    http.get(url, { headers: { 'accept-encoding': acceptEncoding } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    }).on('error', reject);
  });
}

describe('management HTTP server', () => {
  let t: TestEngine;
  let base: string;

  before(async () => {
    t = await startEngine();
    base = `http://127.0.0.1:${t.ports.http}`;
  });
  after(() => t.stop());

  it('records its port and answers /healthz', async () => {
    assert.ok(t.engine.ctx.ports.http > 0);
    const res = await fetch(`${base}/healthz`);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { status: 'ok' });
  });

  it('serves the console at / and at the path of every pane, with a strict content security policy', async () => {
    for (const path of ['/', '/overview', '/queue', '/accounts/alice', '/mailing-lists']) {
      const res = await fetch(base + path, { redirect: 'manual' });
      assert.equal(res.status, 200, path);
      assert.match(res.headers.get('content-type') ?? '', /text\/html/);
      assert.equal(res.headers.get('cache-control'), 'no-cache');
      const policy = res.headers.get('content-security-policy') ?? '';
      assert.match(policy, /script-src 'self'(;|$)/, 'no inline script');
      assert.doesNotMatch(policy, /unsafe/);
      const html = await res.text();
      assert.match(html, /<div id="root">/);
      assert.doesNotMatch(html, /https?:\/\//i, 'nothing from other hosts');
      assert.doesNotMatch(html, /<script>/, 'no inline script');
    }
    // Other routes' paths stay theirs: unknown ones are still 404, not the console's page.
    for (const path of ['/nothing', '/lists/x', '/graphql/x', '/playground/x', '/assets/nothing.js', '/overview.js']) {
      assert.equal((await fetch(base + path)).status, 404, path);
    }
  });

  it('serves the console assets compressed, with long cache lifetimes', async () => {
    const html = await (await fetch(`${base}/`)).text();
    const referenced = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    assert.equal(referenced.length, 2, 'one script, one style sheet');
    for (const url of referenced) {
      assert.match(url, /^\/assets\/[a-z]+-[A-Z0-9]{8}\.(js|css)$/, 'hashed names');
      const sizes: number[] = [];
      for (const [accept, encoding] of [['br, gzip', 'br'], ['gzip', 'gzip'], ['identity', undefined]] as const) {
        const res = await rawGet(base + url, accept);
        assert.equal(res.status, 200, url);
        assert.equal(res.headers['cache-control'], 'public, max-age=31536000, immutable');
        assert.equal(res.headers['content-encoding'], encoding, `${url} for ${accept}`);
        assert.equal(res.headers.vary, 'accept-encoding');
        sizes.push(res.body.length);
      }
      assert.ok(sizes[0] < sizes[2] && sizes[1] < sizes[2], 'the compressed copies are smaller');
      if (url.endsWith('.js')) assert.ok(sizes[1] < 300 * 1024, `the console's JavaScript is ${sizes[1]} bytes gzip-compressed, over the issue's 300 KB`);
    }
  });

  it('serves the playground page and every asset itself, with no reference to other hosts', async () => {
    const res = await fetch(`${base}/playground`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/html/);
    const html = await res.text();
    assert.doesNotMatch(html, /https?:\/\//i, 'no absolute URLs in the page');
    assert.doesNotMatch(html, /(src|href)\s*=\s*["']\/\//i, 'no protocol-relative URLs');
    assert.match(res.headers.get('content-security-policy') ?? '', /default-src 'self'/);

    const referenced = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    assert.ok(referenced.length >= 5, 'page references its scripts and styles');
    for (const url of referenced) {
      assert.ok(url.startsWith('/playground/assets/'), url);
      const asset = await fetch(base + url);
      assert.equal(asset.status, 200, url);
      assert.ok((await asset.arrayBuffer()).byteLength > 0, url);
    }
    for (const name of ['graphiql.min.js', 'graphiql.min.css', 'react.production.min.js', 'react-dom.production.min.js']) {
      assert.ok(PLAYGROUND_ASSETS.includes(name));
      assert.ok(referenced.includes(`/playground/assets/${name}`), `${name} is on the page`);
    }
    const script = await (await fetch(`${base}/playground/assets/playground.js`)).text();
    assert.doesNotMatch(script, /(https?|wss?):\/\//i, 'the page script derives URLs from its own location');
  });

  it('unknown paths and assets are 404', async () => {
    assert.equal((await fetch(`${base}/playground/assets/../../package.json`)).status, 404);
    assert.equal((await fetch(`${base}/playground/assets/nothing.js`)).status, 404);
    assert.equal((await fetch(`${base}/nothing`)).status, 404);
  });

  it('GraphQL over GET works too', async () => {
    // Apollo's CSRF protection wants a header that browsers cannot send cross-site without a preflight.
    const res = await fetch(`${base}/graphql?query=${encodeURIComponent('{ me { username } }')}`, { headers: { 'apollo-require-preflight': 'true' } });
    assert.equal(res.status, 200);
    const body = (await res.json()) as { errors: { extensions: { code: string } }[] };
    assert.equal(body.errors[0].extensions.code, 'UNAUTHENTICATED');
  });

  it('refuses bodies over 1 MB and bad JSON without a 500', async () => {
    const big = JSON.stringify({ query: `{ me { username } } # ${'x'.repeat(1024 * 1024)}` });
    const res = await fetch(`${base}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: big });
    assert.equal(res.status, 413);
    assert.equal(((await res.json()) as { errors: { extensions: { code: string } }[] }).errors[0].extensions.code, 'PAYLOAD_TOO_LARGE');

    const bad = await fetch(`${base}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{not json' });
    assert.equal(bad.status, 400);
    const text = await bad.text();
    assert.doesNotMatch(text, /at .*\.js:\d+/, 'no stack trace');
  });

  it('stays up after the engine handled all of that', async () => {
    assert.equal((await fetch(`${base}/healthz`)).status, 200);
  });
});
