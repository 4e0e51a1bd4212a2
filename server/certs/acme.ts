import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type * as AcmeClient from 'acme-client';
import { CertError } from './cert-errors';
import type { CertStore, CertificateInfo } from './cert-store';
import { type KeyType, generateKeyAsync } from './keys';
import { csrBuilder, forge, selfSigned } from './forge-parts';

export interface AcmeSettings {
  acmeDirectoryUrl: string;
  acmeContactEmail: string;
  acmeChallenge: 'http-01' | 'tls-alpn-01';
}

/** The protocol name a CA asks for when it validates by TLS-ALPN-01 (RFC 8737). */
export const ACME_TLS_ALPN = 'acme-tls/1';

/** The certificate and key a TLS-ALPN-01 challenge is answered with. */
export interface AlpnChallenge {
  key: string;
  cert: string;
}

/** An ACME certificate is renewed when it ends within this. */
export const ACME_RENEW_BEFORE_MS = 30 * 24 * 3600_000;

interface AccountFile {
  /** Account URL per directory: the same key has one account at each CA. */
  accounts: Record<string, string>;
}

/**
 * Orders certificates from an ACME CA (RFC 8555) with the `acme-client` library: the account
 * key is kept in `certs/acme/`, HTTP-01 challenges are answered by the engine's own HTTP
 * listener (`/.well-known/acme-challenge/`, through `httpChallenge`), and a certificate only
 * enters the store once it is issued and checked, so the one in service never changes
 * before its replacement is complete.
 */
export class AcmeService {
  private readonly challenges = new Map<string, string>();
  private readonly alpnChallenges = new Map<string, AlpnChallenge>();
  private readonly ordering = new Set<string>();

  constructor(
    private readonly dir: string,
    private readonly store: CertStore,
    private readonly settings: () => AcmeSettings,
  ) {}

  /** The key authorization the CA expects at /.well-known/acme-challenge/<token>, while an order waits for it. */
  httpChallenge(token: string): string | undefined {
    return this.challenges.get(token);
  }

  /** The certificate that answers a TLS-ALPN-01 challenge for a name, while an order waits for it. */
  alpnChallenge(servername: string): AlpnChallenge | undefined {
    return this.alpnChallenges.get(servername.toLowerCase());
  }

  /** Orders a new certificate for the names; it is added to the store when issued. */
  async order(req: { name: string; names: string[]; keyType?: KeyType }): Promise<CertificateInfo> {
    const checked = this.store.checkOrder(req.name, req.names, req.keyType ?? 'ecdsa-p256');
    return this.issue(checked.name, checked.names, checked.keyType);
  }

  /**
   * Orders an ACME certificate again with the same key, so a TLSA record (DANE 3 1 1, which
   * pins the key) stays true across renewals; services and domains keep using it. To change
   * the key, order a new certificate.
   */
  async renew(id: string): Promise<CertificateInfo> {
    const wanted = this.store.orderOf(id);
    return this.issue(wanted.name, wanted.names, wanted.keyType, id, crypto.createPrivateKey(this.store.pair(id).key));
  }

  /** The ACME certificates that end within 30 days, by id. */
  due(now = Date.now()): string[] {
    return this.store
      .list()
      .filter((c) => c.origin === 'acme' && c.notAfter && c.notAfter.getTime() - now <= ACME_RENEW_BEFORE_MS)
      .map((c) => c.id);
  }

  private async issue(name: string, names: string[], keyType: KeyType, replaces?: string, reuseKey?: crypto.KeyObject): Promise<CertificateInfo> {
    const lock = replaces ?? `new:${name.toLowerCase()}`;
    if (this.ordering.has(lock)) throw new CertError('ACME_FAILED', `an order for "${name}" is going on already`);
    this.ordering.add(lock);
    try {
      const client = await this.client();
      const key = reuseKey ?? (await generateKeyAsync(keyType));
      const keyPem = key.export({ type: 'pkcs8', format: 'pem' }).toString();
      const csr = csrBuilder().createCsr(names[0], names.slice(1), {}, key);
      let certificatePem: string;
      try {
        certificatePem = await this.runOrder(client, names, csr);
      } catch (err) {
        throw new CertError('ACME_FAILED', `the ACME order at ${this.settings().acmeDirectoryUrl} failed: ${describe(err)}`);
      }
      this.saveAccount(client);
      return this.store.addIssued({ name, origin: 'acme', names, keyType, keyPem, certificatePem, replaces });
    } finally {
      this.ordering.delete(lock);
    }
  }

