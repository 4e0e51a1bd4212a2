import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Db } from '../db/database';

const generateKeyPair = promisify(crypto.generateKeyPair);

export type DkimAlgorithm = 'rsa' | 'ed25519';

/** A choice of key types the server refuses (setAlgorithms). */
export class DkimAlgorithmError extends Error {}

export interface DkimKey {
  domain: string;
  selector: string;
  algorithm: DkimAlgorithm;
  /** The p= value of the DNS record: base64 of the DER public key (RSA) or of the raw 32-byte key (Ed25519, RFC 8463). */
  publicKey: string;
  createdAt: string;
  active: boolean;
}

interface KeyRow {
  domain: string;
  selector: string;
  algorithm: DkimAlgorithm;
  public_key: string;
  key_file: string;
  created_at: string;
  active: number;
}

/**
 * DKIM keys per domain, made by the engine: RSA 2048 (and Ed25519 for an optional
 * second signature, per domain or for all of them). Private keys are PEM files under <data>/secrets/dkim, readable
 * only by the engine; the database keeps the selector, the public key and which key
 * signs now. A rotation makes a new key with a new selector and retires the old one.
 */
export class DkimKeys {
  private readonly pending = new Map<string, Promise<DkimKey>>();
  private readonly privateKeys = new Map<string, crypto.KeyObject>();

  constructor(
    private readonly db: Db,
    private readonly dir: string,
  ) {}

  /** Every key of the domain, active ones first, newest first. */
  keys(domain: string): DkimKey[] {
    return this.rows(domain).map(toKey);
  }

  /**
   * The key types that sign the domain's mail: its own choice (setAlgorithms) or, without one,
   * the server's (`ed25519ByDefault`, the dkimEd25519Signature setting). RSA always comes first.
   */
  algorithms(domain: string, ed25519ByDefault: boolean): DkimAlgorithm[] {
    const row = this.db.prepare('SELECT algorithms FROM dkim_domains WHERE domain = ?').get(domain.toLowerCase()) as { algorithms: string } | undefined;
    if (row) return row.algorithms.split(',') as DkimAlgorithm[];
    return ed25519ByDefault ? ['rsa', 'ed25519'] : ['rsa'];
  }

  /** Whether the domain has a choice of its own (else the server setting decides). */
  hasOwnAlgorithms(domain: string): boolean {
    return this.db.prepare('SELECT 1 FROM dkim_domains WHERE domain = ?').get(domain.toLowerCase()) !== undefined;
  }

  /**
   * The domain's own choice of key types; undefined goes back to the server setting. RSA must
   * be in it: a receiver that does not know Ed25519 would see the mail as unsigned (DMARC fails).
   */
  setAlgorithms(domain: string, algorithms: DkimAlgorithm[] | undefined): void {
    const name = domain.toLowerCase();
    if (algorithms === undefined) {
      this.db.prepare('DELETE FROM dkim_domains WHERE domain = ?').run(name);
      return;
    }
    if (!algorithms.includes('rsa')) throw new DkimAlgorithmError('RSA must sign: receivers that do not know Ed25519 would see the mail as unsigned');
    const value = algorithms.includes('ed25519') ? 'rsa,ed25519' : 'rsa';
    this.db.prepare('INSERT INTO dkim_domains (domain, algorithms) VALUES (?, ?) ON CONFLICT (domain) DO UPDATE SET algorithms = excluded.algorithms').run(name, value);
  }

  /** The key that signs for the domain now, made on first use. */
  async activeKey(domain: string, algorithm: DkimAlgorithm): Promise<DkimKey> {
    const name = domain.toLowerCase();
    const row = this.rows(name).find((r) => r.active && r.algorithm === algorithm);
    if (row) return toKey(row);
    // Two messages for a new domain at once make one key.
    const key = `${name}\0${algorithm}`;
    let made = this.pending.get(key);
    if (!made) {
      made = this.create(name, algorithm).finally(() => this.pending.delete(key));
      this.pending.set(key, made);
    }
    return made;
  }

