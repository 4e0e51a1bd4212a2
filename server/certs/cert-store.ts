import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { EventEmitter } from 'node:events';
import { CertError } from './cert-errors';
import { EXPIRING_WITHIN_MS, wellKnownCAs, checkSize, checkValidNow, commonName, distinguishedName, describeKey, dnsNames, orderChain, parseCertificates, parsePrivateKey } from './pem';
import { KEY_TYPES, type KeyType, generateKey, generateKeyAsync, makeKeyEarly, takeEarlyKey } from './keys';
import type { SubjectFields } from './self-signed';
import { csrBuilder, pkcs12, selfSigned } from './forge-parts';
import { type CertService, type CertificateInfo, SERVICES, type StoreIndex, type StoredCertificate } from './cert-types';

export { SERVICES, type CertService, type CertificateInfo, type CertificateOrigin } from './cert-types';

/** Names of the files of the store, under the certificate directory. */
const INDEX_FILE = 'store.json';
const STORE_DIR = 'store';
/** The files of engines before the store: the one certificate every listener used. */
const LEGACY_KEY = 'default.key';
const LEGACY_CERT = 'default.crt';
const LEGACY_MARK = 'default.self-signed';

const MAX_NAMES = 100;
const MAX_DAYS = 3650;
const HOSTNAME = /^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

export interface SelfSignedRequest {
  name: string;
  commonName: string;
  altNames?: string[];
  subject?: SubjectFields;
  keyType?: KeyType;
  days?: number;
}

export type SigningRequest = Omit<SelfSignedRequest, 'days'>;

export interface PemImport {
  name: string;
  certificate: string;
  chain?: string;
  privateKey: string;
  passphrase?: string;
}

export interface CertificateChanges {
  name?: string;
  services?: CertService[];
  domains?: string[];
  isDefault?: boolean;
}

/** What the listeners need of a certificate: key and chain as PEM. */
export interface ServingPair {
  key: string;
  cert: string;
}

interface Loaded {
  pair: ServingPair;
  leaf?: crypto.X509Certificate;
  chain: crypto.X509Certificate[];
  csr?: string;
  /** What info() reads of the files, worked out once per generation: parsing the key took most of a certificate list's time. */
  facts?: FilesFacts;
}

/** The parts of CertificateInfo that only the key, certificate and request files decide (names: the certificate's). */
type FilesFacts = Pick<
  CertificateInfo,
  'tlsa311' | 'keyAlgorithm' | 'keyBits' | 'commonName' | 'altNames' | 'subject' | 'issuer' | 'notBefore' | 'notAfter' | 'serialNumber' | 'fingerprintSha256' | 'certificatePem' | 'chain' | 'signingRequestPem'
>;

function filesFacts(loaded: Loaded): FilesFacts {
  const described = describeKey(crypto.createPrivateKey(loaded.pair.key));
  const leaf = loaded.leaf;
  return {
    tlsa311: leaf ? tlsa311(leaf) : undefined,
    keyAlgorithm: described.algorithm,
    keyBits: described.bits,
    commonName: leaf ? commonName(leaf.subject) : '',
    altNames: leaf ? dnsNames(leaf) : [],
    subject: leaf ? distinguishedName(leaf.subject) : '',
    issuer: leaf ? distinguishedName(leaf.issuer) : '',
    notBefore: leaf ? new Date(leaf.validFrom) : undefined,
    notAfter: leaf ? new Date(leaf.validTo) : undefined,
    serialNumber: leaf?.serialNumber ?? '',
    fingerprintSha256: leaf?.fingerprint256 ?? '',
    certificatePem: leaf ? loaded.pair.cert : '',
    chain: loaded.chain.map((c) => ({ subject: distinguishedName(c.subject), issuer: distinguishedName(c.issuer), notAfter: new Date(c.validTo), fingerprintSha256: c.fingerprint256 })),
    signingRequestPem: loaded.csr ?? '',
  };
}

