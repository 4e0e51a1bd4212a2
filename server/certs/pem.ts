import crypto from 'node:crypto';
import tls from 'node:tls';
import { CertError } from './cert-errors';

/** The most a pasted certificate, chain, key or PKCS#12 may be: a long chain is a few KB; more is a mistake or an attack. */
export const MAX_PEM_BYTES = 64 * 1024;

/** A certificate lasts this close to its end before it counts as expiring. */
export const EXPIRING_WITHIN_MS = 30 * 24 * 3600_000;

export interface KeyDescription {
  /** RSA, ECDSA or Ed25519. */
  algorithm: string;
  /** RSA: the modulus length; ECDSA: the curve's size (256, 384, 521). */
  bits: number;
}

/** Refuses input over MAX_PEM_BYTES before anything parses it. */
export function checkSize(text: string | Buffer, what: string): void {
  const bytes = typeof text === 'string' ? Buffer.byteLength(text) : text.length;
  if (bytes > MAX_PEM_BYTES) throw new CertError('TOO_LARGE', `${what} is ${Math.round(bytes / 1024)} KB; at most ${MAX_PEM_BYTES / 1024} KB is accepted`);
}

const BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([\s\S]*?)\r?\n?-----END \1-----/g;

/** The PEM blocks of a text, by label, refusing text that has none. */
function pemBlocks(text: string, what: string): { label: string; text: string }[] {
  checkSize(text, what);
  const blocks = [...text.matchAll(BLOCK)].map((m) => ({ label: m[1], text: m[0] }));
  if (!blocks.length) throw new CertError('INVALID_PEM', `${what} is not PEM: no "-----BEGIN …-----" block found`);
  return blocks;
}

/** Every certificate in a PEM text, in the order given. */
export function parseCertificates(text: string, what = 'the certificate'): crypto.X509Certificate[] {
  const blocks = pemBlocks(text, what).filter((b) => b.label === 'CERTIFICATE' || b.label === 'TRUSTED CERTIFICATE');
  if (!blocks.length) throw new CertError('INVALID_PEM', `${what} holds no "BEGIN CERTIFICATE" block`);
  return blocks.map((b, i) => {
    try {
      return new crypto.X509Certificate(b.text);
    } catch (err) {
      throw new CertError('INVALID_PEM', `certificate ${i + 1} of ${what} cannot be read: ${(err as Error).message}`);
    }
  });
}

/** The private key in a PEM text (PKCS#8, PKCS#1 or SEC1; encrypted ones with the passphrase). */
export function parsePrivateKey(text: string, passphrase?: string): crypto.KeyObject {
  const blocks = pemBlocks(text, 'the private key').filter((b) => b.label.endsWith('PRIVATE KEY'));
  if (blocks.length !== 1) throw new CertError('INVALID_PEM', blocks.length ? 'the private key field holds more than one key' : 'the private key field holds no "BEGIN … PRIVATE KEY" block');
  const encrypted = blocks[0].label === 'ENCRYPTED PRIVATE KEY' || /Proc-Type: 4,ENCRYPTED/.test(blocks[0].text);
  if (encrypted && !passphrase) throw new CertError('WRONG_PASSPHRASE', 'the private key is encrypted: give its passphrase');
  let key: crypto.KeyObject;
  try {
    key = crypto.createPrivateKey({ key: blocks[0].text, format: 'pem', passphrase: encrypted ? passphrase : undefined });
  } catch (err) {
    if (encrypted) throw new CertError('WRONG_PASSPHRASE', 'the passphrase does not decrypt the private key');
    throw new CertError('INVALID_PEM', `the private key cannot be read: ${(err as Error).message}`);
  }
  checkKeyStrength(key);
  return key;
}

/** The key algorithms a certificate may have here (checkKeyStrength refuses the rest). */
export const KEY_ALGORITHMS = ['RSA', 'ECDSA', 'Ed25519'] as const;

export function describeKey(key: crypto.KeyObject): KeyDescription {
  const d = key.asymmetricKeyDetails ?? {};
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return { algorithm: 'RSA', bits: d.modulusLength ?? 0 };
    case 'ec':
      return { algorithm: 'ECDSA', bits: { prime256v1: 256, secp384r1: 384, secp521r1: 521 }[d.namedCurve ?? ''] ?? 0 };
    case 'ed25519':
      return { algorithm: 'Ed25519', bits: 256 };
    default:
      return { algorithm: String(key.asymmetricKeyType).toUpperCase(), bits: 0 };
  }
}

/** RSA of 2048 bits or more, ECDSA on P-256/P-384/P-521, or Ed25519: what clients accept today. */
export function checkKeyStrength(key: crypto.KeyObject): void {
  const { algorithm, bits } = describeKey(key);
  if (algorithm === 'RSA' && bits < 2048) throw new CertError('WEAK_KEY', `an RSA key of ${bits} bits is too weak; 2048 bits or more is needed`);
  if (algorithm === 'ECDSA' && !bits) throw new CertError('WEAK_KEY', `the curve ${key.asymmetricKeyDetails?.namedCurve} is not one clients accept; use P-256 or P-384`);
  if (!(KEY_ALGORITHMS as readonly string[]).includes(algorithm)) throw new CertError('WEAK_KEY', `a ${algorithm} key cannot serve TLS; use RSA or ECDSA`);
}

