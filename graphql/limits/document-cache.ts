/** Entries kept at most, and their keys' characters together: a caller sending endless new texts only evicts. */
const MAX_ENTRIES = 256;
const MAX_CHARS = 1024 * 1024;

/**
 * What was worked out from a query text (its parsed document, its validation), by key (the text
 * and whatever else decided it), the least recently used dropped first. What it holds depends on
 * the text alone, never on who sent it, so callers sharing it learn nothing of each other.
 */
export class DocumentCache<T> {
  private readonly entries = new Map<string, T>();
  private chars = 0;

  get(key: string): T | undefined {
    const found = this.entries.get(key);
    if (found !== undefined) {
      // Most recently used last.
      this.entries.delete(key);
      this.entries.set(key, found);
    }
    return found;
  }

  set(key: string, value: T): void {
    if (key.length > MAX_CHARS / 16) return;
    if (this.entries.delete(key)) this.chars -= key.length;
    this.entries.set(key, value);
    this.chars += key.length;
    while (this.entries.size > MAX_ENTRIES || this.chars > MAX_CHARS) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
      this.chars -= oldest.length;
    }
  }
}