/**
 * The certificates of the engine: key, leaf and chain of each as files under
 * `<data>/certs/store/<id>/` (keys owner-only), and `store.json`, the index: names, origins,
 * and which certificate each service and domain uses. A change writes new files under a new
 * generation number and then replaces the index in one rename, so a crash leaves either the
 * old or the new certificate in service, never half of one. Emits 'change' after each change.
 */
export class CertStore extends EventEmitter {
  /** The index; undefined at a first start until the first certificate is made (ready()). */
  private current?: StoreIndex;
  /** At a first start, the key of the first certificate, made on the thread pool. */
  private firstKey?: { type: KeyType; key: Promise<crypto.KeyObject> };
  private readonly loaded = new Map<string, { generation: number; value: Loaded }>();

  constructor(
    private readonly dir: string,
    private readonly hostname: string,
    private readonly hostAltNames: string[],
    private readonly defaultKeyType: () => KeyType,
    /** The host name and the domains this server receives mail for, for the "names not served" warning. */
    private readonly servedNames: () => string[] = () => [hostname],
  ) {
    super();
    fs.mkdirSync(path.join(dir, STORE_DIR), { recursive: true, mode: 0o700 });
    this.current = this.readIndex();
    if (!this.current && !this.hasLegacyFiles()) {
      const type = this.defaultKeyType();
      this.firstKey = { type, key: takeEarlyKey(type) ?? generateKeyAsync(type) };
    }
  }

  /**
   * Starts making the key of the first certificate when the store in `dir` has none (the CLI
   * does before it loads the engine: makeKeyEarly).
   */
  static makeFirstKeyEarly(dir: string, type: KeyType): void {
    if (!fs.existsSync(path.join(dir, INDEX_FILE)) && !fs.existsSync(path.join(dir, LEGACY_KEY))) makeKeyEarly(type);
  }

  /**
   * Resolves once the store has its index: at a first start, after the first certificate is
   * made with a key from the thread pool (the engine awaits this before its listeners open).
   * Whatever reads the store before then makes it at once, with a key made on the spot.
   */
  async ready(): Promise<void> {
    const first = this.firstKey;
    if (this.current || !first) return;
    const key = await first.key.catch(() => undefined);
    this.firstKey = undefined;
    this.current ??= this.firstIndex(key && first.type === this.defaultKeyType() ? key : undefined);
  }

  private get index(): StoreIndex {
    this.current ??= this.firstIndex();
    return this.current;
  }

  private set index(next: StoreIndex) {
    this.current = next;
  }

  private hasLegacyFiles(): boolean {
    return fs.existsSync(path.join(this.dir, LEGACY_KEY)) && fs.existsSync(path.join(this.dir, LEGACY_CERT));
  }

  /** Parses the well-known CAs ahead of the first import (the engine does once its listeners are up). */
  warmUp(): void {
    wellKnownCAs();
  }

  // ---- reading -------------------------------------------------------------------------

  list(): CertificateInfo[] {
    return this.index.certificates.map((e) => this.info(e));
  }

  get(id: string): CertificateInfo {
    return this.info(this.entry(id));
  }

  get defaultId(): string {
    return this.index.defaultId;
  }

  /** The certificate a service uses when the client names no domain of its own. */
  idForService(service: CertService): string {
    return this.index.services[service] ?? this.index.defaultId;
  }

  /**
   * The certificate for a name a client asked for by SNI: the one of the domain, or of the
   * closest parent domain that has one (mail.example.com takes example.com's), if any.
   */
  idForServerName(servername: string | undefined): string | undefined {
    if (!servername) return undefined;
    const labels = servername.toLowerCase().replace(/\.$/, '').split('.');
    for (let i = 0; i < labels.length - 1; i++) {
      const id = this.index.domains[labels.slice(i).join('.')];
      if (id) return id;
    }
    return undefined;
  }

  /** The names on the certificate a domain has of its own (picked by SNI), or undefined when it has none. */
  domainCertificateNames(domain: string): string[] | undefined {
    const id = this.idForServerName(domain);
    if (!id) return undefined;
    const info = this.get(id);
    return [info.commonName, ...(info.altNames ?? [])];
  }

