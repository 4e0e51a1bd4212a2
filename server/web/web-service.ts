import http from 'node:http';
import net from 'node:net';
import type { ChangedSettings, EngineContext, Service } from '../context';
import type { Logger } from '../logs/logger';
import type { ApiEndpoint } from './api-endpoint';
import { sendJson } from './http-util';
import { servePlaygroundAsset, servePlaygroundPage } from './playground';
import { IMAGE_UPLOAD_PREFIX, receiveImage } from './image-upload';
import { LOG_ARCHIVE_PATH } from '../logs/log-archive';
import { sendLogArchive } from './log-download';
import { AUTOCONFIG_PATHS, AUTODISCOVER_PATH, ClientAutoconfig } from './autoconfig';
import { MOBILECONFIG_PATH, sendMobileconfig } from './mobileconfig';
import { MTA_STS_PATH, mtaStsPolicyForHost } from '../outbound/mta-sts';
import { MetricsEndpoint } from './metrics-endpoint';
import { sendBackup } from './backup-download';
import { BACKUP_DOWNLOAD_PATH } from '../backup/backups';
import { LIST_ARCHIVE_PREFIX, sendListArchive } from './list-archive';
import { LIST_UNSUBSCRIBE_PREFIX, serveListUnsubscribe } from './list-unsubscribe';
import { ListPages, listByMailmanName } from './list-pages/index';
import { httpsLocation, inClear, servedInClear } from './public-http';
import { CONSOLE_ASSET_PREFIX, isConsolePath, serveConsoleAsset, serveConsolePage } from './console-assets';

const ASSET_PREFIX = '/playground/assets/';
const STOP_GRACE_MS = 2000;
const TLS_HANDSHAKE_MS = 20_000;

/**
 * On every answer: no MIME sniffing, never framed by another site, no referrer leaked, and
 * HTTPS remembered (browsers honour Strict-Transport-Security only when it arrives over
 * HTTPS with a certificate they trust, RFC 6797 8.1, so it is harmless on plain HTTP and
 * with the self-signed certificate). Pages set their own Content-Security-Policy.
 */
const SECURITY_HEADERS: [string, string][] = [
  ['x-content-type-options', 'nosniff'],
  ['x-frame-options', 'DENY'],
  ['referrer-policy', 'no-referrer'],
  ['strict-transport-security', 'max-age=31536000'],
];

const ACME_CHALLENGE_PREFIX = '/.well-known/acme-challenge/';

/**
 * The management HTTP server: GraphQL (POST/GET /graphql, graphql-ws subscriptions on the
 * same path), the admin console (/ and its panes), the offline GraphiQL playground, and /healthz for the appliance; on the `http`
 * listener in plain HTTP and on the `https` listener with the HTTPS service's certificate (a
 * domain's by SNI), which also answers ACME TLS-ALPN-01 challenges. With the httpPublic
 * bootstrap option (the appliance's port 80), plain HTTP serves only ACME HTTP-01 challenges
 * and /healthz and redirects everything else to HTTPS.
 */
export class WebService implements Service {
  readonly name = 'web';
  private readonly log: Logger;
  private server?: http.Server;
  private tlsServer?: net.Server;
  private readonly api: ApiEndpoint;
  readonly metrics: MetricsEndpoint;
  private readonly autoconfig: ClientAutoconfig;
  private readonly listPages: ListPages;

  constructor(
    private readonly ctx: EngineContext,
    createApi: (log: Logger) => ApiEndpoint,
  ) {
    this.log = ctx.logs.logger('web');
    this.api = createApi(this.log);
    this.metrics = new MetricsEndpoint(ctx, this.log);
    this.autoconfig = new ClientAutoconfig(ctx);
    this.listPages = new ListPages(ctx);
  }

  wantedListeners(): string[] {
    return this.ctx.settings.get().metricsListen ? ['http', 'https', 'metrics'] : ['http', 'https'];
  }

  async reconfigure(changed: ChangedSettings): Promise<void> {
    if (changed.has('metricsListen') && this.server) await this.metrics.apply();
  }

