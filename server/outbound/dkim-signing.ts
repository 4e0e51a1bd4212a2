import type { OutboundContext } from './outbound-context';
import type { Logger } from '../logs/logger';
import type { QueueEntry } from '../queue/types';
import { parseAddress } from '../directory/address';
import { addressesIn, headerFields } from '../mail/header-fields';
import type { DkimKeys } from './dkim-keys';
import { type SignResult, type SigningKey, signWithKeys } from './dkim-key-signer';
import { DkimSignPool, SignWorkerGone } from './dkim-sign-pool';
import { arcSeal } from './arc-sealing';
import type { SpooledMessage } from './spooled-message';

/**
 * DKIM signatures (RFC 6376, relaxed/relaxed, mailauth's usual header set) for mail
 * leaving this server: a message from a trusted origin whose From domain is one of
 * ours is signed with that domain's key — RSA, plus Ed25519 when the domain chose it
 * (or, without a choice of its own, dkimEd25519Signature is on). Made at each delivery
 * attempt, from the spooled message, with keys parsed once (dkim-key-signer.ts); the
 * signature itself is never made on the event loop (see sign()).
 */
export class DkimSigning {
  private readonly pool = new DkimSignPool();

  constructor(
    private readonly ctx: OutboundContext,
    private readonly keys: DkimKeys,
    private readonly log: Logger,
  ) {}

  /** The DKIM-Signature header field(s) to put before the message, or undefined when it is not ours to sign. */
  async signatureFor(entry: QueueEntry, message: SpooledMessage): Promise<Buffer | undefined> {
    const s = this.ctx.settings.get();
    if (!s.dkimSigningEnabled || !entry.signDkim) return undefined;
    // A list post is signed by the list's domain, never as the poster's (docs/lists.md).
    const domain = entry.dkimDomain ?? this.fromDomain(await message.header());
    if (!domain || !this.ctx.directory.domainKind(domain)) return undefined;
    const algorithms = this.keys.algorithms(domain, s.dkimEd25519Signature);
    try {
      const keys = await Promise.all(algorithms.map((a) => this.keys.activeKey(domain, a)));
      const result = await this.sign(message, domain, keys.map((k) => ({ selector: k.selector, key: this.keys.privateKey(k) })));
      if (result.errors.length) throw new Error(result.errors.map((e) => e.message).join('; '));
      // A list's copy of a DKIM-signed post: the list vouches for what it checked (ARC).
      const seal = entry.dkimDomain ? await this.arcSet(entry, message, domain, keys[0]) : undefined;
      return Buffer.concat([seal ?? Buffer.alloc(0), Buffer.from(result.signatures)]);
    } catch (err) {
      // A message is better sent unsigned than not at all.
      this.log.error('DKIM signing failed; sending unsigned', { queueId: entry.id, domain, error: String(err) });
      return undefined;
    }
  }

  /**
   * A message in memory is canonicalized and hashed here, in one pass over its bytes (about 50 µs
   * for 4 KB), and signed on libuv's thread pool: a worker's round trip would cost the event
   * loop about as much as the hashing. A large message (streamed from its file through
   * mailauth's byte-by-byte canonicalization, milliseconds per megabyte) goes to a signing worker.
   */
  private sign(message: SpooledMessage, domain: string, keys: SigningKey[]): Promise<SignResult> {
    const source = message.source();
    if ('content' in source) return signWithKeys(message.bytes(), domain, keys);
    return this.pool.sign(source, domain, keys).catch((err: unknown) => {
      // A worker that died with the job: sign here rather than send unsigned.
      if (err instanceof SignWorkerGone) return signWithKeys(message.bytes(), domain, keys);
      throw err;
    });
  }

  /** Stops the signing workers (they start again with the next message). */
  close(): Promise<void> {
    return this.pool.close();
  }

  /** The ARC set of a list's copy (arc-sealing.ts); a failure leaves the copy unsealed, logged. */
  private async arcSet(entry: QueueEntry, message: SpooledMessage, domain: string, key: { selector: string } & Parameters<DkimKeys['privateKey']>[0]): Promise<Buffer | undefined> {
    try {
      return await arcSeal(await message.header(), this.ctx.options.hostname, () => message.open(), domain, { selector: key.selector, key: this.keys.privateKey(key) });
    } catch (err) {
      this.log.error('ARC sealing failed; sending unsealed', { queueId: entry.id, domain, error: String(err) });
      return undefined;
    }
  }

  /** The domain of the (first) From address, lower case. */
  private fromDomain(header: string): string | undefined {
    const from = headerFields(header, 'from')[0];
    const address = from !== undefined ? addressesIn(from)[0] : undefined;
    return address ? parseAddress(address)?.domain : undefined;
  }
}
