import { type HeaderField, headerValue, parseHeaderFields, parseParameterized, splitHeader } from './header';

const LF = 0x0a;
const CR = 0x0d;
/**
 * Parts of one message at most by default (Dovecot's default too, and IMAP's). A 10 MB message
 * of empty parts has 1.4 million: without a limit its BODYSTRUCTURE took half a minute and
 * gigabytes to build. Past the limit, the last part described takes the rest of its multipart body.
 */
export const MAX_PARTS = 10_000;
/** Deeper nesting than this is treated as an opaque leaf by default, so hostile messages cannot exhaust the stack. */
export const MAX_DEPTH = 32;

/** Bounds on the part tree; a reader that needs less (a filter) can ask for less. */
export interface MimeLimits {
  maxParts?: number;
  maxDepth?: number;
  /** Count each part's lines (IMAP's BODYSTRUCTURE needs them); readers of the content can skip the scan. */
  countLines?: boolean;
  /** Keep only the Content-* fields in `fields` (all a reader of the content needs from the tree). */
  contentFieldsOnly?: boolean;
}

interface Walk {
  parts: number;
  maxParts: number;
  maxDepth: number;
  countLines: boolean;
  wanted?: (name: string) => boolean;
}

/** One MIME entity with byte offsets into the message: header start, body start, body end. */
export interface MimeNode {
  hs: number;
  bs: number;
  be: number;
  fields: HeaderField[];
  type: string;
  subtype: string;
  params: [string, string][];
  /** True when the type is not the one the Content-Type header says (absent, unreadable, a multipart without a usable boundary) and the default applied. */
  defaulted: boolean;
  children?: MimeNode[];
  /** The encapsulated message of a message/rfc822 part. */
  message?: MimeNode;
  /**
   * Of a multipart: where its preamble ends (the first delimiter line) and its epilogue starts
   * (after the closing delimiter line; `be` when there is none), for readers of the text around
   * the parts (Sieve's body test).
   */
  outside?: [number, number];
  /** Lines of the body (0 when the parse was asked not to count them). */
  lines: number;
}

/** Parses the MIME structure of a whole message (binary-safe: works on bytes, never decodes). */
export function parseMime(buf: Buffer, limits: MimeLimits = {}): MimeNode {
  return parseEntity(buf, 0, buf.length, false, 0, {
    parts: 0,
    maxParts: limits.maxParts ?? MAX_PARTS,
    maxDepth: limits.maxDepth ?? MAX_DEPTH,
    countLines: limits.countLines ?? true,
    wanted: limits.contentFieldsOnly ? isContentField : undefined,
  });
}

function parseEntity(buf: Buffer, start: number, end: number, inDigest: boolean, depth: number, count: Walk): MimeNode {
  count.parts++;
  const { headerEnd, bodyStart } = splitHeader(buf, start, end);
  const fields = parseHeaderFields(buf, start, headerEnd, count.wanted);
  const ct = headerValue(fields, 'content-type');
  let type = inDigest ? 'message' : 'text';
  let subtype = inDigest ? 'rfc822' : 'plain';
  let params: [string, string][] = inDigest ? [] : [['charset', 'us-ascii']];
  let defaulted = true;
  if (ct) {
    const parsed = parseParameterized(ct);
    const m = /^([^\s/]+)\s*\/\s*([^\s;]+)$/.exec(parsed.value);
    if (m) {
      type = m[1];
      subtype = m[2];
      params = parsed.params;
      defaulted = false;
    }
  }
  const node: MimeNode = { hs: start, bs: bodyStart, be: end, fields, type, subtype, params, defaulted, lines: count.countLines ? countLines(buf, bodyStart, end) : 0 };
  const lowerType = type.toLowerCase();
  if (depth >= count.maxDepth) return node;
  if (lowerType === 'multipart') {
    const boundary = params.find(([k]) => k.toLowerCase() === 'boundary')?.[1];
    const room = count.maxParts - count.parts;
    const split = boundary && room > 0 ? splitMultipart(buf, bodyStart, end, boundary, room) : undefined;
    const ranges = split?.ranges ?? [];
    if (!split || ranges.length === 0) {
      // No usable boundary: present it as a plain text body, as BODYSTRUCTURE needs at least one part.
      node.type = 'text';
      node.subtype = 'plain';
      node.params = [['charset', 'us-ascii']];
      node.defaulted = true;
      return node;
    }
    const digest = subtype.toLowerCase() === 'digest';
    node.outside = [split.preambleEnd, split.epilogueStart];
    node.children = ranges.map(([s, e]) => parseEntity(buf, s, e, digest, depth + 1, count));
  } else if (lowerType === 'message' && ['rfc822', 'global'].includes(subtype.toLowerCase())) {
    const encoding = (headerValue(fields, 'content-transfer-encoding') ?? '7bit').toLowerCase();
    if (['7bit', '8bit', 'binary'].includes(encoding) && count.parts < count.maxParts) node.message = parseEntity(buf, bodyStart, end, false, depth + 1, count);
  }
  return node;
}

const isContentField = (name: string): boolean => name.startsWith('content-');

function countLines(buf: Buffer, start: number, end: number): number {
  let n = 0;
  let i = buf.indexOf(LF, start);
  while (i >= 0 && i < end) {
    n++;
    i = buf.indexOf(LF, i + 1);
  }
  return n;
}

interface MultipartSplit {
  ranges: [number, number][];
  preambleEnd: number;
  epilogueStart: number;
}

/**
 * Byte ranges of the parts of a multipart body (the CRLF before each delimiter belongs to the
 * delimiter), at most `max` of them: the last one then runs to the end of the body.
 */
function splitMultipart(buf: Buffer, start: number, end: number, boundary: string, max: number): MultipartSplit {
  const delim = Buffer.from('--' + boundary, 'latin1');
  const ranges: [number, number][] = [];
  let preambleEnd = end;
  let partStart = -1;
  let idx = buf.indexOf(delim, start);
  while (idx >= 0 && idx + delim.length <= end) {
    const atLineStart = idx === start || buf[idx - 1] === LF;
    const after = idx + delim.length;
    const isClose = buf[after] === 0x2d && buf[after + 1] === 0x2d && after + 2 <= end;
    const next = buf[after];
    const valid = atLineStart && (isClose || after === end || next === CR || next === LF || next === 0x20 || next === 0x09);
    if (valid) {
      if (partStart >= 0 && ranges.length === max - 1) break;
      if (partStart < 0) preambleEnd = idx;
      if (partStart >= 0) {
        let partEnd = idx;
        if (buf[partEnd - 1] === LF) partEnd--;
        if (buf[partEnd - 1] === CR) partEnd--;
        ranges.push([partStart, Math.max(partStart, partEnd)]);
      }
      const nl = buf.indexOf(LF, after);
      const nextLine = nl < 0 || nl >= end ? end : nl + 1;
      if (isClose) return { ranges, preambleEnd, epilogueStart: nextLine };
      partStart = nextLine;
    }
    idx = buf.indexOf(delim, idx + 1);
  }
  if (partStart >= 0) ranges.push([partStart, end]);
  return { ranges, preambleEnd, epilogueStart: end };
}
