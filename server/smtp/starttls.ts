import type net from 'node:net';
import type tls from 'node:tls';
import { SMTPConnection } from 'smtp-server/lib/smtp-connection';

/** Starts TLS on a connection's plain socket with the listener's certificate, picked from the ClientHello. */
export type StartTls = (socket: net.Socket) => Promise<tls.TLSSocket>;

/** How each smtp-server instance (one per listener) starts TLS. */
const starters = new WeakMap<object, StartTls>();

/** STARTTLS on this server's connections goes through `start` instead of smtp-server's own upgrade. */
export function startTlsWith(server: object, start: StartTls): void {
  starters.set(server, start);
}

let installed = false;

/**
 * Replaces smtp-server's STARTTLS upgrade. Its upgrade wraps the socket with the listener's
 * default context and an SNI callback, and OpenSSL adds a domain's certificate from that
 * callback beside the listener's: a client that prefers ECDSA got the listener's ECDSA
 * certificate instead of the domain's RSA one. Here the ClientHello is read first and exactly
 * one certificate is loaded (TlsManager.accept), as on every other listener. The steps after
 * the handshake are smtp-server's own (RFC 3207 section 4.2: forget what the client said
 * before), in the same order.
 */
export function installStartTls(): void {
  if (installed) return;
  installed = true;
  const original = SMTPConnection.prototype.upgrade;
  SMTPConnection.prototype.upgrade = function upgrade(this: SMTPConnection, callback: () => void, secureCallback?: () => void): void {
    const start = starters.get(this._server);
    if (!start) return original.call(this, callback, secureCallback);
    const raw = this._socket as net.Socket;
    raw.unpipe(this._parser as NodeJS.WritableStream);
    // What the parser still holds arrived in plaintext after STARTTLS: it is retired, never
    // dispatched (smtp-server's guard against STARTTLS command injection).
    (this._parser as { isClosed: boolean }).isClosed = true;
    this._parser = this._createParser();
    this._upgrading = true;
    setImmediate(callback);
    raw.removeAllListeners();
    raw.on('error', (err: Error) => this._onError(err));
    start(raw).then(
      (secure) => {
        if (!this._parser) {
          // the connection was closed while the handshake ran
          secure.destroy();
          return;
        }
        secure.once('close', (hadError: boolean) => this._onCloseEvent(hadError));
        secure.on('error', (err: Error) => this._onError(err));
        this._armTimeout(secure);
        this.session.secure = this.secure = true;
        this._socket = secure;
        this._upgrading = false;
        this.session.user = false;
        this.hostNameAppearsAs = false;
        this.openingCommand = false;
        this._resetSession();
        this.session.tlsOptions = this.tlsOptions = secure.getCipher();
        this.session.servername = (secure as tls.TLSSocket & { servername?: string | false }).servername;
        this._server.onSecure(secure, this.session, (err?: Error | null) => {
          if (!this._parser) return;
          if (err) return this._refuse(err);
          secure.pipe(this._parser as NodeJS.WritableStream);
          secureCallback?.();
        });
      },
      (err: Error & { responseCode?: number; code?: string; report?: boolean }) => {
        // A failed handshake ends the connection: TlsManager.accept destroyed the socket.
        err.code ??= 'TLSError';
        err.responseCode ??= 500;
        this._onError(err);
        this._onCloseEvent(true);
      },
    );
  };
}
