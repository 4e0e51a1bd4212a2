/** Flag lists of imap4flags (RFC 5232): space-separated, case-insensitive, no duplicates. */

export function splitFlags(s: string): string[] {
  const out: string[] = [];
  for (const f of s.split(/[ \t\r\n]+/)) {
    if (f === '') continue;
    if (!out.some((x) => x.toLowerCase() === f.toLowerCase())) out.push(f);
  }
  return out;
}

export function addFlags(current: string, add: string[]): string {
  return splitFlags([current, ...add].join(' ')).join(' ');
}

export function removeFlags(current: string, remove: string[]): string {
  const gone = new Set(splitFlags(remove.join(' ')).map((f) => f.toLowerCase()));
  return splitFlags(current).filter((f) => !gone.has(f.toLowerCase())).join(' ');
}

export function setFlags(list: string[]): string {
  return splitFlags(list.join(' ')).join(' ');
}
