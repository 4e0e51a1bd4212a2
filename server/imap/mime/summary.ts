import type { MailStore } from '../../store/store';
import type { MessageMeta } from '../../store/types';
import { type MimeNode, parseMime } from '../../mail/mime/tree';
import { bodyStructure, envelope } from './structure';

/** Byte offsets of one MIME entity: header start, body start, body end; children or encapsulated message. */
export interface PartOffsets {
  h: number;
  b: number;
  e: number;
  c?: PartOffsets[];
  m?: PartOffsets;
}

/** What FETCH needs without reading the message again; cached in the store per message. */
export interface MessageSummary {
  v: number;
  /** Wire strings (latin1), ready to send. */
  envelope: string;
  body: string;
  bodystructure: string;
  tree: PartOffsets;
  /**
   * The top-level header block (latin1) when it is small: HEADER, HEADER.FIELDS and
   * RFC822.HEADER, which clients ask for in every message list, are answered without
   * opening the file.
   */
  header?: string;
}

const VERSION = 2;
/** Header blocks up to this size are kept in the summary. */
const HEADER_CACHE_MAX = 8 * 1024;

function offsets(node: MimeNode): PartOffsets {
  const o: PartOffsets = { h: node.hs, b: node.bs, e: node.be };
  if (node.children) o.c = node.children.map(offsets);
  if (node.message) o.m = offsets(node.message);
  return o;
}

export function summarize(buf: Buffer): MessageSummary {
  const root = parseMime(buf);
  const summary: MessageSummary = {
    v: VERSION,
    envelope: envelope(root.fields),
    body: bodyStructure(root, false),
    bodystructure: bodyStructure(root, true),
    tree: offsets(root),
  };
  if (root.bs - root.hs <= HEADER_CACHE_MAX) summary.header = buf.toString('latin1', root.hs, root.bs);
  return summary;
}

/** The summary of a message being stored, as the store keeps it. */
export function summaryJson(buf: Buffer): string {
  return JSON.stringify(summarize(buf));
}

function parseSummary(text: string | null | undefined): MessageSummary | undefined {
  if (!text) return undefined;
  try {
    const value = JSON.parse(text) as unknown;
    if (typeof value === 'object' && value !== null && (value as MessageSummary).v === VERSION) return value as MessageSummary;
  } catch {
    // An unreadable cache entry is made again.
  }
  return undefined;
}

/** The cached summary (loaded with the metadata, or looked up), or parse the message once and cache it. */
export async function messageSummary(store: MailStore, meta: MessageMeta): Promise<MessageSummary> {
  const cached = parseSummary(meta.summary !== undefined ? meta.summary : store.summary(meta.id));
  if (cached) return cached;
  const summary = summarize(await store.readMessage(meta));
  try {
    store.saveSummary(meta.id, JSON.stringify(summary));
  } catch {
    // The message may have been expunged meanwhile; the answer is still right for this FETCH.
  }
  return summary;
}
