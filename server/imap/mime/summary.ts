import type { MailStore } from '../../store/store';
import type { MessageMeta } from '../../store/types';
import { type MimeNode, parseMime } from './mime-tree';
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
}

const VERSION = 1;

function offsets(node: MimeNode): PartOffsets {
  const o: PartOffsets = { h: node.hs, b: node.bs, e: node.be };
  if (node.children) o.c = node.children.map(offsets);
  if (node.message) o.m = offsets(node.message);
  return o;
}

export function summarize(buf: Buffer): MessageSummary {
  const root = parseMime(buf);
  return {
    v: VERSION,
    envelope: envelope(root.fields),
    body: bodyStructure(root, false),
    bodystructure: bodyStructure(root, true),
    tree: offsets(root),
  };
}

function isSummary(value: unknown): value is MessageSummary {
  return typeof value === 'object' && value !== null && (value as MessageSummary).v === VERSION;
}

/** The cached summary, or parse the message once and cache it. */
export async function messageSummary(store: MailStore, meta: MessageMeta): Promise<MessageSummary> {
  const cached = store.summary(meta.id);
  if (isSummary(cached)) return cached;
  const summary = summarize(await store.readMessage(meta));
  try {
    store.saveSummary(meta.id, summary);
  } catch {
    // The message may have been expunged meanwhile; the answer is still right for this FETCH.
  }
  return summary;
}
