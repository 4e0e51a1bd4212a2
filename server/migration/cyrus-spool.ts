import fsp from 'node:fs/promises';
import path from 'node:path';
import { CYRUS_SEEN_IN_INDEX, type CyrusHeader, type CyrusIndex, isExpunged, parseCyrusHeader, parseCyrusIndex, recordFlags } from './cyrus-index';
import { parseSeenDatabase, type SeenState } from './cyrus-seen';

/** What a Cyrus folder's own files say about its messages. */
export interface CyrusFolderState {
  /** By UID, for the messages in the index: their flags and internal date. */
  messages: Map<number, { flags: string[]; internalDate?: Date }>;
  /** UIDs the user expunged whose files may still be there (delayed expunge): not copied. */
  expunged: Set<number>;
  /** False when cyrus.index is missing or unreadable: every message file then comes over without flags. */
  indexed: boolean;
  /** True when the index is older than Cyrus 2.4, so \Seen had to come from the seen database. */
  seenFromDatabase: boolean;
  /** What could not be read, for the log (the migration goes on). */
  problems: string[];
}

/** Reads cyrus.header, cyrus.index and (Cyrus 2.3) cyrus.expunge of one folder; never throws for damaged files. */
export async function readCyrusFolder(dir: string, seen: SeenState | undefined): Promise<CyrusFolderState> {
  const state: CyrusFolderState = { messages: new Map(), expunged: new Set(), indexed: false, seenFromDatabase: false, problems: [] };
  const header = await readPart(dir, 'cyrus.header', parseCyrusHeader, state);
  const index = await readPart(dir, 'cyrus.index', parseCyrusIndex, state);
  const expunge = await readPart(dir, 'cyrus.expunge', parseCyrusIndex, state, true);
  for (const record of expunge?.records ?? []) state.expunged.add(record.uid);
  if (!index) return state;
  state.indexed = true;
  if (index.damage) state.problems.push(`cyrus.index: ${index.damage}; the messages after them come over without flags`);
  const userFlags = header?.userFlags ?? [];
  if (!header && index.records.some((r) => r.userFlagBits.length)) state.problems.push('cyrus.header could not be read: keywords do not come over');
  state.seenFromDatabase = index.minorVersion < CYRUS_SEEN_IN_INDEX;
  const seenUids = state.seenFromDatabase && header?.uniqueId ? seen?.get(header.uniqueId) : undefined;
  for (const record of index.records) {
    if (isExpunged(record, index.minorVersion)) {
      state.expunged.add(record.uid);
      continue;
    }
    state.expunged.delete(record.uid);
    state.messages.set(record.uid, { flags: recordFlags(record, index.minorVersion, userFlags, seenUids?.has(record.uid) ?? false), internalDate: record.internalDate });
  }
  return state;
}

async function readPart<T extends CyrusHeader | CyrusIndex>(dir: string, name: string, parse: (data: Buffer) => T, state: CyrusFolderState, optional = false): Promise<T | undefined> {
  let data: Buffer;
  try {
    data = await fsp.readFile(path.join(dir, name));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (!(optional && code === 'ENOENT')) state.problems.push(`${name}: ${code === 'ENOENT' ? 'missing' : `cannot be read (${code ?? String(err)})`}`);
    return undefined;
  }
  try {
    return parse(data);
  } catch (err) {
    state.problems.push(`${name} is damaged: ${(err as Error).message}`);
    return undefined;
  }
}

/**
 * The seen databases an administrator put in the spool's top folder (any "*.seen" file,
 * skiplist or flat), merged; a file that cannot be read is reported and left out.
 */
export async function readSeenFiles(root: string): Promise<{ seen?: SeenState; files: string[]; problems: string[] }> {
  const names = (await fsp.readdir(root).catch(() => [] as string[])).filter((n) => n.endsWith('.seen')).sort();
  const problems: string[] = [];
  const files: string[] = [];
  let seen: SeenState | undefined;
  for (const name of names) {
    try {
      const one = parseSeenDatabase(await fsp.readFile(path.join(root, name)));
      seen = new Map([...(seen ?? []), ...one]);
      files.push(name);
    } catch (err) {
      problems.push(`${name} is not a Cyrus seen database (${(err as Error).message}); left out`);
    }
  }
  return { seen, files, problems };
}

/** A Cyrus message file to copy, with what the index says of it. */
export interface CyrusMessageFile {
  file: string;
  /** The file name ("12."): the ledger's key, the same in every run. */
  key: string;
  flags: string[];
  internalDate?: Date;
}

/**
 * The message files "<uid>." of a Cyrus folder in UID order, with their flags and internal
 * dates from the index; expunged ones left out. `notes` says what the log should (files the
 * index does not know, a damaged index); `needsSeen` that \Seen was in a seen database not given.
 */
export async function cyrusMessageFiles(dir: string, seen: SeenState | undefined): Promise<{ files: CyrusMessageFile[]; notes: string[]; needsSeen: boolean }> {
  const names = (await fsp.readdir(dir)).filter((n) => /^\d+\.$/.test(n));
  const uids = names.map((n) => parseInt(n, 10)).sort((a, b) => a - b);
  const state = await readCyrusFolder(dir, seen);
  const notes = [...state.problems];
  const files: CyrusMessageFile[] = [];
  const unknown: number[] = [];
  let expunged = 0;
  for (const uid of uids) {
    const known = state.messages.get(uid);
    if (!known && state.expunged.has(uid)) {
      expunged++;
      continue;
    }
    if (!known) unknown.push(uid);
    files.push({ file: path.join(dir, `${uid}.`), key: `${uid}.`, flags: known?.flags ?? [], internalDate: known?.internalDate });
  }
  if (unknown.length && state.indexed) notes.push(`${unknown.length} message file(s) not in cyrus.index come over without flags (UIDs ${unknown.slice(0, 10).join(', ')}${unknown.length > 10 ? ', …' : ''})`);
  if (!state.indexed && uids.length) notes.push(`no readable cyrus.index: ${uids.length} message file(s) come over without flags`);
  if (expunged) notes.push(`${expunged} expunged message file(s) left out (Cyrus's delayed expunge keeps them until cyr_expire)`);
  return { files, notes, needsSeen: state.seenFromDatabase && !seen };
}
