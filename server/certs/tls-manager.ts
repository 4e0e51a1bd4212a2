import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';
import type net from 'node:net';
import { EventEmitter } from 'node:events';
import type { KeyType } from './self-signed';
import { type ProfileOptions, type TlsProfile, tlsProfileOptions } from './tls-profiles';
import { type CertService, CertStore, SERVICES, type ServingPair } from './cert-store';
import { ACME_TLS_ALPN, type AcmeSettings, AcmeService } from './acme';
import { bytesWanted, readClientHello } from './client-hello';

export interface TlsSettings extends AcmeSettings {
  tlsProfile: TlsProfile;
  selfSignedKeyType: KeyType;
}

/** A self-signed certificate of the engine's own is made anew this close to its end. */
const RENEW_BEFORE_MS = 30 * 24 * 3600_000;
/** A client that has not finished its TLS handshake by then is cut. */
export const HANDSHAKE_TIMEOUT_MS = 20_000;
/**
 * Copies of the HTTPS certificate, its key and the profile's name that earlier engines wrote for
 * the appliance's separate HTTPS front; the engine serves HTTPS itself now, so a stale copy of
 * a private key is removed.
 */
const FRONT_COPIES = ['https.key', 'https.crt', 'tls-profile', 'https.key.tmp', 'https.crt.tmp'];

/** Listener names that are not service names. */
const LISTENER_SERVICES: Record<string, CertService> = { sieveLegacy: 'sieve' };

/**
 * Serves the certificates of the store (cert-store.ts) to the listeners with the TLS
 * profile. Each listener asks by its name: `serverOptions(name)` for implicit TLS and
 * `upgrade(socket, name)` for STARTTLS. The context is chosen on every handshake (the
 * client's SNI names a domain with a certificate of its own, or the service's), and the
 * default context of a listener is rebuilt on `change`, so a new choice or a renewed
 * certificate applies to new connections at once while open sessions keep theirs.
 */
export class TlsManager extends EventEmitter {
  readonly store: CertStore;
  readonly acme: AcmeService;
  private profile: ProfileOptions;
  private contexts = new Map<string, tls.SecureContext>();

  constructor(
    private readonly dir: string,
    hostname: string,
    altNames: string[],
    private readonly settings: () => TlsSettings,
    servedNames?: () => string[],
  ) {
    super();
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    for (const file of FRONT_COPIES) fs.rmSync(path.join(dir, file), { force: true });
    this.profile = tlsProfileOptions(this.settings().tlsProfile);
    this.store = new CertStore(dir, hostname, altNames, () => this.settings().selfSignedKeyType, servedNames);
    this.acme = new AcmeService(path.join(dir, 'acme'), this.store, () => this.settings());
    this.store.on('change', () => {
      this.contexts = new Map();
      this.emit('change');
    });
    void this.renewSelfSignedIfDue().catch(() => undefined);
  }

  /** The service a listener serves: listener names are service names but for a few. */
  static serviceOf(listener: string | undefined): CertService {
    const name = listener ? LISTENER_SERVICES[listener] ?? listener : 'imaps';
    return (SERVICES as readonly string[]).includes(name) ? (name as CertService) : 'imaps';
  }

  /** The context for a handshake on a listener, by the name the client asked for. */
  context(listener?: string, servername?: string): tls.SecureContext {
    const id = this.store.idForServerName(servername) ?? this.store.idForService(TlsManager.serviceOf(listener));
    let ctx = this.contexts.get(id);
    if (!ctx) {
      ctx = this.build(this.store.pair(id));
      this.contexts.set(id, ctx);
    }
    return ctx;
  }

  /** The PEM of the certificate (with its chain) a service serves to clients that name no domain. */
  certificatePem(listener?: string): string {
    return this.store.pair(this.store.idForService(TlsManager.serviceOf(listener))).cert;
  }

  /** True while the default certificate is the one the engine made itself. */
  get selfSigned(): boolean {
    return this.store.engineOwned()?.id === this.store.defaultId;
  }

  /** Options for tls.createServer (and smtp-server) on a listener: its certificate, the profile, and SNI. */
  serverOptions(listener?: string): tls.TlsOptions {
    return {
      ...this.store.pair(this.store.idForService(TlsManager.serviceOf(listener))),
      ...this.profile,
      SNICallback: (servername, cb) => {
        try {
          cb(null, this.context(listener, servername));
        } catch (err) {
          cb(err as Error, undefined);
        }
      },
    };
  }

