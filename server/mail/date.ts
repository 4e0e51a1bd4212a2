/**
 * server/mail: the one mail-format package (dates, header fields, addresses, header capture
 * during DATA, and in mime/ header parsing, transfer and charset decoding, encoded words and the
 * part tree), used by every protocol, delivery stage and filter; it imports nothing from the
 * rest of the engine.
 */

/** A date as RFC 5322 writes it, in UTC: "Mon, 7 Dec 2026 00:12:03 +0000". */
export function rfc5322Date(d: Date): string {
  const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${days[d.getUTCDay()]}, ${d.getUTCDate()} ${months[d.getUTCMonth()]} ${d.getUTCFullYear()} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
}