  /** Key and certificate chain of a certificate that is ready. */
  pair(id: string): ServingPair {
    const loaded = this.load(this.entry(id));
    if (!loaded.leaf) throw new CertError('NOT_PENDING', `certificate ${id} is waiting for its signed certificate`);
    return loaded.pair;
  }

  /** The engine's own self-signed certificate (made at first start), if it is still in the store. */
  engineOwned(): StoredCertificate | undefined {
    return this.index.certificates.find((e) => e.engineOwned);
  }

  // ---- creating ------------------------------------------------------------------------

  async createSelfSigned(req: SelfSignedRequest): Promise<CertificateInfo> {
    const name = this.checkNewName(req.name);
    const names = checkNames(req.commonName, req.altNames);
    const keyType = checkKeyType(req.keyType ?? this.defaultKeyType());
    const days = checkDays(req.days ?? 398);
    const subject = checkSubject(req.subject ?? {});
    const key = await generateKeyAsync(keyType);
    const made = selfSigned().createSelfSigned(names[0], names.slice(1), { key, days, subject });
    const entry: StoredCertificate = { id: newId(), name, origin: 'self-signed', createdAt: new Date().toISOString(), generation: 1, request: { commonName: names[0], altNames: names.slice(1), subject, keyType, days } };
    this.writeFiles(entry, { key: made.key, cert: made.cert });
    this.commit({ ...this.index, certificates: [...this.index.certificates, entry] });
    return this.get(entry.id);
  }

  /** A new key and a signing request for it; the certificate the CA signs is added by completeRequest. */
  async createSigningRequest(req: SigningRequest): Promise<CertificateInfo> {
    const name = this.checkNewName(req.name);
    const names = checkNames(req.commonName, req.altNames);
    const keyType = checkKeyType(req.keyType ?? this.defaultKeyType());
    const subject = checkSubject(req.subject ?? {});
    const key = await generateKeyAsync(keyType);
    const csr = csrBuilder().createCsr(names[0], names.slice(1), subject, key);
    const entry: StoredCertificate = {
      id: newId(),
      name,
      origin: 'csr',
      pending: true,
      createdAt: new Date().toISOString(),
      generation: 1,
      request: { commonName: names[0], altNames: names.slice(1), subject, keyType },
    };
    this.writeFiles(entry, { key: key.export({ type: 'pkcs8', format: 'pem' }).toString(), csr });
    this.commit({ ...this.index, certificates: [...this.index.certificates, entry] });
    return this.get(entry.id);
  }

  /** Adds the certificate a CA signed for a pending request (and the CA's chain), checked against the request's key. */
  completeSigningRequest(id: string, certificate: string, chain = ''): { certificate: CertificateInfo; warnings: string[] } {
    const entry = this.entry(id);
    if (!entry.pending) throw new CertError('NOT_PENDING', `"${entry.name}" is not waiting for a signed certificate`);
    const keyPem = this.load(entry).pair.key;
    const ordered = orderChain([...parseCertificates(certificate), ...(chain.trim() ? parseCertificates(chain, 'the chain') : [])], crypto.createPrivateKey(keyPem));
    checkValidNow(ordered.leaf, 'the certificate');
    const next: StoredCertificate = { ...entry, pending: undefined, generation: entry.generation + 1 };
    this.writeFiles(next, { key: keyPem, cert: chainPem(ordered.leaf, ordered.chain) });
    this.replaceEntry(next);
    return { certificate: this.get(id), warnings: [...ordered.warnings, ...this.nameWarnings(ordered.leaf)] };
  }

  importPem(req: PemImport): { certificate: CertificateInfo; warnings: string[] } {
    const name = this.checkNewName(req.name);
    checkSize(req.certificate, 'the certificate');
    if (req.chain) checkSize(req.chain, 'the chain');
    const key = parsePrivateKey(req.privateKey, req.passphrase);
    const certs = [...parseCertificates(req.certificate), ...(req.chain?.trim() ? parseCertificates(req.chain, 'the chain') : [])];
    return this.addImported(name, key, certs);
  }

