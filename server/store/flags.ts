import type { FlagMode } from './types';

export const SEEN = '\\Seen';
export const isSeen = (f: string) => f.toLowerCase() === '\\seen';


const SYSTEM_FLAGS = new Map(['\\seen', '\\answered', '\\flagged', '\\deleted', '\\draft', '\\recent'].map((f) => [f, '\\' + f[1].toUpperCase() + f.slice(2)]));

export function normalizeFlags(flags: string[]): string[] {
  const out: string[] = [];
  for (const f of flags) {
    const n = f.startsWith('\\') ? SYSTEM_FLAGS.get(f.toLowerCase()) ?? f : f;
    if (n === '\\Recent') continue;
    if (!out.some((o) => o.toLowerCase() === n.toLowerCase())) out.push(n);
  }
  return out;
}

export function applyFlags(current: string[], mode: FlagMode, flags: string[]): string[] {
  if (mode === 'replace') return flags;
  const lower = new Set(flags.map((f) => f.toLowerCase()));
  if (mode === 'remove') return current.filter((f) => !lower.has(f.toLowerCase()));
  return [...current, ...flags.filter((f) => !current.some((c) => c.toLowerCase() === f.toLowerCase()))];
}

export function sameFlags(a: string[], b: string[]): boolean {
  if (a.length !== b.length) return false;
  const set = new Set(a.map((f) => f.toLowerCase()));
  return b.every((f) => set.has(f.toLowerCase()));
}

/** Flags with \\Seen added when the viewer has seen the message (public folders keep \\Seen per user). */
export function withSeen(flags: string[], seen: boolean): string[] {
  return seen && !flags.some(isSeen) ? [...flags, SEEN] : flags;
}
