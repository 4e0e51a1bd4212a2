import { parseHeaderFields } from '../../mail/mime/header';
import type { PartOffsets } from './summary';

export type SectionText = 'HEADER' | 'HEADER.FIELDS' | 'HEADER.FIELDS.NOT' | 'TEXT' | 'MIME';

/** A FETCH BODY[...] section: part path, then what of it. */
export interface Section {
  path: number[];
  text?: SectionText;
  /** Field names for HEADER.FIELDS (.NOT). */
  fields?: string[];
}

/**
 * The byte range a section names (RFC 3501 section 6.4.5), or undefined when the
 * message has no such part. Part "1" of a single-part message is its body; HEADER and
 * TEXT after a part number apply to an encapsulated message/rfc822.
 */
export function sectionRange(tree: PartOffsets, section: Section): { start: number; end: number } | undefined {
  let node = tree;
  for (let i = 0; i < section.path.length; i++) {
    const n = section.path[i];
    let container: PartOffsets;
    let containerIsMessage: boolean;
    if (i === 0) {
      container = tree;
      containerIsMessage = true;
    } else if (node.m) {
      container = node.m;
      containerIsMessage = true;
    } else if (node.c) {
      container = node;
      containerIsMessage = false;
    } else {
      return undefined;
    }
    if (container.c) {
      const child = container.c[n - 1];
      if (!child) return undefined;
      node = child;
    } else if (n === 1 && containerIsMessage) {
      node = container;
    } else {
      return undefined;
    }
  }
  const hasPath = section.path.length > 0;
  switch (section.text) {
    case undefined:
      return hasPath ? { start: node.b, end: node.e } : { start: tree.h, end: tree.e };
    case 'MIME':
      return hasPath ? { start: node.h, end: node.b } : undefined;
    default: {
      const msg = hasPath ? node.m : tree;
      if (!msg) return undefined;
      return section.text === 'TEXT' ? { start: msg.b, end: msg.e } : { start: msg.h, end: msg.b };
    }
  }
}

/** HEADER.FIELDS (.NOT): the matching (or other) fields of a header block, then the blank line. */
export function filterHeader(header: Buffer, names: string[], not: boolean): Buffer {
  const wanted = new Set(names.map((n) => n.toLowerCase()));
  const fields = parseHeaderFields(header, 0, header.length);
  const keep = fields.filter((f) => wanted.has(f.name) !== not).map((f) => (f.raw[f.raw.length - 1] === 0x0a ? f.raw : Buffer.concat([f.raw, Buffer.from('\r\n')])));
  return Buffer.concat([...keep, Buffer.from('\r\n')]);
}