  async importPkcs12(req: { name: string; data: Buffer; passphrase: string }): Promise<{ certificate: CertificateInfo; warnings: string[] }> {
    this.checkNewName(req.name);
    const contents = await pkcs12().readPkcs12Off(req.data, req.passphrase);
    // Checked again: another import may have taken the name while the file was being opened.
    return this.addImported(this.checkNewName(req.name), contents.key, contents.certificates);
  }

  /** A certificate a CA issued for a key made here (an ACME order): added, or put in place of the one it renews. */
  addIssued(req: { name: string; origin: 'acme'; names: string[]; keyType: KeyType; keyPem: string; certificatePem: string; replaces?: string }): CertificateInfo {
    const key = crypto.createPrivateKey(req.keyPem);
    const ordered = orderChain(parseCertificates(req.certificatePem), key);
    checkValidNow(ordered.leaf, 'the issued certificate');
    const request = { commonName: req.names[0], altNames: req.names.slice(1), subject: {}, keyType: req.keyType };
    const files = { key: req.keyPem, cert: chainPem(ordered.leaf, ordered.chain) };
    if (req.replaces) {
      const current = this.entry(req.replaces);
      const next = { ...current, request, generation: current.generation + 1 };
      this.writeFiles(next, files);
      this.replaceEntry(next);
      return this.get(next.id);
    }
    const entry: StoredCertificate = { id: newId(), name: this.checkNewName(req.name), origin: req.origin, createdAt: new Date().toISOString(), generation: 1, request };
    this.writeFiles(entry, files);
    this.commit({ ...this.index, certificates: [...this.index.certificates, entry] });
    return this.get(entry.id);
  }

  /** What an ACME certificate was ordered for, to order it again. */
  orderOf(id: string): { name: string; names: string[]; keyType: KeyType } {
    const entry = this.entry(id);
    if (entry.origin !== 'acme' || !entry.request) throw new CertError('NOT_ACME', `"${entry.name}" did not come from ACME`);
    return { name: entry.name, names: [entry.request.commonName, ...entry.request.altNames], keyType: entry.request.keyType };
  }

  /** Validates a new certificate's name and names before anything is ordered. */
  checkOrder(name: string, names: string[], keyType: string): { name: string; names: string[]; keyType: KeyType } {
    if (!names.length) throw new CertError('INVALID_INPUT', 'give at least one host name');
    return { name: this.checkNewName(name), names: checkNames(names[0], names.slice(1)), keyType: checkKeyType(keyType) };
  }

  // ---- changing ------------------------------------------------------------------------

  /**
   * Renames, and sets the services and domains that use the certificate: the services and
   * domains listed move to it; the ones it had and are no longer listed go back to the default.
   */
  update(id: string, changes: CertificateChanges): CertificateInfo {
    const entry = this.entry(id);
    const next: StoreIndex = { ...this.index, services: { ...this.index.services }, domains: { ...this.index.domains } };
    const usable = !entry.pending;
    if (changes.name !== undefined && changes.name.trim() !== entry.name) {
      next.certificates = next.certificates.map((e) => (e.id === id ? { ...e, name: this.checkNewName(changes.name ?? '') } : e));
    }
    if (changes.services) {
      const bad = changes.services.find((s) => !SERVICES.includes(s));
      if (bad) throw new CertError('INVALID_INPUT', `unknown service "${bad}"; services are ${SERVICES.join(', ')}`);
      if (!usable && changes.services.length) throw new CertError('NOT_PENDING', `"${entry.name}" has no signed certificate yet; no service can use it`);
      for (const s of SERVICES) if (next.services[s] === id) delete next.services[s];
      for (const s of changes.services) next.services[s] = id;
    }
    if (changes.domains) {
      const domains = changes.domains.map((d) => d.trim().toLowerCase().replace(/\.$/, ''));
      const bad = domains.find((d) => !HOSTNAME.test(d) || d.startsWith('*'));
      if (bad !== undefined) throw new CertError('INVALID_INPUT', `"${bad}" is not a domain name`);
      if (!usable && domains.length) throw new CertError('NOT_PENDING', `"${entry.name}" has no signed certificate yet; no domain can use it`);
      for (const [d, owner] of Object.entries(next.domains)) if (owner === id) delete next.domains[d];
      for (const d of domains) next.domains[d] = id;
    }
    if (changes.isDefault) {
      if (!usable) throw new CertError('NOT_PENDING', `"${entry.name}" has no signed certificate yet; it cannot be the default`);
      next.defaultId = id;
    } else if (changes.isDefault === false && this.index.defaultId === id) {
      throw new CertError('IN_USE', `"${entry.name}" is the default certificate; make another one the default instead`);
    }
    this.commit(next);
    return this.get(id);
  }

