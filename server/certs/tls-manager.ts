import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';
import type net from 'node:net';
import { EventEmitter } from 'node:events';
import type { KeyType } from './self-signed';
import { type ProfileOptions, type TlsProfile, tlsProfileOptions } from './tls-profiles';
import { type CertService, CertStore, SERVICES, type ServingPair } from './cert-store';
import { type AcmeSettings, AcmeService } from './acme';

export interface TlsSettings extends AcmeSettings {
  tlsProfile: TlsProfile;
  selfSignedKeyType: KeyType;
}

/** A self-signed certificate of the engine's own is made anew this close to its end. */
const RENEW_BEFORE_MS = 30 * 24 * 3600_000;
/** The profile's name, for the HTTPS front. */
const PROFILE_FILE = 'tls-profile';
/** The certificate chosen for the HTTPS front (appliance/https-front.js), a separate process that reads these. */
const HTTPS_KEY = 'https.key';
const HTTPS_CERT = 'https.crt';

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
    this.profile = this.loadProfile();
    this.store = new CertStore(dir, hostname, altNames, () => this.settings().selfSignedKeyType, servedNames);
    this.acme = new AcmeService(path.join(dir, 'acme'), this.store, () => this.settings());
    this.writeHttpsFiles();
    this.store.on('change', () => {
      this.contexts = new Map();
      this.writeHttpsFiles();
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
      this.profile = this.loadProfile();
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
    const own = this.store.engineOwned();
    if (!own) return false;
    const validTo = Date.parse(new crypto.X509Certificate(this.store.pair(own.id).cert).validTo);
    if (validTo - now > RENEW_BEFORE_MS) return false;
    await this.store.renewSelfSigned(own.id);
    return true;
  }

  /** Upgrades a plain socket in place (STARTTLS / STLS) on a listener. */
  upgrade(socket: net.Socket, listener?: string): Promise<tls.TLSSocket> {
    return new Promise((resolve, reject) => {
      const secure = new tls.TLSSocket(socket, {
        isServer: true,
        secureContext: this.context(listener),
        SNICallback: (name, cb) => {
          try {
            cb(null, this.context(listener, name));
          } catch (err) {
            cb(err as Error, undefined);
          }
        },
      });
      const fail = (err: Error) => reject(err);
      secure.once('error', fail);
      secure.once('secure', () => {
        secure.off('error', fail);
        resolve(secure);
      });
    });
  }

  /**
   * The profile's options; its name is also written beside the certificate for the
   * appliance's HTTPS front (appliance/https-front.js), a separate process.
   */
  private loadProfile(): ProfileOptions {
    const name = this.settings().tlsProfile;
    try {
      fs.writeFileSync(path.join(this.dir, PROFILE_FILE), name + '\n', { mode: 0o600 });
    } catch {
      // A full disk: the HTTPS front keeps the profile it has until this can be written.
    }
    return tlsProfileOptions(name);
  }

  /** Copies the HTTPS certificate where the front reads it, when it changed (key first: the front reloads on the certificate's change too). */
  private writeHttpsFiles(): void {
    const pair: ServingPair = this.store.pair(this.store.idForService('https'));
    const certFile = path.join(this.dir, HTTPS_CERT);
    if (fs.existsSync(certFile) && fs.readFileSync(certFile, 'utf8') === pair.cert) return;
    try {
      for (const [file, text] of [
        [HTTPS_KEY, pair.key],
        [HTTPS_CERT, pair.cert],
      ]) {
        fs.writeFileSync(path.join(this.dir, file + '.tmp'), text, { mode: 0o600 });
        fs.renameSync(path.join(this.dir, file + '.tmp'), path.join(this.dir, file));
      }
    } catch {
      // A full disk: the front keeps the certificate it has.
    }
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