  /** Applies changed settings: a new profile, or a new key type for the engine's own certificate. */
  reconfigure(changed: string[]): void {
    if (changed.includes('tlsProfile')) {
      this.profile = tlsProfileOptions(this.settings().tlsProfile);
      this.contexts = new Map();
      this.emit('change');
    }
    if (changed.includes('selfSignedKeyType') && this.store.engineOwned() && this.engineKeyType() !== this.settings().selfSignedKeyType) {
      // A key that cannot be made leaves the current certificate in use.
      void this.store.remakeEngineOwned(this.settings().selfSignedKeyType).catch(() => undefined);
    }
  }

  /**
   * Makes the engine's own certificate anew when it ends within 30 days (checked at start and
   * twice a day); resolves true once the new one is in use.
   */
  async renewSelfSignedIfDue(now = Date.now()): Promise<boolean> {
    await this.store.ready();
    const own = this.store.engineOwned();
    if (!own) return false;
    const validTo = Date.parse(new crypto.X509Certificate(this.store.pair(own.id).cert).validTo);
    if (validTo - now > RENEW_BEFORE_MS) return false;
    await this.store.renewSelfSigned(own.id);
    return true;
  }

  /**
   * Starts TLS on a socket before its ClientHello is read: reads it, picks the one certificate
   * for the connection (an ACME TLS-ALPN-01 challenge's when the client asks for
   * `acme-tls/1`, else the named domain's or the listener's), then hands the bytes to TLS.
   * Unlike SNICallback, which OpenSSL adds beside the listener's default certificate, the
   * client sees only that one whatever key types it prefers. Rejects (and destroys the socket)
   * on bytes that are not a ClientHello, a closed socket, a failed handshake or the timeout.
   */
  accept(socket: net.Socket, listener: string | undefined, options: { alpn?: string[]; timeoutMs: number }): Promise<tls.TLSSocket> {
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let total = 0;
      let wanted = 5;
      let secure: tls.TLSSocket | undefined;
      const timer = setTimeout(() => fail(new Error('TLS handshake timed out')), options.timeoutMs);
      const cleanup = () => {
        socket.off('data', onData);
        socket.off('close', onClose);
        socket.off('error', fail);
      };
      const fail = (err: Error) => {
        clearTimeout(timer);
        cleanup();
        secure?.destroy();
        socket.destroy();
        reject(err);
      };
      const onClose = () => fail(new Error('closed before the TLS handshake'));
      const onData = (chunk: Buffer) => {
        chunks.push(chunk);
        total += chunk.length;
        if (total < wanted) return;
        const buf = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
        chunks.length = 0;
        chunks.push(buf);
        const hello = readClientHello(buf);
        if (hello === undefined) {
          wanted = bytesWanted(buf);
          return;
        }
        if (hello === 'not-tls') return fail(new Error('not a TLS ClientHello'));
        cleanup();
        socket.pause();
        socket.unshift(buf);
        const challenge = hello.servername && hello.alpn.includes(ACME_TLS_ALPN) ? this.acme.alpnChallenge(hello.servername) : undefined;
        secure = new tls.TLSSocket(socket, {
          isServer: true,
          secureContext: challenge ? tls.createSecureContext({ ...challenge, ...this.profile }) : this.context(listener, hello.servername),
          ALPNProtocols: challenge ? [ACME_TLS_ALPN] : options.alpn,
        });
        secure.once('error', fail);
        secure.once('secure', () => {
          clearTimeout(timer);
          secure?.off('error', fail);
          if (!challenge) return resolve(secure as tls.TLSSocket);
          // The handshake itself was the answer (RFC 8737 section 3); nothing more is said.
          secure?.end();
          reject(new Error('answered an ACME TLS-ALPN-01 challenge'));
        });
      };
      socket.on('data', onData);
      socket.once('close', onClose);
      socket.once('error', fail);
      // A socket its session paused stays paused when a reader is added.
      socket.resume();
    });
  }

  /** Upgrades a plain socket in place (STARTTLS / STLS) on a listener, with the certificate picked as `accept` does. */
  upgrade(socket: net.Socket, listener?: string): Promise<tls.TLSSocket> {
    return this.accept(socket, listener, { timeoutMs: HANDSHAKE_TIMEOUT_MS });
  }

  private build(pair: ServingPair): tls.SecureContext {
    return tls.createSecureContext({ ...pair, ...this.profile });
  }

  private engineKeyType(): KeyType | undefined {
    const own = this.store.engineOwned();
    if (!own) return undefined;
    const key = crypto.createPrivateKey(this.store.pair(own.id).key);
    if (key.asymmetricKeyType === 'rsa') return `rsa-${key.asymmetricKeyDetails?.modulusLength ?? 2048}` as KeyType;
    return key.asymmetricKeyDetails?.namedCurve === 'secp384r1' ? 'ecdsa-p384' : 'ecdsa-p256';
  }
}
