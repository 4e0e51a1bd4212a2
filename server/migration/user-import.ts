import type { Db } from '../db/database';
import type { Directory } from '../directory/directory';
import { hashPassword, isPasswordHash } from '../directory/passwords';
import { DirectoryError, type User } from '../directory/types';
import type { MailStore } from '../store/store';
import { parseCsv } from './csv';

/** One change an import makes (or, in a dry run, would make). */
export const IMPORT_KINDS = ['user', 'alias', 'domain'] as const;
export const IMPORT_ACTIONS = ['create', 'update', 'unchanged'] as const;

export interface ImportChange {
  line: number;
  kind: (typeof IMPORT_KINDS)[number];
  name: string;
  action: (typeof IMPORT_ACTIONS)[number];
  /** What changes, for updates: "fullName, quotaMb". */
  detail?: string;
}

export interface ImportReport {
  dryRun: boolean;
  /** True when the changes were made: not a dry run and no line had an error. */
  applied: boolean;
  changes: ImportChange[];
  errors: { line: number; message: string }[];
}

export interface DirectoryImportContext {
  db: Db;
  directory: Directory;
  store: MailStore;
}

/** The columns a users CSV may have; the first line names them, in any order. */
export const USER_COLUMNS = ['address', 'name', 'password', 'passwordHash', 'quotaMb', 'aliases', 'forwardTo'] as const;
type Column = (typeof USER_COLUMNS)[number];

/** Thrown inside the transaction to undo it: a dry run, or a line with an error. */
class Rollback extends Error {}

interface UserLine {
  line: number;
  shortName: string;
  fullName?: string;
  password?: string;
  passwordHash?: string;
  quotaMb?: number;
  names: string[];
  forwardTo?: string[];
}

/**
 * Users from CSV (columns in USER_COLUMNS): a new address creates a user (with a password
 * or a hash from another Pillarbox), a known one updates the columns given. All in one
 * transaction: any line in error, and nothing is changed; a dry run reports and changes nothing.
 */
export async function importUsersCsv(ctx: DirectoryImportContext, text: string, dryRun: boolean): Promise<ImportReport> {
  const report: ImportReport = { dryRun, applied: false, changes: [], errors: [] };
  let records: { line: number; fields: string[] }[];
  try {
    records = parseCsv(text);
  } catch (err) {
    report.errors.push({ line: Number(/line (\d+)/.exec(String(err))?.[1] ?? 1), message: (err as Error).message });
    return report;
  }
  if (records.length === 0) {
    report.errors.push({ line: 1, message: `the file is empty; its first line names the columns (${USER_COLUMNS.join(', ')})` });
    return report;
  }
  const header = records[0].fields.map((f) => f.trim());
  const columns = new Map<Column, number>();
  for (const [i, name] of header.entries()) {
    const column = USER_COLUMNS.find((c) => c.toLowerCase() === name.toLowerCase());
    if (!column) report.errors.push({ line: records[0].line, message: `unknown column "${name}" (known: ${USER_COLUMNS.join(', ')})` });
    else columns.set(column, i);
  }
  if (!columns.has('address')) report.errors.push({ line: records[0].line, message: 'the column "address" is missing' });
  if (report.errors.length) return report;
  const lines: UserLine[] = [];
  for (const r of records.slice(1)) {
    const get = (c: Column) => (columns.has(c) ? (r.fields[columns.get(c)!] ?? '').trim() : undefined);
    try {
      lines.push(readUserLine(ctx.directory, r.line, get));
    } catch (err) {
      report.errors.push({ line: r.line, message: (err as Error).message });
    }
  }
  // Hashing is the slow part: done before the transaction (not at all in a dry run).
  const hashes = new Map<UserLine, string>();
  if (!dryRun) for (const l of lines) if (l.password !== undefined) hashes.set(l, await hashPassword(l.password));
  applyAtomically(ctx, report, () => {
    for (const l of lines) {
      try {
        report.changes.push(applyUserLine(ctx, l, l.passwordHash ?? hashes.get(l)));
      } catch (err) {
        if (!(err instanceof DirectoryError)) throw err;
        report.errors.push({ line: l.line, message: err.message });
      }
    }
  });
  return report;
}

