import type { SpooledMessage } from './spooled-message';

/** What the SMTP client must announce (or refuse) for a message. */
export interface MessageTraits {
  /** Bytes sent over SMTP: the spool file minus the local-only prefix. */
  size: number;
  /** Any byte above 127 anywhere: BODY=8BITMIME when the server offers it. */
  eightBit: boolean;
  /** Raw UTF-8 in the header section: SMTPUTF8 is asked for when the server offers it. */
  utf8Header: boolean;
}

const EIGHT_BIT = /[\x80-\xff]/;

/** One pass over the message; the header ends at the first empty line. */
export async function scanMessage(message: SpooledMessage): Promise<MessageTraits> {
  let eightBit = false;
  let utf8Header = false;
  let inHeader = true;
  let tail = '';
  for await (const chunk of message.open()) {
    const text = (chunk as Buffer).toString('latin1');
    if (inHeader) {
      const joined = tail + text;
      const end = joined.indexOf('\r\n\r\n');
      const header = end >= 0 ? joined.slice(0, end) : joined;
      if (EIGHT_BIT.test(header)) utf8Header = true;
      if (end >= 0) inHeader = false;
      tail = joined.slice(-3);
    }
    if (!eightBit && EIGHT_BIT.test(text)) eightBit = true;
    if (eightBit && !inHeader) break;
  }
  return { size: message.size, eightBit, utf8Header };
}

/** Non-ASCII in an envelope address cannot be sent at all without SMTPUTF8 (RFC 6531). */
export function needsSmtpUtf8(addresses: string[]): boolean {
  return addresses.some((a) => /[\u0080-\uffff]/.test(a));
}
