import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';
import { EventEmitter } from 'node:events';
import { type KeyType, createSelfSigned, generateKeyAsync } from './self-signed';
import { type ProfileOptions, type TlsProfile, tlsProfileOptions } from './tls-profiles';

export interface TlsSettings {
  tlsProfile: TlsProfile;
  selfSignedKeyType: KeyType;
}

/** A self-signed certificate of the engine's own is made anew this close to its end. */
const RENEW_BEFORE_MS = 30 * 24 * 3600_000;
/** Marks a default certificate the engine made itself (and so may replace). */
const SELF_SIGNED_MARK = 'default.self-signed';
/** The profile's name, for the HTTPS front. */
const PROFILE_FILE = 'tls-profile';

/**
 * Owns the certificate and the TLS profile the listeners use. Listeners ask for
 * `context()` on every handshake (through SNICallback) and rebuild their default context
 * on `change`, so a replaced certificate or profile applies to new connections at once,
 * without a restart.
 */
export class TlsManager extends EventEmitter {
  private ctx: tls.SecureContext;
  private pair: { key: string; cert: string };
  private profile: ProfileOptions;

  constructor(
    private readonly dir: string,
    private readonly hostname: string,
    private readonly altNames: string[],
    private readonly settings: () => TlsSettings,
  ) {
    super();
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    this.profile = this.loadProfile();
    if (!fs.existsSync(this.keyFile) || !fs.existsSync(this.certFile)) this.writeSelfSigned();
    this.pair = { key: fs.readFileSync(this.keyFile, 'utf8'), cert: fs.readFileSync(this.certFile, 'utf8') };
    this.markOlderSelfSigned();
    this.ctx = this.build(this.pair);
    void this.renewSelfSignedIfDue().catch(() => undefined);
  }

  private get keyFile(): string {
    return path.join(this.dir, 'default.key');
  }

  private get certFile(): string {
    return path.join(this.dir, 'default.crt');
  }

  context(): tls.SecureContext {
    return this.ctx;
  }

  certificatePem(): string {
    return this.pair.cert;
  }

  /** True while the default certificate is one the engine made itself. */
  get selfSigned(): boolean {
    return fs.existsSync(path.join(this.dir, SELF_SIGNED_MARK));
  }

  /** Options for tls.createServer / new TLSSocket that always use the current certificate and profile. */
  serverOptions(): tls.TlsOptions {
    return {
      ...this.pair,
      ...this.profile,
      SNICallback: (_servername, cb) => cb(null, this.ctx),
    };
  }

  replace(key: string, cert: string): void {
    const ctx = this.build({ key, cert });
    fs.writeFileSync(this.keyFile, key, { mode: 0o600 });
    fs.writeFileSync(this.certFile, cert, { mode: 0o600 });
    fs.rmSync(path.join(this.dir, SELF_SIGNED_MARK), { force: true });
    this.pair = { key, cert };
    this.ctx = ctx;
    this.emit('change');
  }

  /** Applies changed settings: a new profile, or a new key type for the engine's own certificate. */
  reconfigure(changed: string[]): void {
    if (changed.includes('selfSignedKeyType') && this.selfSigned && this.keyType() !== this.settings().selfSignedKeyType) {
      // A key that cannot be made leaves the current certificate in use.
      void this.installSelfSigned().catch(() => undefined);
      return;
    }
    if (changed.includes('tlsProfile')) {
      this.profile = this.loadProfile();
      this.ctx = this.build(this.pair);
      this.emit('change');
    }
  }

  /**
   * Makes the engine's own certificate anew when it ends within 30 days (checked at start and
   * twice a day); resolves true once the new one is in use.
   */
  async renewSelfSignedIfDue(now = Date.now()): Promise<boolean> {
    if (!this.selfSigned) return false;
    const validTo = Date.parse(new crypto.X509Certificate(this.pair.cert).validTo);
    if (validTo - now > RENEW_BEFORE_MS) return false;
    await this.installSelfSigned();
    return true;
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

  private build(pair: { key: string; cert: string }): tls.SecureContext {
    return tls.createSecureContext({ ...pair, ...this.profile });
  }

  private keyType(): KeyType {
    const key = crypto.createPrivateKey(this.pair.key);
    if (key.asymmetricKeyType === 'rsa') return `rsa-${key.asymmetricKeyDetails?.modulusLength ?? 2048}` as KeyType;
    return key.asymmetricKeyDetails?.namedCurve === 'secp384r1' ? 'ecdsa-p384' : 'ecdsa-p256';
  }

  private writeSelfSigned(key?: crypto.KeyObject): { key: string; cert: string } {
    const created = createSelfSigned(this.hostname, this.altNames, { keyType: this.settings().selfSignedKeyType, key });
    fs.writeFileSync(this.keyFile, created.key, { mode: 0o600 });
    fs.writeFileSync(this.certFile, created.cert, { mode: 0o600 });
    fs.writeFileSync(path.join(this.dir, SELF_SIGNED_MARK), `made by the engine on ${new Date().toISOString()}\n`, { mode: 0o600 });
    return created;
  }

  /** Versions before the mark made the same self-signed certificate (O=Pillarbox, issued by itself). */
  private markOlderSelfSigned(): void {
    if (this.selfSigned) return;
    const x509 = new crypto.X509Certificate(this.pair.cert);
    if (x509.issuer === x509.subject && /^O=Pillarbox$/m.test(x509.subject)) {
      fs.writeFileSync(path.join(this.dir, SELF_SIGNED_MARK), 'made by an earlier version of the engine\n', { mode: 0o600 });
    }
  }

  /** A new key is made off the event loop (seconds of CPU for RSA 4096), then the certificate is swapped in. */
  private async installSelfSigned(): Promise<void> {
    const key = await generateKeyAsync(this.settings().selfSignedKeyType);
    this.pair = this.writeSelfSigned(key);
    this.ctx = this.build(this.pair);
    this.emit('change');
  }
}
