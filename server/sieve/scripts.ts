import type { Settings } from '../config/settings-schema';
import type { Db } from '../db/database';
import { DEFAULT_SIEVE_LIMITS, type SieveError, type VacationMemory } from './index';
import { SievePool } from './sieve-pool';

/** Why a script operation was refused; codes are RFC 5804 response codes where one fits. */
export type SieveScriptErrorCode = 'NONEXISTENT' | 'ALREADYEXISTS' | 'ACTIVE' | 'QUOTA/MAXSCRIPTS' | 'QUOTA/MAXSIZE' | 'INVALID' | 'BADNAME';

export class SieveScriptError extends Error {
  constructor(
    readonly code: SieveScriptErrorCode,
    message: string,
    /** For INVALID: every problem, with line and column. */
    readonly errors: SieveError[] = [],
  ) {
    super(message);
  }
}

export interface SieveScriptInfo {
  name: string;
  active: boolean;
  /** Bytes of UTF-8. */
  size: number;
  updatedAt: Date;
}

export interface StoredSieveScript extends SieveScriptInfo {
  content: string;
}

interface ScriptRow {
  name: string;
  content: string;
  active: number;
  updated_at: string;
}

const MAX_NAME_LENGTH = 255;

/** RFC 5804 section 1.6: no control characters, no line or paragraph separators. */
export function checkScriptName(name: string): void {
  if (name.length === 0 || [...name].length > MAX_NAME_LENGTH) {
    throw new SieveScriptError('BADNAME', `a script name has 1 to ${MAX_NAME_LENGTH} characters`);
  }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(name)) {
    throw new SieveScriptError('BADNAME', 'a script name cannot contain control characters or line breaks');
  }
}

const info = (r: ScriptRow): StoredSieveScript => ({
  name: r.name,
  content: r.content,
  active: r.active === 1,
  size: Buffer.byteLength(r.content),
  updatedAt: new Date(r.updated_at),
});

/**
 * Every user's Sieve scripts (ManageSieve and GraphQL write them, delivery runs the active one),
 * the global scripts `include :global` reads, and the vacation reply memory. Scripts are checked
 * (compiled, includes resolved) before they are stored. Compiling and running scripts happens in
 * the worker threads of `pool`, never on the main thread.
 */
export class SieveScripts {
  constructor(
    private readonly db: Db,
    private readonly settings: () => Readonly<Settings>,
    readonly pool: SievePool = new SievePool(),
  ) {}

  /** Stops the pool's worker threads. */
  close(): Promise<void> {
    return this.pool.close();
  }

  limits(): { maxScripts: number; maxStorage: number; maxScriptSize: number; maxRedirects: number } {
    const s = this.settings();
    return {
      maxScripts: s.sieveMaxScriptsPerUser,
      maxStorage: s.sieveMaxStoragePerUserKb * 1024,
      maxScriptSize: DEFAULT_SIEVE_LIMITS.maxScriptSize,
      maxRedirects: DEFAULT_SIEVE_LIMITS.maxRedirects,
    };
  }

  list(userId: number): SieveScriptInfo[] {
    const rows = this.db.prepare('SELECT * FROM sieve_scripts WHERE user_id = ? ORDER BY name').all(userId) as ScriptRow[];
    return rows.map((r) => {
      const { content: _content, ...rest } = info(r);
      void _content;
      return rest;
    });
  }

  get(userId: number, name: string): StoredSieveScript | undefined {
    const row = this.db.prepare('SELECT * FROM sieve_scripts WHERE user_id = ? AND name = ?').get(userId, name) as ScriptRow | undefined;
    return row && info(row);
  }

  activeName(userId: number): string | undefined {
    const row = this.db.prepare('SELECT name FROM sieve_scripts WHERE user_id = ? AND active = 1').get(userId) as { name: string } | undefined;
    return row?.name;
  }

