import fs from 'node:fs';
import type { AppendItem } from '../store/store';
import type { DeliveryTarget, LocalMessage } from './types';

/** What one target's copy is made of: header lines on top, then the rewritten message or the spool file. */
export interface CopyContent {
  headers: string;
  replacement: Buffer | undefined;
}

export function contentOf(message: LocalMessage, target: DeliveryTarget): CopyContent {
  const headers = (target.addedHeaders ?? message.addedHeaders).join('');
  const replacement = target.replacement === undefined ? message.replacement : (target.replacement ?? undefined);
  return { headers, replacement };
}

/**
 * One value per distinct copy of a message: targets whose copies read the same share it. Few
 * variants (the server's, and one per user whose own verdict reads differently), so a list.
 */
export class ByContent<T> {
  private readonly seen: { content: CopyContent; value: T }[] = [];

  constructor(private readonly message: LocalMessage) {}

  get(target: DeliveryTarget, make: (content: CopyContent) => T): T {
    const content = contentOf(this.message, target);
    const found = this.seen.find((s) => s.content.headers === content.headers && s.content.replacement === content.replacement);
    if (found) return found.value;
    const value = make(content);
    this.seen.push({ content, value });
    return value;
  }
}

/**
 * The store's source for a target's copy. The spool file itself (hard-linked) when nothing is
 * added; else one `parts` object per distinct content, which the store writes once and links
 * to every mailbox that shares it, so the body is not copied per recipient.
 */
export function copySources(message: LocalMessage): (target: DeliveryTarget) => AppendItem['source'] {
  const { entry } = message;
  const sources = new ByContent<AppendItem['source']>(message);
  return (target) =>
    sources.get(target, ({ headers, replacement }) => {
      if (!headers && !replacement) return { file: entry.file, size: entry.size };
      const extra = headers ? [Buffer.from(headers, 'utf8')] : [];
      return { parts: [...extra, replacement ?? fs.createReadStream(entry.file)] };
    });
}