  /** A self-signed certificate made anew: a new key of the same type, the same names, the same length of validity. */
  async renewSelfSigned(id: string): Promise<CertificateInfo> {
    const entry = this.entry(id);
    if (entry.origin !== 'self-signed') throw new CertError('NOT_SELF_SIGNED', `"${entry.name}" was not made here as a self-signed certificate; only those can be renewed here`);
    const request = entry.request ?? this.requestOf(entry);
    const key = await generateKeyAsync(request.keyType);
    const made = selfSigned().createSelfSigned(request.commonName, request.altNames, { key, days: request.days, subject: entry.engineOwned ? undefined : request.subject });
    // Another change may have come in while the key was made: start from the entry as it is now.
    const current = this.entry(id);
    const next = { ...current, request, generation: current.generation + 1 };
    this.writeFiles(next, { key: made.key, cert: made.cert });
    this.replaceEntry(next);
    return this.get(id);
  }

  /** The engine's own certificate made anew with the key type of the setting (which changed). */
  async remakeEngineOwned(keyType: KeyType): Promise<void> {
    const own = this.engineOwned();
    if (!own) return;
    const request = { ...(own.request ?? this.requestOf(own)), keyType };
    this.replaceEntry({ ...own, request });
    await this.renewSelfSigned(own.id);
  }

  /**
   * Deletes a certificate. One in use (by a service, a domain, or as the default) is only
   * deleted when a replacement is given, which takes over all of its uses in the same change.
   */
  delete(id: string, replacementId?: string): void {
    const entry = this.entry(id);
    const next: StoreIndex = { ...this.index, services: { ...this.index.services }, domains: { ...this.index.domains } };
    const uses = this.usesOf(id);
    if (replacementId !== undefined) {
      const replacement = this.entry(replacementId);
      if (replacement.id === id) throw new CertError('INVALID_INPUT', 'a certificate cannot replace itself');
      if (replacement.pending) throw new CertError('NOT_PENDING', `"${replacement.name}" has no signed certificate yet and cannot replace another`);
      for (const s of uses.services) next.services[s] = replacement.id;
      for (const d of uses.domains) next.domains[d] = replacement.id;
      if (uses.isDefault) next.defaultId = replacement.id;
    } else if (uses.services.length || uses.domains.length || uses.isDefault) {
      const what = [...(uses.isDefault ? ['the default certificate'] : []), ...uses.services.map((s) => `service ${s}`), ...uses.domains.map((d) => `domain ${d}`)];
      throw new CertError('IN_USE', `"${entry.name}" is in use (${what.join(', ')}); give a replacement to delete it`);
    }
    next.certificates = next.certificates.filter((e) => e.id !== id);
    this.commit(next);
    fs.rmSync(path.join(this.dir, STORE_DIR, id), { recursive: true, force: true });
    this.loaded.delete(id);
  }

  // ---- internals -----------------------------------------------------------------------