  /**
   * RFC 8555 section 7: account, order, one HTTP-01 or TLS-ALPN-01 challenge per name (the
   * acmeChallenge setting), finalize with the CSR,
   * download. (acme-client's auto() would do the same, but it parses the CSR with a copy of
   * @peculiar/asn1-schema that does not know the CSR's schema in this tree.)
   */
  private async runOrder(client: AcmeClient.Client, names: string[], csr: string): Promise<string> {
    const email = this.settings().acmeContactEmail;
    await client.createAccount({ termsOfServiceAgreed: true, ...(email ? { contact: [`mailto:${email}`] } : {}) });
    const order = await client.createOrder({ identifiers: names.map((value) => ({ type: 'dns', value })) });
    const type = this.settings().acmeChallenge;
    const tokens: string[] = [];
    const alpnNames: string[] = [];
    try {
      for (const authz of await client.getAuthorizations(order)) {
        if (authz.status === 'valid') continue;
        const challenge = authz.challenges.find((c) => c.type === type);
        if (!challenge) throw new Error(`the CA offers no ${type} challenge for ${authz.identifier.value}`);
        const keyAuthorization = await client.getChallengeKeyAuthorization(challenge);
        if (type === 'http-01') {
          this.challenges.set(challenge.token, keyAuthorization);
          tokens.push(challenge.token);
        } else {
          const name = authz.identifier.value.toLowerCase();
          this.alpnChallenges.set(name, alpnChallengeCertificate(name, keyAuthorization));
          alpnNames.push(name);
        }
        await client.completeChallenge(challenge);
        await client.waitForValidStatus(challenge);
      }
      const finalized = await client.finalizeOrder(order, csr);
      return await client.getCertificate(finalized);
    } finally {
      for (const token of tokens) this.challenges.delete(token);
      for (const name of alpnNames) this.alpnChallenges.delete(name);
    }
  }

  private async client(): Promise<AcmeClient.Client> {
    const directoryUrl = this.settings().acmeDirectoryUrl;
    const accountKey = await this.accountKey();
    return new (acmeClient().Client)({ directoryUrl, accountKey, accountUrl: this.readAccounts().accounts[directoryUrl], backoffAttempts: 10, backoffMin: 200, backoffMax: 5000 });
  }

  /** The account key: made once, owner-only, kept across orders and renewals. */
  private async accountKey(): Promise<string> {
    const file = path.join(this.dir, 'account.key');
    if (fs.existsSync(file)) return fs.readFileSync(file, 'utf8');
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const pem = (await generateKeyAsync('ecdsa-p256')).export({ type: 'pkcs8', format: 'pem' }).toString();
    fs.writeFileSync(file, pem, { mode: 0o600 });
    return pem;
  }

  private readAccounts(): AccountFile {
    const file = path.join(this.dir, 'accounts.json');
    return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as AccountFile) : { accounts: {} };
  }

  private saveAccount(client: AcmeClient.Client): void {
    const accounts = this.readAccounts();
    const directoryUrl = this.settings().acmeDirectoryUrl;
    let url: string;
    try {
      url = client.getAccountUrl();
    } catch {
      return;
    }
    if (accounts.accounts[directoryUrl] === url) return;
    accounts.accounts[directoryUrl] = url;
    const file = path.join(this.dir, 'accounts.json');
    fs.writeFileSync(file + '.tmp', JSON.stringify(accounts, null, 2) + '\n', { mode: 0o600 });
    fs.renameSync(file + '.tmp', file);
  }
}

let loaded: typeof AcmeClient | undefined;

/**
 * acme-client, loaded at the first order: with @peculiar/x509 and axios it was a third of the
 * engine's start-up (docs/benchmarks.md, startup), and most engines never order a certificate.
 */
function acmeClient(): typeof AcmeClient {
  if (loaded) return loaded;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  loaded = require('acme-client') as typeof AcmeClient;
  // acme-client retries a failed connection five times, waiting 5 to 25 s: over a minute
  // before an administrator hears that the CA is down. Two tries, 2 and 4 s apart, tell
  // within seconds; the renewal job tries again at its next run anyway.
  const defaults = loaded.axios.defaults as { acmeSettings?: Record<string, unknown> };
  Object.assign(defaults.acmeSettings ?? {}, { retryMaxAttempts: 2, retryDefaultDelay: 2 });
  return loaded;
}

/** The OID of the acmeIdentifier extension (RFC 8737 section 6.1). */
const ACME_IDENTIFIER_OID = '1.3.6.1.5.5.7.1.31';

/**
 * The certificate that answers TLS-ALPN-01 for a name (RFC 8737 section 3): self-signed, for
 * that name alone, with the critical acmeIdentifier extension holding the SHA-256 of the key
 * authorization as a DER OCTET STRING. (acme-client's createAlpnCertificate fails in this tree
 * for the same reason as auto(): two copies of asn1-schema.)
 */
export function alpnChallengeCertificate(name: string, keyAuthorization: string): AlpnChallenge {
  const digest = crypto.createHash('sha256').update(keyAuthorization).digest();
  const { asn1 } = forge();
  const value = asn1.toDer(asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OCTETSTRING, false, digest.toString('binary'))).getBytes();
  return selfSigned().createSelfSigned(name, [], { keyType: 'ecdsa-p256', days: 7, subject: {}, extensions: [{ id: ACME_IDENTIFIER_OID, critical: true, value }] });
}

/** An ACME problem document's detail, or the network error, in one line. */
function describe(err: unknown): string {
  const e = err as { message?: string; code?: string; cause?: { code?: string; message?: string } };
  const text = e.message || e.code || String(err);
  const cause = e.cause?.code ?? e.cause?.message;
  return (cause && !text.includes(cause) ? `${text} (${cause})` : text).replace(/\s+/g, ' ').slice(0, 500);
}

