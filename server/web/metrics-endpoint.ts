import http from 'node:http';
import type net from 'node:net';
import type { EngineContext } from '../context';
import type { Logger } from '../logs/logger';
import { parseHostPort } from '../net/host-port';
import { bearerToken, sendJson } from './http-util';
import type { PrometheusMetrics } from './prometheus';

/**
 * GET /metrics: on the management port for an ADMIN or MONITOR login token; on the separate
 * listener of `metricsListen` (when set) for anyone who can reach it, and nothing else there.
 */
export class MetricsEndpoint {
  private collector?: PrometheusMetrics;
  private server?: http.Server;
  private listening = '';

  constructor(
    private readonly ctx: EngineContext,
    private readonly log: Logger,
  ) {}

  /**
   * The Prometheus registry with prom-client, made right after start-up (the engine calls this
   * once its listeners are up; prom-client was a tenth of the time to the SMTP banner) or at
   * the first scrape before that.
   */
  get metrics(): PrometheusMetrics {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    this.collector ??= new (require('./prometheus') as typeof import('./prometheus')).PrometheusMetrics(this.ctx);
    return this.collector;
  }

  /** The management port's /metrics: a login token is required. */
  async serveAuthenticated(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const token = bearerToken(req.headers.authorization);
    if (!token || !this.ctx.admins.verifyToken(token)) {
      return sendJson(res, 401, { errors: [{ message: 'log in first: send "Authorization: Bearer <token>" (or scrape the metricsListen listener)', extensions: { code: 'UNAUTHENTICATED' } }] }, { 'www-authenticate': 'Bearer' });
    }
    await this.send(req, res);
  }

  /** Starts, moves or stops the separate listener to match `metricsListen`. */
  async apply(): Promise<void> {
    const wanted = this.ctx.settings.get().metricsListen;
    if (wanted === this.listening && (this.server || !wanted)) return;
    await this.close();
    if (!wanted) return;
    const where = parseHostPort(wanted);
    if (!where?.port) return;
    const server = http.createServer({ headersTimeout: 20_000 }, (req, res) => void this.serveOpen(req, res));
    server.setTimeout(60_000);
    server.on('clientError', (_err, socket) => socket.destroy());
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ host: where.host, port: where.port }, () => {
          server.off('error', reject);
          resolve();
        });
      });
    } catch (err) {
      this.log.error('could not open the metrics listener (metricsListen)', { address: wanted, error: String(err) });
      this.listening = wanted;
      return;
    }
    this.server = server;
    this.listening = wanted;
    this.ctx.ports.metrics = (server.address() as net.AddressInfo).port;
    this.log.message('metrics listening', { address: wanted });
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    this.listening = '';
    delete this.ctx.ports.metrics;
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }

  private async serveOpen(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    try {
      const url = new URL(req.url ?? '/', 'http://request.invalid');
      if (url.pathname !== '/metrics') return sendJson(res, 404, { error: 'not found: this listener serves /metrics only' });
      if (req.method !== 'GET' && req.method !== 'HEAD') return sendJson(res, 405, { error: 'method not allowed' }, { allow: 'GET, HEAD' });
      await this.send(req, res);
    } catch (err) {
      this.log.error('metrics request failed', { error: String(err) });
      if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
      else res.destroy();
    }
  }

  private async send(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const text = await this.metrics.text();
    res.writeHead(200, { 'content-type': this.metrics.contentType, 'cache-control': 'no-store' });
    res.end(req.method === 'HEAD' ? undefined : text);
  }
}