  private addImported(name: string, key: crypto.KeyObject, certs: crypto.X509Certificate[]): { certificate: CertificateInfo; warnings: string[] } {
    const ordered = orderChain(certs, key);
    checkValidNow(ordered.leaf, 'the certificate');
    const entry: StoredCertificate = { id: newId(), name, origin: 'imported', createdAt: new Date().toISOString(), generation: 1 };
    this.writeFiles(entry, { key: key.export({ type: 'pkcs8', format: 'pem' }).toString(), cert: chainPem(ordered.leaf, ordered.chain) });
    this.commit({ ...this.index, certificates: [...this.index.certificates, entry] });
    return { certificate: this.get(entry.id), warnings: [...ordered.warnings, ...this.nameWarnings(ordered.leaf)] };
  }

  /** Names of the certificate that are neither the host name nor a domain of this server (or below one). */
  private nameWarnings(leaf: crypto.X509Certificate): string[] {
    const served = this.servedNames().map((n) => n.toLowerCase());
    const names = dnsNames(leaf);
    const foreign = names.filter((n) => {
      const bare = n.replace(/^\*\./, '');
      return !served.some((s) => bare === s || bare.endsWith('.' + s) || s.endsWith('.' + bare));
    });
    return foreign.length ? [`the certificate names ${foreign.join(', ')}, which this server does not serve`] : [];
  }

  private usesOf(id: string): { services: CertService[]; domains: string[]; isDefault: boolean } {
    return {
      services: SERVICES.filter((s) => this.index.services[s] === id),
      domains: Object.keys(this.index.domains)
        .filter((d) => this.index.domains[d] === id)
        .sort(),
      isDefault: this.index.defaultId === id,
    };
  }

  private info(entry: StoredCertificate): CertificateInfo {
    const loaded = this.load(entry);
    const facts = (loaded.facts ??= filesFacts(loaded));
    const leaf = loaded.leaf;
    return {
      id: entry.id,
      name: entry.name,
      origin: entry.origin,
      pending: !!entry.pending,
      ...expiry(leaf),
      engineOwned: !!entry.engineOwned,
      createdAt: new Date(entry.createdAt),
      ...facts,
      // A pending request has no certificate yet: its names are the request's.
      commonName: leaf ? facts.commonName : entry.request?.commonName ?? '',
      // Copies: a caller may change what it gets; the cached facts stay as the files say.
      altNames: leaf ? [...facts.altNames] : [entry.request?.commonName ?? '', ...(entry.request?.altNames ?? [])],
      notBefore: facts.notBefore && new Date(facts.notBefore),
      notAfter: facts.notAfter && new Date(facts.notAfter),
      chain: facts.chain.map((c) => ({ ...c, notAfter: new Date(c.notAfter) })),
      ...this.usesOf(entry.id),
    };
  }

  /** Subject and names of a certificate without a recorded request (imported from an older engine). */
  private requestOf(entry: StoredCertificate): NonNullable<StoredCertificate['request']> {
    const loaded = this.load(entry);
    if (!loaded.leaf) throw new CertError('NOT_PENDING', `"${entry.name}" has no certificate`);
    const names = dnsNames(loaded.leaf);
    const cn = commonName(loaded.leaf.subject) || names[0] || this.hostname;
    const key = describeKey(crypto.createPrivateKey(loaded.pair.key));
    const keyType = (key.algorithm === 'RSA' ? `rsa-${key.bits}` : `ecdsa-p${key.bits}`) as KeyType;
    const days = Math.round((Date.parse(loaded.leaf.validTo) - Date.parse(loaded.leaf.validFrom)) / 86_400_000);
    return { commonName: cn, altNames: names.filter((n) => n !== cn), subject: {}, keyType: KEY_TYPES.includes(keyType) ? keyType : 'rsa-2048', days };
  }

  private entry(id: string): StoredCertificate {
    const entry = this.index.certificates.find((e) => e.id === id);
    if (!entry) throw new CertError('CERTIFICATE_NOT_FOUND', `there is no certificate with id "${id}"`);
    return entry;
  }

