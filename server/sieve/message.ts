import { parseAddressList, type AddressEntry } from './address';
import { splitHeader } from '../mail/mime/header';
import { headerFields, headerValue, type HeaderField } from './headers';
import { extractBodyParts, type BodyPart } from './mime';

/**
 * The message a script runs against. The header block is parsed once; decoded values, address
 * lists and body parts are computed on first use and cached, so tests never re-parse anything.
 */
export class SieveMessage {
  readonly size: number;
  private readonly fields: HeaderField[];
  private readonly byName = new Map<string, HeaderField[]>();
  private readonly decoded = new Map<string, string[]>();
  private readonly addresses = new Map<string, AddressEntry[][]>();
  private parts?: BodyPart[];
  private rawBodyText?: string;
  private readonly bodyStart: number;

  constructor(readonly raw: Buffer) {
    this.size = raw.length;
    const { headerEnd, bodyStart } = splitHeader(raw, 0, raw.length);
    this.bodyStart = bodyStart;
    this.fields = headerFields(raw, 0, headerEnd, 'utf8');
    for (const f of this.fields) {
      const list = this.byName.get(f.name);
      if (list) list.push(f);
      else this.byName.set(f.name, [f]);
    }
  }

  has(name: string): boolean {
    return this.byName.has(name.toLowerCase());
  }

  /** The unfolded, not decoded, values of a header, in message order. */
  rawValues(name: string): string[] {
    return (this.byName.get(name.toLowerCase()) ?? []).map((f) => f.raw);
  }

  /** Decoded values (RFC 2047, trimmed) of every field with this name, in message order. */
  values(name: string): string[] {
    const key = name.toLowerCase();
    let v = this.decoded.get(key);
    if (!v) {
      v = (this.byName.get(key) ?? []).map((f) => headerValue(f.raw));
      this.decoded.set(key, v);
    }
    return v;
  }

  /** The addresses in each field with this name (one array per field, for :index). */
  addressFields(name: string): AddressEntry[][] {
    const key = name.toLowerCase();
    let v = this.addresses.get(key);
    if (!v) {
      v = (this.byName.get(key) ?? []).map((f) => parseAddressList(f.raw));
      this.addresses.set(key, v);
    }
    return v;
  }

  bodyParts(): BodyPart[] {
    if (!this.parts) this.parts = extractBodyParts(this.raw);
    return this.parts;
  }

  /** The body exactly as transmitted, for body :raw. */
  rawBody(): string {
    if (this.rawBodyText === undefined) this.rawBodyText = this.raw.subarray(this.bodyStart).toString('utf8');
    return this.rawBodyText;
  }
}
