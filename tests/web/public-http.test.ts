import assert from 'node:assert/strict';
import http from 'node:http';
import https from 'node:https';
import { after, before, describe, it } from 'node:test';
import { parseBootstrap } from '../../server/config/bootstrap';
import { httpsLocation } from '../../server/web/public-http';
import { ADMIN_PASSWORD, type TestEngine, startEngine } from '../helpers/engine';
import { type Pebble, pebbleInstalled, startPebble } from '../helpers/pebble';

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One plain HTTP request, as a browser or a CA sends it (node:http: any Host header, any method). */
function request(port: number, path: string, options: { method?: string; host?: string; body?: string; headers?: Record<string, string> } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...options.headers };
    if (options.host !== undefined) headers.host = options.host;
    const req = http.request({ host: '127.0.0.1', port, path, method: options.method ?? 'GET', headers, setHost: options.host === undefined }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/** POST /graphql over HTTPS (self-signed: not verified). */
function graphqlOverHttps(port: number, query: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = https.request({ host: '127.0.0.1', port, path: '/graphql', method: 'POST', rejectUnauthorized: false, headers: { 'content-type': 'application/json' } }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(JSON.stringify({ query }));
  });
}

describe('PILLARBOX_HTTP_PUBLIC', () => {
  it('is off by default and takes 1/0, yes/no, true/false; anything else is refused', () => {
    assert.equal(parseBootstrap([], {}).httpPublic, false);
    assert.equal(parseBootstrap([], { PILLARBOX_HTTP_PUBLIC: '1' }).httpPublic, true);
    assert.equal(parseBootstrap(['--http-public', 'yes'], { PILLARBOX_HTTP_PUBLIC: '0' }).httpPublic, true);
    assert.equal(parseBootstrap([], { PILLARBOX_HTTP_PUBLIC: 'false' }).httpPublic, false);
    assert.throws(() => parseBootstrap([], { PILLARBOX_HTTP_PUBLIC: 'maybe' }), /PILLARBOX_HTTP_PUBLIC: "maybe" is not 1 or 0/);
  });

  it('redirects to the same host and path on the HTTPS port; a bad Host header gets the server name', () => {
    assert.equal(httpsLocation('mail.example.com', 'x.test', 443, '/graphql?a=1'), 'https://mail.example.com/graphql?a=1');
    assert.equal(httpsLocation('mail.example.com:80', 'x.test', 443, '/'), 'https://mail.example.com/');
    assert.equal(httpsLocation('[2001:db8::1]:80', 'x.test', 8443, '/p'), 'https://[2001:db8::1]:8443/p');
    assert.equal(httpsLocation('Mail.Example.COM', 'x.test', 443, '/p'), 'https://mail.example.com/p');
    for (const bad of [undefined, '', 'evil.test/path', 'a b', 'user@evil.test', 'evil.test:80:80']) {
      assert.equal(httpsLocation(bad, 'x.test', 443, '/p'), 'https://x.test/p', String(bad));
    }
    assert.equal(httpsLocation('mail.example.com', 'x.test', 443, '//evil.test/'), 'https://mail.example.com//evil.test/');
  });
});

describe('a public plain HTTP listener', () => {
  let t: TestEngine;
  let pebble: Pebble | undefined;

  before(async () => {
    t = await startEngine({ env: { PILLARBOX_HTTP_PUBLIC: '1' } });
  });
  after(async () => {
    await pebble?.stop();
    await t?.stop();
  });

  it('answers /healthz in clear', async () => {
    const res = await request(t.ports.http, '/healthz');
    assert.equal(res.status, 200);
    assert.deepEqual(JSON.parse(res.body), { status: 'ok' });
    assert.equal((await request(t.ports.http, '/healthz', { method: 'HEAD' })).status, 200);
  });

  it('redirects GraphQL to https with a 308 and runs none of it in clear', async () => {
    const login = JSON.stringify({ query: `mutation { login(username: "admin", password: "${ADMIN_PASSWORD}") { token } }` });
    const sessions = () => (t.engine.ctx.db.prepare('SELECT count(*) AS n FROM sessions').get() as { n: number }).n;
    const before = sessions();
    const res = await request(t.ports.http, '/graphql', { method: 'POST', host: 'mail.example.test', body: login, headers: { 'content-type': 'application/json' } });
    assert.equal(res.status, 308);
    assert.equal(res.headers.location, `https://mail.example.test:${t.ports.https}/graphql`);
    assert.equal(res.body, '');
    assert.equal(sessions(), before, 'the login did not run in clear');
    const get = await request(t.ports.http, '/graphql?query=%7B__typename%7D', { host: `mail.example.test:${t.ports.http}` });
    assert.equal(get.status, 308);
    assert.equal(get.headers.location, `https://mail.example.test:${t.ports.https}/graphql?query=%7B__typename%7D`);
  });

  it('redirects everything else too: playground, uploads, MTA-STS, an unknown path, a WebSocket upgrade', async () => {
    for (const [method, path] of [
      ['GET', '/'],
      ['GET', '/playground'],
      ['PUT', '/firmware/images/x.raw.zst'],
      ['GET', '/.well-known/mta-sts.txt'],
      ['GET', '/no/such/page'],
      ['POST', '/healthz'],
      ['GET', '/.well-known/acme-challenge/'],
    ]) {
      const res = await request(t.ports.http, path, { method, host: 'mail.example.test', body: method === 'PUT' ? 'x' : undefined });
      assert.equal(res.status, 308, `${method} ${path}`);
      assert.equal(res.headers.location, `https://mail.example.test:${t.ports.https}${path}`);
    }
    const upgrade = await request(t.ports.http, '/graphql', { host: 'mail.example.test', headers: { connection: 'upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==' } });
    assert.equal(upgrade.status, 308);
    assert.equal(upgrade.headers.location, `https://mail.example.test:${t.ports.https}/graphql`);
  });

  it('serves the full API over HTTPS meanwhile', async () => {
    const res = await graphqlOverHttps(t.ports.https, `mutation { login(username: "admin", password: "${ADMIN_PASSWORD}") { token } }`);
    assert.equal(res.status, 200);
    assert.match(JSON.parse(res.body).data.login.token, /\S{20,}/);
  });

  it('answers an unknown ACME challenge with 404 itself', async () => {
    const res = await request(t.ports.http, '/.well-known/acme-challenge/no-such-token');
    assert.equal(res.status, 404);
    assert.deepEqual(JSON.parse(res.body), { error: 'no such challenge' });
  });

  it('answers the CA\u2019s HTTP-01 challenge: an order from pebble is issued', { skip: pebbleInstalled() ? undefined : 'pebble is not installed' }, async () => {
    pebble = await startPebble(t.ports.http, t.ports.https);
    t.engine.ctx.settings.update({ acmeDirectoryUrl: pebble.directoryUrl, acmeChallenge: 'http-01' });
    const fetched: string[] = [];
    const acmeService = t.engine.ctx.tls.acme;
    const answer = acmeService.httpChallenge.bind(acmeService);
    acmeService.httpChallenge = (token: string) => {
      fetched.push(token);
      return answer(token);
    };
    const issued = await acmeService.order({ name: 'public http', names: ['mail.example.test'] });
    assert.equal(issued.origin, 'acme');
    assert.equal(fetched.length >= 1, true, 'pebble fetched the challenge on the public listener');
  });
});