  private checkNewName(raw: string): string {
    const name = raw.trim();
    if (!name || name.length > 100 || hasControl(name)) throw new CertError('INVALID_INPUT', 'a certificate name has 1 to 100 characters, no control characters');
    if (this.index.certificates.some((e) => e.name.toLowerCase() === name.toLowerCase())) throw new CertError('NAME_TAKEN', `a certificate named "${name}" exists already`);
    return name;
  }

  private load(entry: StoredCertificate): Loaded {
    const cached = this.loaded.get(entry.id);
    if (cached && cached.generation === entry.generation) return cached.value;
    const file = (kind: string) => path.join(this.dir, STORE_DIR, entry.id, `${kind}.${entry.generation}.pem`);
    const key = fs.readFileSync(file('key'), 'utf8');
    const cert = entry.pending ? '' : fs.readFileSync(file('cert'), 'utf8');
    const certs = cert ? parseCertificates(cert) : [];
    const csrFile = file('csr');
    const value: Loaded = {
      pair: { key, cert },
      leaf: certs[0],
      chain: certs.slice(1),
      csr: fs.existsSync(csrFile) ? fs.readFileSync(csrFile, 'utf8') : undefined,
    };
    this.loaded.set(entry.id, { generation: entry.generation, value });
    return value;
  }