  async start(): Promise<void> {
    await this.api.start();
    // No overall request timeout: an image upload may take minutes; idle sockets still time out.
    const server = http.createServer({ requestTimeout: 0, headersTimeout: 20_000 }, (req, res) => void this.route(req, res));
    server.on('upgrade', (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
      socket.on('error', () => undefined);
      if (this.ctx.options.httpPublic && inClear(req)) {
        socket.end(`HTTP/1.1 308 Permanent Redirect\r\nLocation: ${this.httpsLocationOf(req)}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
      } else if (new URL(req.url ?? '/', 'http://upgrade.invalid').pathname === '/graphql') {
        this.api.handleUpgrade(req, socket, head);
      } else {
        socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
      }
    });
    server.setTimeout(60_000);
    server.on('clientError', (_err, socket) => socket.destroy());
    this.server = server;
    await this.listen(server, 'http');
    this.log.message('management API listening', {
      address: this.ctx.options.bind,
      port: this.ctx.ports.http,
      ...(this.ctx.options.httpPublic ? { public: 'ACME challenges and /healthz only, the rest redirected to HTTPS' } : {}),
    });
    await this.startHttps(server);
    await this.metrics.apply();
  }

  /** Listens on the listener's port and records the one it got. */
  private async listen(server: net.Server, listener: 'http' | 'https'): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: this.ctx.options.bind, port: this.ctx.options.ports[listener] }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.ctx.ports[listener] = (server.address() as net.AddressInfo).port;
  }

  /** TLS in front of the same HTTP server: each connection's certificate is picked from its ClientHello. */
  private async startHttps(server: http.Server): Promise<void> {
    const tlsServer = net.createServer((socket) => {
      socket.on('error', () => undefined);
      this.ctx.tls.accept(socket, 'https', { alpn: ['http/1.1'], timeoutMs: TLS_HANDSHAKE_MS }).then(
        (secure) => server.emit('connection', secure),
        () => undefined,
      );
    });
    this.tlsServer = tlsServer;
    await this.listen(tlsServer, 'https');
    this.log.message('management API listening with TLS', { address: this.ctx.options.bind, port: this.ctx.ports.https });
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    this.tlsServer?.close();
    this.tlsServer = undefined;
    if (server) {
      // Stop accepting, let requests in progress finish for a moment, then cut the rest.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const grace = setTimeout(() => server.closeAllConnections(), STOP_GRACE_MS);
      await closed;
      clearTimeout(grace);
    }
    await this.metrics.close();
    await this.api.stop();
  }

  /** RFC 8461 3.3: the policy for mta-sts.<domain>, as text/plain, when the mtaStsMode setting is on. */
  private serveMtaStsPolicy(req: http.IncomingMessage, res: http.ServerResponse): void {
    const domains = this.ctx.directory.domains().map((d) => d.name);
    const policy = mtaStsPolicyForHost(req.headers.host ?? '', this.ctx.settings.get().mtaStsMode, domains, this.ctx.options.hostname);
    if (!policy) return sendJson(res, 404, { error: 'no MTA-STS policy for this host' });
    res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'max-age=300' });
    res.end(policy);
  }

  /** The same host and path on the engine's HTTPS listener. */
  private httpsLocationOf(req: http.IncomingMessage): string {
    const url = new URL(req.url ?? '/', 'http://request.invalid');
    return httpsLocation(req.headers.host, this.ctx.options.hostname, this.ctx.ports.https, url.pathname + url.search);
  }

  private async route(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    for (const [name, value] of SECURITY_HEADERS) res.setHeader(name, value);
    try {
      const url = new URL(req.url ?? '/', 'http://request.invalid');
      const method = req.method ?? 'GET';
      const path = url.pathname;
      if (this.ctx.options.httpPublic && inClear(req) && !servedInClear(path, method, ACME_CHALLENGE_PREFIX)) {
        // 308 keeps the method and body (a POST /graphql is retried as a POST over HTTPS).
        res.writeHead(308, { location: this.httpsLocationOf(req), 'content-length': 0, connection: 'close' });
        res.end();
        req.resume();
      } else if (path === '/graphql' && (method === 'POST' || method === 'GET')) {
        await this.api.handle(req, res, url);
      } else if (path.toLowerCase() === AUTODISCOVER_PATH && method === 'POST') {
        await this.autoconfig.serveAutodiscover(req, res);
      } else if (path.startsWith(IMAGE_UPLOAD_PREFIX) && method === 'PUT') {
        await receiveImage(this.ctx, this.log, req, res, path.slice(IMAGE_UPLOAD_PREFIX.length), url);
      } else if (path.startsWith(LIST_UNSUBSCRIBE_PREFIX) && (method === 'POST' || method === 'GET' || method === 'HEAD')) {
        await serveListUnsubscribe(this.ctx, this.log, req, res, path.slice(LIST_UNSUBSCRIBE_PREFIX.length));
      } else if (this.listPages.handles(path) && !path.startsWith(LIST_ARCHIVE_PREFIX)) {
        await this.listPages.serve(req, res, url);
      } else if (method !== 'GET' && method !== 'HEAD') {
        sendJson(res, 405, { error: 'method not allowed' }, { allow: 'GET, HEAD' });
      } else if (path === '/metrics') {
        await this.metrics.serveAuthenticated(req, res);
      } else if (path.startsWith('/mailman/archives/')) {
        // The seed's (Mailman 2's) archive address, /mailman/archives/LIST: the list of that name.
        let name = '';
        try {
          name = decodeURIComponent(path.slice('/mailman/archives/'.length).split('/')[0] ?? '').toLowerCase();
        } catch {
          // not valid percent-encoding: no list has that name
        }
        const list = listByMailmanName(this.ctx, name, req.headers.host);
        if (list) {
          res.writeHead(301, { location: `${LIST_ARCHIVE_PREFIX}${encodeURIComponent(list.address)}/` });
          res.end();
        } else sendJson(res, 404, { errors: [{ message: 'no such list', extensions: { code: 'NOT_FOUND' } }] });
      } else if (path.startsWith(LIST_ARCHIVE_PREFIX)) {
        await sendListArchive(this.ctx, this.log, req, res, path.slice(LIST_ARCHIVE_PREFIX.length), url.searchParams, (list) => this.listPages.mayReadPrivate(req, list));
      } else if (path.startsWith(LOG_ARCHIVE_PATH)) {
        await sendLogArchive(this.ctx, this.log, req, res, path.slice(LOG_ARCHIVE_PATH.length));
      } else if (path.startsWith(MOBILECONFIG_PATH)) {
        sendMobileconfig(this.ctx, this.log, req, res, path.slice(MOBILECONFIG_PATH.length));
      } else if (path.startsWith(BACKUP_DOWNLOAD_PATH)) {
        await sendBackup(this.ctx, this.log, req, res, path.slice(BACKUP_DOWNLOAD_PATH.length));
      } else if (path.startsWith(ACME_CHALLENGE_PREFIX)) {
        // HTTP-01 (RFC 8555 8.3): the CA fetches the key authorization of a pending order.
        const answer = this.ctx.tls.acme.httpChallenge(path.slice(ACME_CHALLENGE_PREFIX.length));
        if (answer) {
          res.writeHead(200, { 'content-type': 'application/octet-stream', 'cache-control': 'no-store' });
          res.end(answer);
        } else sendJson(res, 404, { error: 'no such challenge' });
      } else if (AUTOCONFIG_PATHS.has(path)) {
        this.autoconfig.serveThunderbird(req, res, url);
      } else if (path === MTA_STS_PATH) {
        this.serveMtaStsPolicy(req, res);
      } else if (path === '/healthz') {
        sendJson(res, 200, { status: 'ok' }, { 'cache-control': 'no-store' });
      } else if (path === '/favicon.ico') {
        res.writeHead(204, { 'cache-control': 'public, max-age=86400' });
        res.end();
      } else if (path === '/playground' || path === '/playground/') {
        servePlaygroundPage(res);
      } else if (path.startsWith(ASSET_PREFIX)) {
        if (!servePlaygroundAsset(req, res, path.slice(ASSET_PREFIX.length))) sendJson(res, 404, { error: 'not found' });
      } else if (path.startsWith(CONSOLE_ASSET_PREFIX)) {
        if (!serveConsoleAsset(req, res, path.slice(CONSOLE_ASSET_PREFIX.length))) sendJson(res, 404, { error: 'not found' });
      } else if (isConsolePath(path)) {
        serveConsolePage(req, res);
      } else {
        sendJson(res, 404, { error: 'not found' });
      }
    } catch (err) {
      this.log.error('management HTTP request failed', { url: req.url, error: String(err) });
      if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
      else res.destroy();
    }
  }
}
