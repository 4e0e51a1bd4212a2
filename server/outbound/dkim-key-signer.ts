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
    // All keys sign at once; the headers keep the order of the keys.
    const signed = await Promise.allSettled(this.signatureData.map((data, i) => this.sign(data, this.keys[i].key)));
    for (const [i, result] of signed.entries()) {
      if (result.status === 'fulfilled') this.signatureHeaders.push(result.value);
      else this.errors.push({ selector: this.signatureData[i].selector, signingDomain: this.signatureData[i].signingDomain, err: result.reason as Error });
    }
  }

  private async sign(data: SignatureData, key: crypto.KeyObject): Promise<string> {
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
    const signature = type === 'rsa' ? await signOffLoop('sha256', canonicalizedHeader, key) : await signOffLoop(null, crypto.createHash('sha256').update(canonicalizedHeader).digest(), key);
    return formatSignatureHeaderLine('DKIM', { ...dkimHeaderOpts, b: signature.toString('base64') }, true);
  }
}

/**
 * crypto.sign with a callback runs on libuv's thread pool: an RSA-2048 signature
 * (about a millisecond) no longer stalls every SMTP session on the event loop.
 */
function signOffLoop(algorithm: string | null, data: Buffer, key: crypto.KeyObject): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    crypto.sign(algorithm, data, key, (err, signature) => (err ? reject(err) : resolve(signature)));
  });
}

/** The DKIM-Signature field(s) for a message (CRLF after each), and what failed. `signTime` for tests. */
export async function signWithKeys(message: Readable, domain: string, keys: SigningKey[], signTime?: Date): Promise<{ signatures: string; errors: Error[] }> {
  const signer = new KeyObjectSigner(domain, keys, signTime);
  await writeToStream(signer, message);
  return { signatures: signer.signatureHeaders.map((h) => `${h}\r\n`).join(''), errors: signer.errors.map((e) => e.err) };
}