function readUserLine(directory: Directory, line: number, get: (c: Column) => string | undefined): UserLine {
  const address = get('address') ?? '';
  if (!address) throw new Error('the address is empty');
  let shortName = address;
  const names: string[] = [];
  if (address.includes('@')) {
    const at = address.lastIndexOf('@');
    const domain = address.slice(at + 1).toLowerCase();
    const kind = directory.domainKind(domain);
    if (!kind) throw new Error(`${domain} is not one of this server's domains; add it first (createDomain)`);
    shortName = address.slice(0, at);
    if (kind === 'virtual-host') names.push(address);
  }
  const quota = get('quotaMb');
  const password = get('password') || undefined;
  const passwordHash = get('passwordHash') || undefined;
  if (password !== undefined && passwordHash !== undefined) throw new Error('give a password or a passwordHash, not both');
  if (passwordHash !== undefined && !isPasswordHash(passwordHash)) throw new Error('passwordHash must be this server\'s ($scrypt$…) or SHA-crypt ($6$…, $5$…, {SHA512-CRYPT}…); for other schemes give the password instead');
  if (password !== undefined && password.length < 8) throw new Error('passwords need at least 8 characters');
  const quotaMb = quota ? Number(quota) : undefined;
  if (quotaMb !== undefined && (!Number.isSafeInteger(quotaMb) || quotaMb < 0)) throw new Error(`quotaMb "${quota}" is not a whole number of megabytes (0 = unlimited)`);
  const list = (v: string | undefined) => (v === undefined ? undefined : v.split(/[\s,;]+/).filter(Boolean));
  return { line, shortName, fullName: get('name') || undefined, password, passwordHash, quotaMb, names: [...names, ...(list(get('aliases')) ?? [])], forwardTo: list(get('forwardTo')) };
}

function applyUserLine(ctx: DirectoryImportContext, l: UserLine, hash: string | undefined): ImportChange {
  const existing = ctx.directory.userByName(l.shortName);
  const change = (action: ImportChange['action'], detail?: string): ImportChange => ({ line: l.line, kind: 'user', name: l.shortName, action, ...(detail ? { detail } : {}) });
  if (!existing) {
    if (!l.password && !l.passwordHash) throw new DirectoryError('PASSWORD_MISSING', `${l.shortName} is a new user: give a password or a passwordHash`);
    // In a dry run the password is not hashed; a stand-in hash lets every other check run.
    const user = ctx.directory.createUserWithHash({ shortName: l.shortName, fullName: l.fullName, quotaMb: l.quotaMb, names: l.names, forwardTo: l.forwardTo }, hash ?? DRY_RUN_HASH);
    ctx.store.ensureDefaultMailboxes(user.id);
    return change('create');
  }
  const patch: Parameters<Directory['updateUserWithHash']>[1] = {};
  if (l.fullName !== undefined && l.fullName !== existing.fullName) patch.fullName = l.fullName;
  if (l.quotaMb !== undefined && l.quotaMb !== existing.quotaMb) patch.quotaMb = l.quotaMb;
  const names = [...new Set([...existing.names, ...l.names])];
  if (names.length !== existing.names.length) patch.names = names;
  if (l.forwardTo !== undefined && l.forwardTo.join() !== existing.forwardTo.join()) patch.forwardTo = l.forwardTo;
  const changed: string[] = Object.keys(patch).map((k) => (k === 'fullName' ? 'name' : k === 'names' ? 'aliases' : k));
  if (l.password !== undefined || l.passwordHash !== undefined) changed.push('password');
  if (!changed.length) return change('unchanged');
  ctx.directory.updateUserWithHash(existing.id, patch, l.password !== undefined || l.passwordHash !== undefined ? { hash: hash ?? DRY_RUN_HASH, secret: null } : undefined);
  return change('update', changed.join(', '));
}

