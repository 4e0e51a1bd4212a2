import { addressesIn } from '../mail/header-fields';
import { type HeaderField, headerValue, splitHeader, parseHeaderFields } from '../mail/mime/header';
import { decodeHeaderValue } from '../mail/mime/encoded-words';
import { parseMime, type MimeNode } from '../mail/mime/tree';
import { decodeTransfer } from '../mail/mime/transfer';
import { decodeCharset } from '../mail/mime/charset';

/** A message that came to a list address, read once (header fields, and the command text when asked). */
export class IncomingMessage {
  readonly fields: HeaderField[];
  readonly headerEnd: number;
  readonly bodyStart: number;

  constructor(
    /** The message without the queue's Return-Path line. */
    readonly raw: Buffer,
    /** The envelope sender ("" for bounces). */
    readonly sender: string,
  ) {
    const { headerEnd, bodyStart } = splitHeader(raw, 0, raw.length);
    this.headerEnd = headerEnd;
    this.bodyStart = bodyStart;
    this.fields = parseHeaderFields(raw, 0, headerEnd);
  }

  values(name: string): string[] {
    return this.fields.filter((f) => f.name === name).map((f) => f.value);
  }

  /** The first From address, else the envelope sender ("" when neither). */
  get fromAddress(): string {
    const from = headerValue(this.fields, 'from');
    return (from !== undefined ? addressesIn(from)[0] : undefined) ?? this.sender;
  }

  /** Where replies to commands and notices go: the From address (Mailman's choice), else the envelope sender. */
  get replyAddress(): string {
    return this.fromAddress;
  }

  get subject(): string {
    return decodeHeaderValue(headerValue(this.fields, 'subject') ?? '');
  }

  /**
   * An automatic message (RFC 3834 Auto-Submitted other than "no", Precedence bulk/junk/list,
   * or a bounce with the null sender): it never gets a command reply or a notice.
   */
  get automatic(): boolean {
    if (this.sender === '') return true;
    const auto = headerValue(this.fields, 'auto-submitted');
    if (auto && auto.split(';')[0].trim().toLowerCase() !== 'no') return true;
    const precedence = headerValue(this.fields, 'precedence')?.trim().toLowerCase();
    return precedence === 'bulk' || precedence === 'junk' || precedence === 'list';
  }

  /** X-BeenThere names this list address already: the message has been through it (a loop). */
  beenThere(listAddress: string): boolean {
    return this.values('x-beenthere').some((v) => addressesIn(v).some((a) => a.toLowerCase() === listAddress) || v.trim().toLowerCase() === listAddress);
  }

  /** The text of the first text/plain part, decoded (commands are read from it). */
  bodyText(): string {
    const root = parseMime(this.raw, { countLines: false, contentFieldsOnly: true, maxParts: 100 });
    const part = firstPlainText(root);
    if (!part) return '';
    const charset = part.params.find(([k]) => k.toLowerCase() === 'charset')?.[1];
    const bytes = decodeTransfer(this.raw.subarray(part.bs, part.be), headerValue(part.fields, 'content-transfer-encoding'));
    return decodeCharset(bytes, charset);
  }
}

function firstPlainText(node: MimeNode): MimeNode | undefined {
  if (node.type === 'text' && node.subtype === 'plain') return node;
  for (const child of node.children ?? []) {
    const found = firstPlainText(child);
    if (found) return found;
  }
  return undefined;
}
