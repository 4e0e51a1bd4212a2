import { parseHtml } from '../junk/html';
import { bodyEncoding, encodeTextBody } from '../mail/compose';
import { headerValue, parseParameterized } from '../mail/mime/header';
import { parameterMap } from '../mail/mime/parameters';
import { decodeCharset } from '../mail/mime/charset';
import { decodeTransfer } from '../mail/mime/transfer';
import { parseMime, type MimeNode } from '../mail/mime/tree';
import type { IncomingMessage } from './incoming';
import type { MailingList } from './types';

/** What content filtering left of a post. */
export type FilterResult = { kind: 'unchanged' } | { kind: 'changed'; raw: Buffer } | { kind: 'empty' };

/** A MIME type as the settings take it: "type/subtype" or a main type alone ("image"). */
export const MIME_TYPE_PATTERN = /^[a-z0-9!#$&^_.+-]+(\/[a-z0-9!#$&^_.+-]+)?$/i;

/** A part as it is written out: its header block (with the blank line) and its body. */
interface Out {
  head: Buffer;
  body: Buffer;
}

const CRLF = Buffer.from('\r\n');
const isContentField = (name: string) => name.startsWith('content-');
const typeOf = (n: MimeNode) => `${n.type}/${n.subtype}`.toLowerCase();
/** Whether a part's type is one of the list's types (exact, or its main type alone). */
const listed = (types: string[], n: MimeNode) => types.some((t) => t.toLowerCase() === typeOf(n) || t.toLowerCase() === n.type.toLowerCase());

/**
 * Mailman's content filter (MimeDel): parts of a type in filterMimeTypes are removed; with
 * passMimeTypes set, leaf parts of any other type too (multiparts are containers and pass
 * unless listed in filterMimeTypes); multipart/alternative is replaced by its first remaining
 * part (collapseAlternatives); text/html becomes text/plain (convertHtmlToPlaintext) unless a
 * text/plain alternative stands beside it. A multipart left without parts goes too; a post left
 * with nothing is `empty` (the list's filterAction decides). Parts that stay are copied byte for byte.
 */
export function filterContent(list: MailingList, msg: IncomingMessage): FilterResult {
  const root = parseMime(msg.raw, { countLines: false, contentFieldsOnly: true, maxParts: 1000 });
  let changed = false;
  const walk = (node: MimeNode, head: Buffer, parent?: MimeNode): Out | undefined => {
    const ext = node.type === 'multipart' ? undefined : extensionOf(node);
    const byName = ext !== undefined && (list.filterFilenameExtensions.includes(ext) || (list.passFilenameExtensions.length > 0 && !list.passFilenameExtensions.includes(ext)));
    if (byName || listed(list.filterMimeTypes, node) || (node.type !== 'multipart' && list.passMimeTypes.length && !listed(list.passMimeTypes, node))) {
      changed = true;
      return undefined;
    }
    if (node.type === 'multipart' && node.children?.length && !node.defaulted) {
      const kids: Out[] = [];
      for (const child of node.children) {
        const out = walk(child, msg.raw.subarray(child.hs, child.bs), node);
        if (out) kids.push(out);
        if (out && node.subtype === 'alternative' && list.collapseAlternatives) {
          changed = true;
          return out;
        }
      }
      if (!kids.length) {
        changed = true;
        return undefined;
      }
      if (kids.length === node.children.length && !changed) return { head, body: msg.raw.subarray(node.bs, node.be) };
      const boundary = node.params.find(([k]) => k.toLowerCase() === 'boundary')?.[1] as string;
      const parts: Buffer[] = [];
      for (const k of kids) parts.push(Buffer.from(`--${boundary}\r\n`), k.head, k.body, CRLF);
      parts.push(Buffer.from(`--${boundary}--\r\n`));
      return { head, body: Buffer.concat(parts) };
    }
    if (typeOf(node) === 'text/html' && list.convertHtmlToPlaintext && !(parent?.subtype === 'alternative' && parent.children?.some((c) => typeOf(c) === 'text/plain'))) {
      changed = true;
      return htmlAsText(msg.raw, node);
    }
    return { head, body: msg.raw.subarray(node.bs, node.be) };
  };
  const rootHead = Buffer.concat([...msg.fields.filter((f) => isContentField(f.name)).map((f) => withLineEnd(f.raw)), CRLF]);
  const out = walk(root, rootHead);
  if (!out) return { kind: 'empty' };
  if (!changed) return { kind: 'unchanged' };
  const top = msg.fields.filter((f) => !isContentField(f.name) && f.name !== 'mime-version').map((f) => withLineEnd(f.raw));
  return { kind: 'changed', raw: Buffer.concat([...top, Buffer.from('MIME-Version: 1.0\r\n'), out.head, out.body]) };
}

/** The extension of a part's file name (Content-Disposition filename, else Content-Type name), lower case; undefined when it has none. */
function extensionOf(node: MimeNode): string | undefined {
  const disposition = headerValue(node.fields, 'content-disposition');
  const name = (disposition ? parameterMap(parseParameterized(disposition).params).get('filename') : undefined) ?? parameterMap(node.params).get('name');
  const dot = name ? name.lastIndexOf('.') : -1;
  return name && dot >= 0 ? name.slice(dot + 1).trim().toLowerCase() : undefined;
}

function withLineEnd(raw: Buffer): Buffer {
  return raw[raw.length - 1] === 0x0a ? raw : Buffer.concat([raw, CRLF]);
}

/** A text/html part as text/plain: its visible text, blank runs folded, in UTF-8. */
function htmlAsText(raw: Buffer, node: MimeNode): Out {
  const charset = node.params.find(([k]) => k.toLowerCase() === 'charset')?.[1];
  const html = decodeCharset(decodeTransfer(raw.subarray(node.bs, node.be), headerValue(node.fields, 'content-transfer-encoding')), charset, { iconv: true });
  const text =
    parseHtml(html)
      .text.split(/\r?\n/)
      .map((l) => l.replace(/[ \t\u00a0]+/g, ' ').trim())
      .join('\n')
      .replace(/\n{3,}/g, '\n\n')
      .trim() + '\n';
  const encoding = bodyEncoding(text);
  return { head: Buffer.from(`Content-Type: text/plain; charset="utf-8"\r\nContent-Transfer-Encoding: ${encoding}\r\n\r\n`), body: Buffer.from(encodeTextBody(text, encoding) + '\r\n', 'latin1') };
}
