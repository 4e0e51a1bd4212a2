import crypto from 'node:crypto';
import type { Readable } from 'node:stream';
import { DkimSigner, type SignatureData } from 'mailauth/lib/dkim/dkim-signer';
import { generateCanonicalizedHeader } from 'mailauth/lib/dkim/header';
import { formatSignatureHeaderLine, getSigningHeaderLines, writeToStream } from 'mailauth/lib/tools';

/** One DKIM key to sign with: its selector and the private key, parsed once. */
export interface SigningKey {
  selector: string;
  key: crypto.KeyObject;
}

/**
 * mailauth's signer, except for the last step: mailauth parses the PEM private key
 * again for every message (about as costly as the RSA signature itself), so this one
 * keeps mailauth's header parsing, canonicalization and body hashing and signs with
 * key objects parsed once. Relaxed/relaxed, SHA-256, mailauth's default header list.
 */
class KeyObjectSigner extends DkimSigner {
  constructor(
    domain: string,
    private readonly keys: SigningKey[],
    signTime?: Date,
  ) {
    // mailauth sets up a body hash only for entries with a privateKey; its text is never parsed here.
    super({
      canonicalization: 'relaxed/relaxed',
      signTime,
      signatureData: keys.map((k) => ({ signingDomain: domain, selector: k.selector, privateKey: 'parsed once', algorithm: `${k.key.asymmetricKeyType}-sha256`, canonicalization: 'relaxed/relaxed' })),
    });
  }

  override async finalize(): Promise<void> {
    if (!this.headers) return;
    for (const [i, data] of this.signatureData.entries()) {
      try {
        this.signatureHeaders.push(this.sign(data, this.keys[i].key));
      } catch (err) {
        this.errors.push({ selector: data.selector, signingDomain: data.signingDomain, err: err as Error });
      }
    }
  }

  private sign(data: SignatureData, key: crypto.KeyObject): string {
    const type = key.asymmetricKeyType;
    if (type !== 'rsa' && type !== 'ed25519') throw new Error(`unsupported DKIM key type ${type}`);
    const { canonicalization, bodyCanon } = this.getCanonicalization(data);
    const bodyHash = this.bodyHashes.get(`${bodyCanon}:sha256:${data.maxBodyLength ?? ''}`)?.hash;
    if (!bodyHash) throw new Error('no body hash');
    const lines = getSigningHeaderLines((this.headers as { parsed: unknown[] }).parsed, this.headerList);
    const { canonicalizedHeader, dkimHeaderOpts } = generateCanonicalizedHeader('DKIM', lines, {
      ...data,
      algorithm: `${type}-sha256`,
      canonicalization,
      signTime: this.signTime,
      expires: this.expires,
      bodyHash,
    });
    // RFC 8463: Ed25519 signs the SHA-256 of the canonicalized header; RSA hashes it itself.
    const signature = type === 'rsa' ? crypto.sign('sha256', canonicalizedHeader, key) : crypto.sign(null, crypto.createHash('sha256').update(canonicalizedHeader).digest(), key);
    return formatSignatureHeaderLine('DKIM', { ...dkimHeaderOpts, b: signature.toString('base64') }, true);
  }
}

/** The DKIM-Signature field(s) for a message (CRLF after each), and what failed. `signTime` for tests. */
export async function signWithKeys(message: Readable, domain: string, keys: SigningKey[], signTime?: Date): Promise<{ signatures: string; errors: Error[] }> {
  const signer = new KeyObjectSigner(domain, keys, signTime);
  await writeToStream(signer, message);
  return { signatures: signer.signatureHeaders.map((h) => `${h}\r\n`).join(''), errors: signer.errors.map((e) => e.err) };
}
