import fsp, { type FileHandle } from 'node:fs/promises';

/** Open handles kept at most, so sessions that never send a command cannot exhaust descriptors. */
const MAX_RETAINED = 512;

interface Retained {
  handle: Promise<FileHandle | undefined>;
  refs: number;
}

/**
 * Message files that were expunged while sessions still show them (RFC 2180 section 4.1.2).
 * The file is opened before it is unlinked, so its name is gone at once (a crash leaves no
 * orphan file behind) while the sessions can still read it through the open handle. The
 * handle is closed when the last session that shows the message has been told of the expunge.
 */
export class RetainedFiles {
  private readonly files = new Map<string, Retained>();

  /** Starts keeping `file`; false when too many are kept already (the message is then gone for FETCH). */
  retain(file: string): boolean {
    const kept = this.files.get(file);
    if (kept) {
      kept.refs++;
      return true;
    }
    if (this.files.size >= MAX_RETAINED) return false;
    this.files.set(file, { handle: fsp.open(file, 'r').catch(() => undefined), refs: 1 });
    return true;
  }

  release(file: string): void {
    const kept = this.files.get(file);
    if (!kept || --kept.refs > 0) return;
    this.files.delete(file);
    void kept.handle.then((h) => h?.close().catch(() => undefined));
  }

  /** The open handle of a kept file; undefined when the file is not kept (or could not be opened). */
  handle(file: string): Promise<FileHandle | undefined> | undefined {
    return this.files.get(file)?.handle;
  }

  /** Waits until the handles of these files are open, so unlinking them cannot race the open. */
  async opened(files: string[]): Promise<void> {
    await Promise.all(files.map((f) => this.files.get(f)?.handle));
  }

  get size(): number {
    return this.files.size;
  }
}
