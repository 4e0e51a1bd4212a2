import { parseAddressList } from './address';
import { headerValue } from './header';
import { type MimeNode, parseMime } from './tree';
import { type CharsetOptions, decodeCharset } from './charset';
import { decodeHeaderValue } from './encoded-words';
import { decodeTransfer } from './transfer';

/** SEARCH and SORT read text as TextDecoder does: a UTF-8 byte-order mark is not text. */
export const READER: CharsetOptions = { stripBom: true };

export interface SearchableMessage {
  /** Lower-case field name → decoded values. */
  headers: Map<string, string[]>;
  /** All header text, decoded. */
  headerText: string;
  /** Decoded text of the text parts (and of encapsulated messages). */
  bodyText: string;
  /** The parsed forms of the address fields (also in `headers`), which headerText does not hold. */
  addressText: string[];
}

function collectText(buf: Buffer, node: MimeNode, out: string[], depth: number): void {
  if (node.children) {
    for (const c of node.children) collectText(buf, c, out, depth + 1);
    return;
  }
  if (node.message) {
    out.push(node.message.fields.map((f) => `${f.name}: ${decodeHeaderValue(f.value, READER)}`).join('\n'));
    collectText(buf, node.message, out, depth + 1);
    return;
  }
  if (node.type.toLowerCase() !== 'text') return;
  const charset = node.params.find(([k]) => k.toLowerCase() === 'charset')?.[1];
  const encoding = headerValue(node.fields, 'content-transfer-encoding');
  out.push(decodeCharset(decodeTransfer(buf.subarray(node.bs, node.be), encoding), charset, READER));
}

const ADDRESS_FIELDS = new Set(['from', 'to', 'cc', 'bcc', 'sender', 'reply-to']);

/** "name <mailbox@host>" for each address (group names included), space-separated. */
function normalisedAddresses(value: string): string {
  return parseAddressList(value)
    .map((a) => {
      if (a.host === null) return a.mailbox ?? '';
      const addr = `${a.mailbox ?? ''}@${a.host}`;
      return a.name ? `${decodeHeaderValue(a.name, READER)} <${addr}>` : `<${addr}>`;
    })
    .join(' ');
}

export function searchable(buf: Buffer): SearchableMessage {
  const root = parseMime(buf);
  const headers = new Map<string, string[]>();
  const addressText: string[] = [];
  for (const f of root.fields) {
    const list = headers.get(f.name) ?? [];
    list.push(decodeHeaderValue(f.value, READER));
    // Address fields are also matched on their parsed form, so comments and folding
    // inside an address do not hide "user@domain" from a search (as Dovecot does).
    if (ADDRESS_FIELDS.has(f.name)) {
      const parsed = normalisedAddresses(f.value);
      list.push(parsed);
      addressText.push(parsed);
    }
    headers.set(f.name, list);
  }
  const headerText = root.fields.map((f) => `${f.name}: ${decodeHeaderValue(f.value, READER)}`).join('\n');
  const body: string[] = [];
  collectText(buf, root, body, 0);
  return { headers, headerText, bodyText: body.join('\n'), addressText };
}

