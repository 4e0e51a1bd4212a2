import { rfc5322Date } from '../mail/date';

export interface ReceivedInfo {
  helo?: string;
  clientAddress: string;
  hostname: string;
  secure: boolean;
  authenticated: boolean;
  smtputf8: boolean;
  id: string;
  recipient?: string;
}

/** The Received header (RFC 5321 section 4.4) with the protocol type of RFC 3848. */
export function receivedHeader(info: ReceivedInfo): string {
  const protocol = `${info.smtputf8 ? 'UTF8SMTP' : 'ESMTP'}${info.secure ? 'S' : ''}${info.authenticated ? 'A' : ''}`;
  const helo = (info.helo ?? 'unknown').replace(/[^\x21-\x7e]/g, '');
  const address = info.clientAddress.includes(':') ? `IPv6:${info.clientAddress}` : info.clientAddress;
  const date = rfc5322Date(new Date());
  const lines = [`Received: from ${helo} ([${address}])`, `\tby ${info.hostname} (Pillarbox) with ${protocol} id ${info.id}`];
  if (info.recipient) lines.push(`\tfor <${info.recipient}>; ${date}`);
  else lines[1] += `; ${date}`;
  return lines.join('\r\n') + '\r\n';
}
