import fs from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';
import { EventEmitter } from 'node:events';
import { createSelfSigned } from './self-signed';

/**
 * Owns the certificate the listeners use. Listeners ask for `context()` on every
 * handshake (through SNICallback), so a replaced certificate applies to new
 * connections at once without a restart.
 */
export class TlsManager extends EventEmitter {
  private ctx: tls.SecureContext;
  private pair: { key: string; cert: string };

  constructor(
    private readonly dir: string,
    hostname: string,
    altNames: string[],
  ) {
    super();
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const keyFile = path.join(dir, 'default.key');
    const certFile = path.join(dir, 'default.crt');
    if (!fs.existsSync(keyFile) || !fs.existsSync(certFile)) {
      const created = createSelfSigned(hostname, altNames);
      fs.writeFileSync(keyFile, created.key, { mode: 0o600 });
      fs.writeFileSync(certFile, created.cert, { mode: 0o600 });
    }
    this.pair = { key: fs.readFileSync(keyFile, 'utf8'), cert: fs.readFileSync(certFile, 'utf8') };
    this.ctx = tls.createSecureContext({ ...this.pair, minVersion: 'TLSv1.2' });
  }

  context(): tls.SecureContext {
    return this.ctx;
  }

  certificatePem(): string {
    return this.pair.cert;
  }

  /** Options for tls.createServer / new TLSSocket that always use the current certificate. */
  serverOptions(): tls.TlsOptions {
    return {
      ...this.pair,
      minVersion: 'TLSv1.2',
      SNICallback: (_servername, cb) => cb(null, this.ctx),
    };
  }

  replace(key: string, cert: string): void {
    const ctx = tls.createSecureContext({ key, cert, minVersion: 'TLSv1.2' });
    fs.writeFileSync(path.join(this.dir, 'default.key'), key, { mode: 0o600 });
    fs.writeFileSync(path.join(this.dir, 'default.crt'), cert, { mode: 0o600 });
    this.pair = { key, cert };
    this.ctx = ctx;
    this.emit('change');
  }

  /** Upgrades a plain socket in place (STARTTLS / STLS). */
  upgrade(socket: import('node:net').Socket): Promise<tls.TLSSocket> {
    return new Promise((resolve, reject) => {
      const secure = new tls.TLSSocket(socket, {
        isServer: true,
        secureContext: this.ctx,
        SNICallback: (_name, cb) => cb(null, this.ctx),
      });
      const fail = (err: Error) => reject(err);
      secure.once('error', fail);
      secure.once('secure', () => {
        secure.off('error', fail);
        resolve(secure);
      });
    });
  }
}