  private writeFiles(entry: StoredCertificate, files: { key: string; cert?: string; csr?: string }): void {
    const dir = path.join(this.dir, STORE_DIR, entry.id);
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    for (const [kind, text] of Object.entries(files)) {
      if (text === undefined) continue;
      const file = path.join(dir, `${kind}.${entry.generation}.pem`);
      const fd = fs.openSync(file + '.tmp', 'w', 0o600);
      try {
        fs.writeSync(fd, text);
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
      fs.renameSync(file + '.tmp', file);
    }
    // A request keeps its CSR for download after the certificate is added.
    if (!files.csr && entry.generation > 1) {
      const previous = path.join(dir, `csr.${entry.generation - 1}.pem`);
      if (fs.existsSync(previous)) fs.copyFileSync(previous, path.join(dir, `csr.${entry.generation}.pem`));
    }
  }

  private replaceEntry(next: StoredCertificate): void {
    this.commit({ ...this.index, certificates: this.index.certificates.map((e) => (e.id === next.id ? next : e)) });
  }

  /** Writes the index in one rename, drops files of older generations, and tells the listeners. */
  private commit(next: StoreIndex): void {
    const file = path.join(this.dir, INDEX_FILE);
    const fd = fs.openSync(file + '.tmp', 'w', 0o600);
    try {
      fs.writeSync(fd, JSON.stringify(next, null, 2) + '\n');
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(file + '.tmp', file);
    this.index = next;
    for (const e of next.certificates) this.dropOldGenerations(e);
    this.emit('change');
  }

  private dropOldGenerations(entry: StoredCertificate): void {
    const dir = path.join(this.dir, STORE_DIR, entry.id);
    for (const f of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
      const generation = Number(/\.(\d+)\.pem$/.exec(f)?.[1]);
      if (generation && generation < entry.generation) fs.rmSync(path.join(dir, f), { force: true });
    }
  }

  private readIndex(): StoreIndex | undefined {
    const file = path.join(this.dir, INDEX_FILE);
    if (!fs.existsSync(file)) return undefined;
    return JSON.parse(fs.readFileSync(file, 'utf8')) as StoreIndex;
  }

  /**
   * The store at first start: the certificate of an engine from before the store (its files
   * are moved in), or a new self-signed one for the host name; either is the default.
   */
  private firstIndex(key?: crypto.KeyObject): StoreIndex {
    const legacyKey = path.join(this.dir, LEGACY_KEY);
    const legacyCert = path.join(this.dir, LEGACY_CERT);
    const entry: StoredCertificate = { id: newId(), name: 'Engine certificate', origin: 'self-signed', createdAt: new Date().toISOString(), generation: 1, engineOwned: true };
    let files: ServingPair;
    if (this.hasLegacyFiles()) {
      files = { key: fs.readFileSync(legacyKey, 'utf8'), cert: fs.readFileSync(legacyCert, 'utf8') };
      const x509 = new crypto.X509Certificate(files.cert);
      const ownMade = fs.existsSync(path.join(this.dir, LEGACY_MARK)) || (x509.issuer === x509.subject && /^O=Pillarbox$/m.test(x509.subject));
      if (!ownMade) Object.assign(entry, { name: 'Default certificate', origin: 'imported', engineOwned: undefined });
    } else {
      const keyType = this.defaultKeyType();
      files = selfSigned().createSelfSigned(this.hostname, this.hostAltNames, { key: key ?? generateKey(keyType) });
      entry.request = { commonName: this.hostname, altNames: this.hostAltNames, subject: {}, keyType, days: 398 };
    }
    this.writeFiles(entry, files);
    const index: StoreIndex = { version: 1, defaultId: entry.id, certificates: [entry], services: {}, domains: {} };
    this.index = index;
    this.commit(index);
    for (const f of [LEGACY_KEY, LEGACY_CERT, LEGACY_MARK]) fs.rmSync(path.join(this.dir, f), { force: true });
    return index;
  }
}

function expiry(leaf: crypto.X509Certificate | undefined, now = Date.now()): Pick<CertificateInfo, 'status' | 'daysLeft'> {
  if (!leaf) return { status: 'pending' };
  const left = Date.parse(leaf.validTo) - now;
  const daysLeft = Math.floor(left / 86_400_000);
  return { status: left <= 0 ? 'expired' : left <= EXPIRING_WITHIN_MS ? 'expiring' : 'valid', daysLeft };
}

/** DANE-EE, SubjectPublicKeyInfo, SHA-256 (RFC 7671): stays the same across renewals with the same key. */
function tlsa311(leaf: crypto.X509Certificate): string {
  const spki = leaf.publicKey.export({ type: 'spki', format: 'der' });
  return `3 1 1 ${crypto.createHash('sha256').update(spki).digest('hex')}`;
}

function hasControl(text: string): boolean {
  return [...text].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f);
}

function newId(): string {
  return crypto.randomBytes(6).toString('hex');
}

function chainPem(leaf: crypto.X509Certificate, chain: crypto.X509Certificate[]): string {
  return [leaf, ...chain].map((c) => c.toString().trim() + '\n').join('');
}

function checkNames(cn: string, altNames: string[] = []): string[] {
  const names = [cn, ...altNames].map((n) => n.trim().toLowerCase().replace(/\.$/, ''));
  if (names.length > MAX_NAMES) throw new CertError('INVALID_INPUT', `at most ${MAX_NAMES} names`);
  const bad = names.find((n) => !HOSTNAME.test(n) || n.length > 253);
  if (bad !== undefined) throw new CertError('INVALID_INPUT', `"${bad}" is not a host name (letters, digits, hyphens and dots; "*." may start a name)`);
  return [...new Set(names)];
}

function checkKeyType(type: string): KeyType {
  if (!KEY_TYPES.includes(type as KeyType)) throw new CertError('INVALID_INPUT', `key type must be one of ${KEY_TYPES.join(', ')}`);
  return type as KeyType;
}

function checkDays(days: number): number {
  if (!Number.isInteger(days) || days < 1 || days > MAX_DAYS) throw new CertError('INVALID_INPUT', `validity is 1 to ${MAX_DAYS} days`);
  return days;
}

function checkSubject(fields: SubjectFields): SubjectFields {
  const out: SubjectFields = {};
  for (const [k, v] of Object.entries(fields) as [keyof SubjectFields, string | undefined][]) {
    const value = v?.trim();
    if (!value) continue;
    if (value.length > 64 || hasControl(value)) throw new CertError('INVALID_INPUT', `${k} has at most 64 characters, no control characters`);
    out[k] = value;
  }
  if (out.country !== undefined && !/^[A-Za-z]{2}$/.test(out.country)) throw new CertError('INVALID_INPUT', 'country is a two-letter code (ISO 3166), such as US or DE');
  if (out.country) out.country = out.country.toUpperCase();
  return out;
}
