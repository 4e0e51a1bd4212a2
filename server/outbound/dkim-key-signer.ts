import crypto from 'node:crypto';
import { Readable } from 'node:stream';
import type { DkimSigner } from 'mailauth/lib/dkim/dkim-signer';
import type * as DkimHeader from 'mailauth/lib/dkim/header';
import type * as MailauthTools from 'mailauth/lib/tools';
import { relaxedBodyHash } from './dkim-relaxed-body';

/** One DKIM key to sign with: its selector and the private key, parsed once. */
export interface SigningKey {
  selector: string;
  key: crypto.KeyObject;
}

export interface SignOptions {
  /** The t= of the signatures (tests); default now. */
  signTime?: Date;
  /** Sign on this thread (a signing worker) instead of libuv's thread pool (the main thread). */
  signHere?: boolean;
}

export interface SignResult {
  /** The DKIM-Signature field(s), CRLF after each, in the order of the keys. */
  signatures: string;
  errors: Error[];
}

const CANONICALIZATION = 'relaxed/relaxed';

/**
 * The DKIM-Signature field(s) for a message, relaxed/relaxed, SHA-256, mailauth's default
 * header list, signed with key objects parsed once. A message in memory (CRLF line ends, as
 * SpooledMessage gives it) is canonicalized and hashed here in one pass over a Buffer; a
 * stream goes through mailauth's signer. Both give mailauth's bytes (tests compare them).
 */
export async function signWithKeys(message: Readable | Buffer, domain: string, keys: SigningKey[], options: SignOptions = {}): Promise<SignResult> {
  if (Buffer.isBuffer(message)) {
    // mailauth finds the header's end at the first empty line; without one it signs nothing.
    const end = message.indexOf('\r\n\r\n');
    if (end < 0) return signStream(Readable.from([message], { objectMode: false }), domain, keys, options);
    const headers = mailauth().tools.parseHeaders(message.subarray(0, end + 4));
    return signatureFields(headers.parsed, domain, keys, relaxedBodyHash(message.subarray(end + 4)), options);
  }
  return signStream(message, domain, keys, options);
}

interface Mailauth {
  tools: typeof MailauthTools;
  header: typeof DkimHeader;
  KeyObjectSigner: new (domain: string, keys: SigningKey[], options: SignOptions) => DkimSigner & { result: SignResult };
}

let loaded: Mailauth | undefined;

/** mailauth's parts, loaded at the first signature: with joi and tldts they cost start-up time the engine may never need. */
function mailauth(): Mailauth {
  if (loaded) return loaded;
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { DkimSigner: Signer } = require('mailauth/lib/dkim/dkim-signer') as { DkimSigner: typeof DkimSigner };
  loaded = { tools: require('mailauth/lib/tools') as typeof MailauthTools, header: require('mailauth/lib/dkim/header') as typeof DkimHeader, KeyObjectSigner: keyObjectSigner(Signer) };
  /* eslint-enable @typescript-eslint/no-require-imports */
  return loaded;
}

/**
 * mailauth's signer, except for the last step: mailauth parses the PEM private key
 * again for every message (about as costly as the RSA signature itself), so this one
 * keeps mailauth's header parsing, canonicalization and body hashing and signs with
 * key objects parsed once.
 */
function keyObjectSigner(Signer: typeof DkimSigner): Mailauth['KeyObjectSigner'] {
  return class KeyObjectSigner extends Signer {
    result: SignResult = { signatures: '', errors: [] };

    constructor(
      private readonly domain: string,
      private readonly keys: SigningKey[],
      private readonly options: SignOptions,
    ) {
      // mailauth sets up a body hash only for entries with a privateKey; its text is never parsed here.
      super({
        canonicalization: CANONICALIZATION,
        signTime: options.signTime,
        signatureData: [{ signingDomain: domain, selector: 'body hash only', privateKey: 'parsed once', canonicalization: CANONICALIZATION }],
      });
    }

    override async finalize(): Promise<void> {
      if (!this.headers) return;
      const bodyHash = [...this.bodyHashes.values()][0]?.hash;
      if (!bodyHash) throw new Error('no body hash');
      this.result = await signatureFields(this.headers.parsed, this.domain, this.keys, bodyHash, this.options);
    }
  };
}

async function signStream(message: Readable, domain: string, keys: SigningKey[], options: SignOptions): Promise<SignResult> {
  const { KeyObjectSigner, tools } = mailauth();
  const signer = new KeyObjectSigner(domain, keys, options);
  await tools.writeToStream(signer, message);
  return signer.result;
}

/** Every key signs at once; the fields keep the order of the keys, a key that fails is an error instead. */
async function signatureFields(parsed: unknown[], domain: string, keys: SigningKey[], bodyHash: string, options: SignOptions): Promise<SignResult> {
  // Without a sign time mailauth reads the clock twice, for the signed field and for the one
  // written after signing: a signature that takes long enough to cross a half second (a loaded
  // machine) had a t= other than the one signed, a bad signature. One time for both.
  options = { ...options, signTime: options.signTime ?? new Date() };
  const lines = mailauth().tools.getSigningHeaderLines(parsed);
  const signed = await Promise.allSettled(keys.map((k) => signatureField(lines, domain, k, bodyHash, options)));
  const result: SignResult = { signatures: '', errors: [] };
  for (const outcome of signed) {
    if (outcome.status === 'fulfilled') result.signatures += `${outcome.value}\r\n`;
    else result.errors.push(outcome.reason as Error);
  }
  return result;
}

async function signatureField(lines: unknown, domain: string, { selector, key }: SigningKey, bodyHash: string, options: SignOptions): Promise<string> {
  const type = key.asymmetricKeyType;
  if (type !== 'rsa' && type !== 'ed25519') throw new Error(`unsupported DKIM key type ${type}`);
  const { header, tools } = mailauth();
  const { canonicalizedHeader, dkimHeaderOpts } = header.generateCanonicalizedHeader('DKIM', lines, {
    signingDomain: domain,
    selector,
    algorithm: `${type}-sha256`,
    canonicalization: CANONICALIZATION,
    signTime: options.signTime,
    bodyHash,
  });
  // RFC 8463: Ed25519 signs the SHA-256 of the canonicalized header; RSA hashes it itself.
  const [algorithm, data] = type === 'rsa' ? ['sha256', canonicalizedHeader] : [null, crypto.createHash('sha256').update(canonicalizedHeader).digest()];
  const signature = options.signHere ? crypto.sign(algorithm, data, key) : await signOffLoop(algorithm, data, key);
  return tools.formatSignatureHeaderLine('DKIM', { ...dkimHeaderOpts, b: signature.toString('base64') }, true);
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
