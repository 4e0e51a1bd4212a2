import type { Readable } from 'node:stream';
import { headerFields } from '../mail/header-fields';
import type { SigningKey } from './dkim-key-signer';

/**
 * An ARC set (RFC 8617) for a message a mailing list changed and sends on: added when the
 * message came to this server DKIM-signed and this server recorded its checks of it (its own
 * Authentication-Results, which becomes the ARC-Authentication-Results). The chain validation
 * (cv) is "none" for the first set, else the arc= result this server recorded. Undefined when
 * there is nothing to vouch for.
 */
export async function arcSeal(header: string, hostname: string, open: () => Readable, domain: string, key: SigningKey): Promise<Buffer | undefined> {
  if (!headerFields(header, 'dkim-signature').length) return undefined;
  const ours = new RegExp(`^${hostname.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*;`, 'i');
  const results = headerFields(header, 'authentication-results').find((v) => ours.test(v));
  if (!results) return undefined;
  const previous = headerFields(header, 'arc-seal').length > 0;
  const arc = /\barc=(pass|fail|none)\b/i.exec(results)?.[1]?.toLowerCase();
  const cv = !previous ? 'none' : arc === 'pass' ? 'pass' : 'fail';
  // mailauth's message signer reads the key as PEM.
  const privateKey = key.key.export({ type: 'pkcs8', format: 'pem' }) as string;
  const { sealMessage } = await import('mailauth/lib/arc');
  const set = (await sealMessage(open(), { signingDomain: domain, selector: key.selector, privateKey, authResults: results, cv })).toString('latin1');
  // All three fields or none: a set with a part missing would be a broken chain (and a blank line ends a header).
  const complete = /^ARC-Seal:/im.test(set) && /^ARC-Message-Signature:/im.test(set) && /^ARC-Authentication-Results:/im.test(set) && !/\r\n\r\n/.test(set);
  if (!complete) throw new Error('mailauth made an incomplete ARC set');
  return Buffer.from(set, 'latin1');
}
