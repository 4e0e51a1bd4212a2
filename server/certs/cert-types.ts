import type { KeyType, SubjectFields } from './self-signed';

/** What can use a certificate: each listener, and the appliance's HTTPS front. */
export const SERVICES = ['smtp', 'submission', 'smtps', 'imap', 'imaps', 'pop3', 'pop3s', 'sieve', 'https'] as const;
export type CertService = (typeof SERVICES)[number];

export type CertificateOrigin = 'self-signed' | 'csr' | 'imported' | 'acme';

/** One certificate in store.json. */
export interface StoredCertificate {
  id: string;
  name: string;
  origin: CertificateOrigin;
  createdAt: string;
  /** Number in the names of the current files; a change writes the next one. */
  generation: number;
  /** A signing request waiting for the certificate the CA signs. */
  pending?: boolean;
  /** The certificate the engine made at its first start, which it renews and remakes itself. */
  engineOwned?: boolean;
  /** What a self-signed certificate or a request was made from, to make it anew. */
  request?: { commonName: string; altNames: string[]; subject: SubjectFields; keyType: KeyType; days?: number };
}

export interface StoreIndex {
  version: 1;
  /** Serves every service without a certificate of its own. */
  defaultId: string;
  certificates: StoredCertificate[];
  services: Partial<Record<CertService, string>>;
  /** Domain → certificate, chosen by SNI for the domain and the names below it. */
  domains: Record<string, string>;
}

export interface ChainCertificate {
  subject: string;
  issuer: string;
  notAfter: Date;
  fingerprintSha256: string;
}

/** A certificate as the API shows it: never its private key. */
export interface CertificateInfo {
  id: string;
  name: string;
  origin: CertificateOrigin;
  pending: boolean;
  /** valid; expiring within 30 days; expired; pending (a request without its certificate). */
  status: 'valid' | 'expiring' | 'expired' | 'pending';
  /** Whole days until notAfter, negative once expired. */
  daysLeft?: number;
  /** A DANE TLSA record's data for the certificate: "3 1 1 <SHA-256 of the public key>". */
  tlsa311?: string;
  engineOwned: boolean;
  isDefault: boolean;
  createdAt: Date;
  keyAlgorithm: string;
  keyBits: number;
  commonName: string;
  altNames: string[];
  subject: string;
  issuer: string;
  notBefore?: Date;
  notAfter?: Date;
  serialNumber: string;
  fingerprintSha256: string;
  certificatePem: string;
  chain: ChainCertificate[];
  signingRequestPem: string;
  services: CertService[];
  domains: string[];
}