  /** RFC 5804 HAVESPACE: throws QUOTA/… when storing `size` bytes under `name` would go over a limit. */
  haveSpace(userId: number, name: string, size: number): void {
    const l = this.limits();
    if (size > l.maxScriptSize) throw new SieveScriptError('QUOTA/MAXSIZE', `a script can be at most ${l.maxScriptSize} bytes`);
    const scripts = this.list(userId);
    const others = scripts.filter((s) => s.name !== name);
    if (others.length + 1 > l.maxScripts) {
      throw new SieveScriptError('QUOTA/MAXSCRIPTS', `you can store at most ${l.maxScripts} scripts`);
    }
    const used = others.reduce((n, s) => n + s.size, 0);
    if (used + size > l.maxStorage) {
      throw new SieveScriptError('QUOTA/MAXSIZE', `your scripts can take at most ${l.maxStorage} bytes together (${used} used)`);
    }
  }

  /** Compiles a script and checks its includes (in a worker thread); returns the problems (empty when it is valid) and warnings. */
  async check(userId: number, content: string, name = 'script'): Promise<{ errors: SieveError[]; warnings: SieveError[] }> {
    // Problems in the script itself carry no script name; those in included scripts name them.
    const own = (e: SieveError): SieveError => (e.script === name ? { line: e.line, column: e.column, message: e.message } : e);
    const { errors, warnings } = await this.pool.check(content, name, { loadInclude: this.includeLoader(userId, name, content) });
    return { errors: errors.map(own), warnings: warnings.map(own) };
  }

  /** Stores (or replaces) a script after checking it; returns compiler warnings. */
  async put(userId: number, name: string, content: string, opts: { activate?: boolean } = {}): Promise<{ warnings: SieveError[] }> {
    checkScriptName(name);
    this.haveSpace(userId, name, Buffer.byteLength(content));
    const { errors, warnings } = await this.check(userId, content, name);
    if (errors.length > 0) {
      const e = errors[0];
      throw new SieveScriptError('INVALID', `${e.script ? `${e.script}: ` : ''}line ${e.line}, column ${e.column}: ${e.message}`, errors);
    }
    this.db.transaction(() => {
      this.db
        .prepare(
          `INSERT INTO sieve_scripts (user_id, name, content, active, updated_at) VALUES (?, ?, ?, 0, ?)
           ON CONFLICT (user_id, name) DO UPDATE SET content = excluded.content, updated_at = excluded.updated_at`,
        )
        .run(userId, name, content, new Date().toISOString());
      if (opts.activate) this.activate(userId, name);
    })();
    return { warnings };
  }

  /** Makes `name` the active script, or none when name is null or "" (RFC 5804 SETACTIVE ""). */
  setActive(userId: number, name: string | null): void {
    this.db.transaction(() => this.activate(userId, name))();
  }

  private activate(userId: number, name: string | null): void {
    if (name && !this.get(userId, name)) throw new SieveScriptError('NONEXISTENT', `there is no script "${name}"`);
    this.db.prepare('UPDATE sieve_scripts SET active = 0 WHERE user_id = ? AND active = 1').run(userId);
    if (name) this.db.prepare('UPDATE sieve_scripts SET active = 1 WHERE user_id = ? AND name = ?').run(userId, name);
  }

  /** Deletes a script; the active one cannot be deleted (RFC 5804 2.10). */
  delete(userId: number, name: string): void {
    const s = this.get(userId, name);
    if (!s) throw new SieveScriptError('NONEXISTENT', `there is no script "${name}"`);
    if (s.active) throw new SieveScriptError('ACTIVE', `"${name}" is the active script; deactivate it first`);
    this.db.prepare('DELETE FROM sieve_scripts WHERE user_id = ? AND name = ?').run(userId, name);
  }

  rename(userId: number, from: string, to: string): void {
    checkScriptName(to);
    if (!this.get(userId, from)) throw new SieveScriptError('NONEXISTENT', `there is no script "${from}"`);
    if (from === to) return;
    if (this.get(userId, to)) throw new SieveScriptError('ALREADYEXISTS', `a script "${to}" exists already`);
    this.db.prepare('UPDATE sieve_scripts SET name = ?, updated_at = ? WHERE user_id = ? AND name = ?').run(to, new Date().toISOString(), userId, from);
  }