  /** New keys (a new selector) for each algorithm the domain signs with; the old keys are retired, not deleted. */
  async rotate(domain: string, algorithms: DkimAlgorithm[]): Promise<DkimKey[]> {
    const name = domain.toLowerCase();
    const made: DkimKey[] = [];
    for (const algorithm of algorithms) made.push(await this.create(name, algorithm));
    return made;
  }

  /** Deletes a retired key (its record is no longer needed in DNS). An active key cannot be deleted. */
  deleteRetired(domain: string, selector: string): boolean {
    const rows = this.rows(domain.toLowerCase()).filter((r) => r.selector === selector && !r.active);
    for (const r of rows) {
      this.db.prepare('DELETE FROM dkim_keys WHERE domain = ? AND selector = ? AND algorithm = ?').run(r.domain, r.selector, r.algorithm);
      fs.rmSync(r.key_file, { force: true });
    }
    return rows.length > 0;
  }

  /** The private key, parsed from its PEM file once (parsing costs as much as a signature). */
  privateKey(key: DkimKey): crypto.KeyObject {
    const id = `${key.domain}\0${key.selector}\0${key.algorithm}`;
    let cached = this.privateKeys.get(id);
    if (!cached) {
      const row = this.rows(key.domain).find((r) => r.selector === key.selector && r.algorithm === key.algorithm);
      if (!row) throw new Error(`no DKIM key ${key.selector} for ${key.domain}`);
      cached = crypto.createPrivateKey(fs.readFileSync(row.key_file, 'utf8'));
      this.privateKeys.set(id, cached);
    }
    return cached;
  }

  private rows(domain: string): KeyRow[] {
    return this.db
      .prepare('SELECT * FROM dkim_keys WHERE domain = ? ORDER BY active DESC, created_at DESC, selector DESC')
      .all(domain) as KeyRow[];
  }

  private async create(domain: string, algorithm: DkimAlgorithm): Promise<DkimKey> {
    const { publicKey, privateKey } =
      algorithm === 'rsa'
        ? await generateKeyPair('rsa', { modulusLength: 2048 })
        : await generateKeyPair('ed25519', {});
    const der = publicKey.export({ type: 'spki', format: 'der' });
    // Ed25519 records carry the bare 32-byte key; the SPKI prefix is 12 bytes.
    const p = (algorithm === 'rsa' ? der : der.subarray(der.length - 32)).toString('base64');
    const selector = this.freeSelector(domain, algorithm);
    const dir = path.join(this.dir, domain);
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const file = path.join(dir, `${selector}.${algorithm}.pem`);
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    const fd = fs.openSync(file, 'w', 0o600);
    try {
      fs.writeSync(fd, pem);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    const createdAt = new Date().toISOString();
    this.db.transaction(() => {
      this.db.prepare('UPDATE dkim_keys SET active = 0 WHERE domain = ? AND algorithm = ?').run(domain, algorithm);
      this.db
        .prepare('INSERT INTO dkim_keys (domain, selector, algorithm, public_key, key_file, created_at, active) VALUES (?, ?, ?, ?, ?, ?, 1)')
        .run(domain, selector, algorithm, p, file, createdAt);
    })();
    return { domain, selector, algorithm, publicKey: p, createdAt, active: true };
  }

  /** pb20261201r for RSA, pb20261201e for Ed25519; a second key the same day gets -2, -3… */
  private freeSelector(domain: string, algorithm: DkimAlgorithm): string {
    const base = `pb${new Date().toISOString().slice(0, 10).replace(/-/g, '')}${algorithm === 'rsa' ? 'r' : 'e'}`;
    const taken = new Set(this.rows(domain).map((r) => r.selector));
    let selector = base;
    for (let n = 2; taken.has(selector); n++) selector = `${base}-${n}`;
    return selector;
  }
}

/** The TXT record that publishes a key: name and text. */
export function dkimRecord(key: DkimKey): { name: string; value: string } {
  return { name: `${key.selector}._domainkey.${key.domain}`, value: `v=DKIM1; k=${key.algorithm}; p=${key.publicKey}` };
}

function toKey(r: KeyRow): DkimKey {
  return { domain: r.domain, selector: r.selector, algorithm: r.algorithm, publicKey: r.public_key, createdAt: r.created_at, active: !!r.active };
}