/** True when the certificate carries the key's public half. */
export function matchesKey(cert: crypto.X509Certificate, key: crypto.KeyObject): boolean {
  return cert.checkPrivateKey(key);
}

/** "CN=a\nO=b" → "CN=a, O=b". */
export function distinguishedName(dn: string): string {
  return dn.split('\n').filter(Boolean).join(', ');
}

export function commonName(dn: string): string {
  return /^CN=(.*)$/m.exec(dn)?.[1] ?? '';
}

/** The DNS names of the subjectAltName extension (IP addresses and the like are left out). */
export function dnsNames(cert: crypto.X509Certificate): string[] {
  return (cert.subjectAltName ?? '')
    .split(', ')
    .filter((n) => n.startsWith('DNS:'))
    .map((n) => n.slice(4).toLowerCase());
}

/** Refuses a leaf certificate that is not valid now. */
export function checkValidNow(cert: crypto.X509Certificate, what: string, now = Date.now()): void {
  if (Date.parse(cert.validTo) <= now) throw new CertError('EXPIRED', `${what} (${distinguishedName(cert.subject)}) expired on ${new Date(cert.validTo).toISOString()}`);
  if (Date.parse(cert.validFrom) > now) throw new CertError('NOT_YET_VALID', `${what} (${distinguishedName(cert.subject)}) is not valid before ${new Date(cert.validFrom).toISOString()}`);
}

export interface OrderedChain {
  leaf: crypto.X509Certificate;
  /** Issuers from the one that signed the leaf upwards. */
  chain: crypto.X509Certificate[];
  /** Notes the administrator should read: a reordered or incomplete chain. */
  warnings: string[];
}

function issued(child: crypto.X509Certificate, issuer: crypto.X509Certificate): boolean {
  return child.checkIssued(issuer) && child.verify(issuer.publicKey);
}

let wellKnownRoots: crypto.X509Certificate[] | undefined;

/** Node's list of well-known CAs, parsed once (about 50 ms of CPU): right after start-up (CertStore.warmUp), not in the middle of a request. */
export function wellKnownCAs(): crypto.X509Certificate[] {
  wellKnownRoots ??= tls.rootCertificates.map((pem) => new crypto.X509Certificate(pem));
  return wellKnownRoots;
}

/**
 * The leaf (the certificate of the key) and its issuers in order, whatever order they were
 * pasted in; a certificate that is not part of the leaf's chain, or an expired issuer, is refused.
 */
export function orderChain(certs: crypto.X509Certificate[], key: crypto.KeyObject, now = Date.now()): OrderedChain {
  const unique = certs.filter((c, i) => certs.findIndex((d) => d.fingerprint256 === c.fingerprint256) === i);
  const leaf = unique.find((c) => matchesKey(c, key));
  if (!leaf) {
    throw new CertError(
      'KEY_MISMATCH',
      unique.length === 1
        ? `the private key does not belong to the certificate ${distinguishedName(unique[0].subject)}`
        : 'the private key belongs to none of the certificates given',
    );
  }
  const rest = unique.filter((c) => c !== leaf);
  const chain: crypto.X509Certificate[] = [];
  for (let current = leaf; ; ) {
    const next = rest.find((c) => issued(current, c));
    if (!next) break;
    chain.push(next);
    rest.splice(rest.indexOf(next), 1);
    if (next.issuer === next.subject) break;
    current = next;
  }
  if (rest.length) {
    const links = [leaf, ...chain].map((c) => distinguishedName(c.subject)).join(' ← ');
    throw new CertError(
      'BROKEN_CHAIN',
      `the chain is broken: ${rest.map((c) => `"${distinguishedName(c.subject)}"`).join(', ')} did not sign any certificate of the chain (${links}); give only the certificate and the CAs that issued it`,
    );
  }
  for (const c of chain) checkValidNow(c, 'an issuing CA certificate', now);
  const warnings: string[] = [];
  const given = unique.map((c) => c.fingerprint256).join();
  if (given !== [leaf, ...chain].map((c) => c.fingerprint256).join()) warnings.push('the certificates were not in order (leaf first, then each issuer); they were put in order');
  const top = chain[chain.length - 1] ?? leaf;
  if (top.issuer !== top.subject) {
    if (!wellKnownCAs().some((root) => issued(top, root))) {
      warnings.push(`the chain ends at "${distinguishedName(top.issuer)}", which is not a well-known CA: clients need it installed, or an intermediate certificate is missing`);
    }
  }
  return { leaf, chain, warnings };
}
