/** The unfolded values of every header field called `name`. */
export function headerFields(header: string, name: string): string[] {
  const out: string[] = [];
  const wanted = name.toLowerCase();
  for (const field of header.replace(/\r\n(?=[ \t])/g, '').split('\r\n')) {
    const colon = field.indexOf(':');
    if (colon > 0 && field.slice(0, colon).trim().toLowerCase() === wanted) out.push(field.slice(colon + 1).trim());
  }
  return out;
}

/**
 * The addresses in an address-list field (RFC 5322 3.4): display names, comments,
 * quoted strings and groups are understood; each mailbox gives its addr-spec.
 */
export function addressesIn(value: string): string[] {
  const out: string[] = [];
  let bare = '';
  let angle: string | undefined;
  let closed: string | undefined;
  let inAngle = false;
  let quoted = false;
  let comment = 0;
  const add = (c: string) => {
    if (inAngle) angle += c;
    else if (closed === undefined) bare += c;
  };
  const flush = () => {
    const spec = (closed ?? bare).trim();
    // A display name without angle brackets is not an address.
    if (spec && (closed !== undefined || !/\s/.test(spec.replace(/"[^"]*"/g, '')))) out.push(spec);
    bare = '';
    angle = closed = undefined;
    inAngle = false;
  };
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (quoted) {
      if (c === '\\' && i + 1 < value.length) add(c + value[++i]);
      else {
        add(c);
        if (c === '"') quoted = false;
      }
    } else if (comment > 0) {
      if (c === '\\') i++;
      else if (c === '(') comment++;
      else if (c === ')') comment--;
    } else if (c === '(') comment++;
    else if (c === '"') {
      quoted = true;
      add(c);
    } else if (c === '<') {
      inAngle = true;
      angle = '';
    } else if (c === '>' && inAngle) {
      closed = angle;
      inAngle = false;
    } else if (c === ':' && !inAngle) bare = ''; // a group's name: its members follow
    else if ((c === ',' || c === ';') && !inAngle) flush();
    else add(c);
  }
  flush();
  return out;
}