const DRY_RUN_HASH = '$scrypt$N=16384,r=8,p=1$AAAA$AAAA';

/** Runs `apply` in one transaction, kept only when this is no dry run and no line had an error. */
function applyAtomically(ctx: DirectoryImportContext, report: ImportReport, apply: () => void): void {
  try {
    ctx.db.transaction(() => {
      apply();
      if (report.dryRun || report.errors.length) throw new Rollback();
    })();
    report.applied = true;
  } catch (err) {
    if (!(err instanceof Rollback)) throw err;
  }
  if (!report.applied && report.errors.length && !report.dryRun) report.changes = [];
}

/**
 * Aliases from a Postfix virtual(5) map: "alias@domain target, target" per line (targets
 * separated by commas or spaces), "#" comments, continuation lines starting with white
 * space. A line with a domain alone declares a virtual alias domain (added if new). An
 * existing alias gets the new targets. All lines or none, as importUsersCsv.
 */
export function importVirtualMap(ctx: DirectoryImportContext, text: string, dryRun: boolean): ImportReport {
  const report: ImportReport = { dryRun, applied: false, changes: [], errors: [] };
  const entries: { line: number; key: string; targets: string[] }[] = [];
  const physical = text.split(/\r?\n/);
  for (let i = 0; i < physical.length; i++) {
    const first = i + 1;
    let logical = physical[i];
    while (i + 1 < physical.length && /^[ \t]+\S/.test(physical[i + 1]) && !/^\s*#/.test(physical[i + 1])) logical += ' ' + physical[++i].trim();
    const content = logical.trim();
    if (!content || content.startsWith('#')) continue;
    const m = /^(\S+)\s+(.+)$/.exec(content);
    if (!m) {
      report.errors.push({ line: first, message: `"${content}" has no target: write "alias@domain target, target"` });
      continue;
    }
    entries.push({ line: first, key: m[1], targets: m[2].split(/[\s,]+/).filter(Boolean) });
  }
  applyAtomically(ctx, report, () => {
    for (const e of entries) {
      try {
        report.changes.push(applyVirtualEntry(ctx.directory, e));
      } catch (err) {
        if (!(err instanceof DirectoryError)) throw err;
        report.errors.push({ line: e.line, message: err.message });
      }
    }
  });
  return report;
}

function applyVirtualEntry(directory: Directory, e: { line: number; key: string; targets: string[] }): ImportChange {
  if (!e.key.includes('@')) {
    const exists = directory.domainKind(e.key) !== undefined;
    if (!exists) directory.addDomain(e.key, 'virtual-domain');
    return { line: e.line, kind: 'domain', name: e.key.toLowerCase(), action: exists ? 'unchanged' : 'create' };
  }
  const at = e.key.lastIndexOf('@');
  if (at === 0) throw new DirectoryError('NOT_SUPPORTED', `catch-all addresses (${e.key}) are not supported: list each address`);
  const domain = e.key.slice(at + 1);
  if (!directory.domainKind(domain)) throw new DirectoryError('UNKNOWN_DOMAIN', `${domain} is not one of this server's domains; declare it on a line of its own or add it first`);
  const existing = directory.alias(e.key);
  if (existing) {
    if (existing.targets.join() === e.targets.join()) return { line: e.line, kind: 'alias', name: e.key, action: 'unchanged' };
    directory.updateAlias(existing.alias, e.targets);
    return { line: e.line, kind: 'alias', name: e.key, action: 'update', detail: 'targets' };
  }
  const user: User | undefined = directory.userByName(e.key);
  if (user && e.targets.length === 1 && e.targets[0].toLowerCase() === user.shortName.toLowerCase()) return { line: e.line, kind: 'alias', name: e.key, action: 'unchanged', detail: `already an address of ${user.shortName}` };
  directory.createAlias(e.key, e.targets);
  return { line: e.line, kind: 'alias', name: e.key, action: 'create' };
}
