import { list, nlist, nstring } from '../protocol/encode';
import { type EnvelopeAddress, parseAddressList } from '../../mail/mime/address';
import { type HeaderField, headerValue, parseParameterized } from '../../mail/mime/header';
import type { MimeNode } from '../../mail/mime/tree';

/** ENVELOPE of a header (RFC 3501 section 7.4.2); Sender and Reply-To default to From. */
export function envelope(fields: HeaderField[]): string {
  const text = (name: string) => {
    const v = headerValue(fields, name);
    return v === undefined || v === '' ? null : v;
  };
  const addresses = (name: string) => {
    const v = headerValue(fields, name);
    return v ? parseAddressList(v) : [];
  };
  const from = addresses('from');
  const sender = addresses('sender');
  const replyTo = addresses('reply-to');
  return list([
    nstring(text('date')),
    nstring(text('subject')),
    addressList(from),
    addressList(sender.length ? sender : from),
    addressList(replyTo.length ? replyTo : from),
    addressList(addresses('to')),
    addressList(addresses('cc')),
    addressList(addresses('bcc')),
    nstring(text('in-reply-to')),
    nstring(text('message-id')),
  ]);
}

function addressList(addrs: EnvelopeAddress[]): string {
  if (addrs.length === 0) return 'NIL';
  return '(' + addrs.map((a) => list([nstring(a.name), nstring(a.adl), nstring(a.mailbox), nstring(a.host)])).join('') + ')';
}

function params(p: [string, string][]): string {
  return nlist(p.flatMap(([k, v]) => [nstring(k), nstring(v)]));
}

function disposition(fields: HeaderField[]): string {
  const v = headerValue(fields, 'content-disposition');
  if (!v) return 'NIL';
  const parsed = parseParameterized(v);
  if (!parsed.value) return 'NIL';
  return list([nstring(parsed.value), params(parsed.params)]);
}

function language(fields: HeaderField[]): string {
  const v = headerValue(fields, 'content-language');
  if (!v) return 'NIL';
  const langs = v.split(',').map((s) => s.replace(/\(.*?\)/g, '').trim()).filter(Boolean);
  if (langs.length === 0) return 'NIL';
  return langs.length === 1 ? nstring(langs[0]) : list(langs.map((l) => nstring(l)));
}

function optional(fields: HeaderField[], name: string): string {
  const v = headerValue(fields, name);
  return nstring(v === undefined || v === '' ? null : v);
}

/** BODY (extended = false) or BODYSTRUCTURE (extended = true) of a MIME node. */
export function bodyStructure(node: MimeNode, extended: boolean): string {
  if (node.children) {
    const parts = node.children.map((c) => bodyStructure(c, extended)).join('');
    const items = [parts, nstring(node.subtype)];
    if (extended) items.push(params(node.params), disposition(node.fields), language(node.fields), optional(node.fields, 'content-location'));
    return '(' + items.join(' ') + ')';
  }
  const encoding = headerValue(node.fields, 'content-transfer-encoding') || '7BIT';
  const items = [
    nstring(node.type),
    nstring(node.subtype),
    params(node.params),
    optional(node.fields, 'content-id'),
    optional(node.fields, 'content-description'),
    nstring(encoding),
    String(node.be - node.bs),
  ];
  const lower = node.type.toLowerCase();
  if (node.message) {
    items.push(envelope(node.message.fields), bodyStructure(node.message, extended), String(node.lines));
  } else if (lower === 'text') {
    items.push(String(node.lines));
  }
  if (extended) {
    items.push(optional(node.fields, 'content-md5'), disposition(node.fields), language(node.fields), optional(node.fields, 'content-location'));
  }
  return '(' + items.join(' ') + ')';
}