  /** The user's active script, as stored (delivery compiles and runs it in a worker thread). */
  activeSource(userId: number): { name: string; source: string } | undefined {
    const row = this.db.prepare('SELECT name, content FROM sieve_scripts WHERE user_id = ? AND active = 1').get(userId) as
      | Pick<ScriptRow, 'name' | 'content'>
      | undefined;
    return row && { name: row.name, source: row.content };
  }

  /**
   * Resolves `include`: :personal reads the same user's scripts, :global the global table. While
   * checking a script that is being stored, `pending` stands in for its not yet stored content.
   */
  includeLoader(userId: number, pendingName?: string, pendingContent?: string): (name: string, scope: 'personal' | 'global') => string | undefined {
    return (name, scope) => {
      if (scope === 'global') return this.getGlobal(name)?.content;
      if (pendingName !== undefined && name === pendingName) return pendingContent;
      return this.get(userId, name)?.content;
    };
  }

  // ---- global scripts ---------------------------------------------------------------------

  listGlobal(): SieveScriptInfo[] {
    const rows = this.db.prepare('SELECT name, content, 0 AS active, updated_at FROM sieve_global_scripts ORDER BY name').all() as ScriptRow[];
    return rows.map((r) => ({ name: r.name, active: false, size: Buffer.byteLength(r.content), updatedAt: new Date(r.updated_at) }));
  }

  getGlobal(name: string): StoredSieveScript | undefined {
    const row = this.db.prepare('SELECT name, content, 0 AS active, updated_at FROM sieve_global_scripts WHERE name = ?').get(name) as ScriptRow | undefined;
    return row && info(row);
  }

  /** Stores a global script after compiling it (in a worker thread). */
  async putGlobal(name: string, content: string): Promise<void> {
    checkScriptName(name);
    const { errors } = await this.pool.check(content, name);
    if (errors.length) {
      const e = errors[0];
      throw new SieveScriptError('INVALID', `line ${e.line}, column ${e.column}: ${e.message}`, errors);
    }
    this.db
      .prepare(
        `INSERT INTO sieve_global_scripts (name, content, updated_at) VALUES (?, ?, ?)
         ON CONFLICT (name) DO UPDATE SET content = excluded.content, updated_at = excluded.updated_at`,
      )
      .run(name, content, new Date().toISOString());
  }

  deleteGlobal(name: string): boolean {
    return this.db.prepare('DELETE FROM sieve_global_scripts WHERE name = ?').run(name).changes > 0;
  }

  // ---- vacation memory --------------------------------------------------------------------

  /** The per-user :days/:seconds memory; answering true records the reply (it is about to be sent). */
  vacationMemory(userId: number, now: () => number = Date.now): VacationMemory {
    return {
      shouldReply: (handle, sender, periodSeconds) => {
        const key = sender.toLowerCase();
        const row = this.db
          .prepare('SELECT replied_at FROM sieve_vacation WHERE user_id = ? AND handle = ? AND sender = ?')
          .get(userId, handle, key) as { replied_at: number } | undefined;
        const t = now();
        if (row && t - row.replied_at < periodSeconds * 1000) return false;
        this.db
          .prepare(
            `INSERT INTO sieve_vacation (user_id, handle, sender, replied_at) VALUES (?, ?, ?, ?)
             ON CONFLICT (user_id, handle, sender) DO UPDATE SET replied_at = excluded.replied_at`,
          )
          .run(userId, handle, key, t);
        return true;
      },
    };
  }

  /** Forgets replies older than `maxAgeSeconds` (longer than any :days allows is safe: 365 days). */
  pruneVacationMemory(maxAgeSeconds = 365 * 86400): number {
    return this.db.prepare('DELETE FROM sieve_vacation WHERE replied_at < ?').run(Date.now() - maxAgeSeconds * 1000).changes;
  }
}
