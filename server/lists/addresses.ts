/**
 * A list's addresses (Mailman's set) and the queue targets they become. The post address is
 * NAME@DOMAIN; the others add a suffix to the name: -request (commands), -join/-subscribe,
 * -leave/-unsubscribe, -owner, -bounces (and -bounces+ANYTHING for VERP), -confirm (and
 * -confirm+TOKEN, which a confirmation request names as its Reply-To).
 */
export type ListRole = 'post' | 'request' | 'join' | 'leave' | 'owner' | 'bounces' | 'confirm';

const SUFFIXES: [string, ListRole][] = [
  ['-request', 'request'],
  ['-join', 'join'],
  ['-subscribe', 'join'],
  ['-leave', 'leave'],
  ['-unsubscribe', 'leave'],
  ['-owner', 'owner'],
  ['-bounces', 'bounces'],
  ['-confirm', 'confirm'],
];

/** Roles that take "+detail" after the suffix. */
const DETAILED: ReadonlySet<ListRole> = new Set(['bounces', 'confirm']);

export interface ListAddress {
  /** The list's name as written in the address (compare without case). */
  name: string;
  role: ListRole;
  /** After "+": the VERP'd address of -bounces, the token of -confirm. */
  detail?: string;
}

/**
 * The list name and role a local part could stand for, longest name first: "dev-join" is the
 * list "dev" (join) or the list "dev-join" (post); the caller asks which list exists.
 */
export function listAddressCandidates(local: string): ListAddress[] {
  const out: ListAddress[] = [];
  const lower = local.toLowerCase();
  out.push({ name: lower, role: 'post' });
  for (const [suffix, role] of SUFFIXES) {
    if (lower.endsWith(suffix) && lower.length > suffix.length) out.push({ name: lower.slice(0, -suffix.length), role });
    if (!DETAILED.has(role)) continue;
    const at = lower.indexOf(suffix + '+');
    if (at > 0) out.push({ name: lower.slice(0, at), role, detail: local.slice(at + suffix.length + 1) });
  }
  return out;
}

export const LIST_TARGET_PREFIX = 'list:';

/** The queue target of a list address: "list:<id>:<role>" with ":<detail>" for VERP and tokens. */
export function listTarget(listId: number, role: ListRole, detail?: string): string {
  return `${LIST_TARGET_PREFIX}${listId}:${role}${detail !== undefined ? `:${detail}` : ''}`;
}

export function parseListTarget(target: string): { listId: number; role: ListRole; detail?: string } | undefined {
  if (!target.startsWith(LIST_TARGET_PREFIX)) return undefined;
  const [id, role, ...rest] = target.slice(LIST_TARGET_PREFIX.length).split(':');
  const listId = Number(id);
  if (!Number.isInteger(listId) || !role) return undefined;
  return { listId, role: role as ListRole, detail: rest.length ? rest.join(':') : undefined };
}

/** The addresses of one list, for headers and replies. */
export function listAddresses(name: string, domain: string) {
  const n = name.toLowerCase();
  return {
    post: `${n}@${domain}`,
    request: `${n}-request@${domain}`,
    join: `${n}-join@${domain}`,
    leave: `${n}-leave@${domain}`,
    owner: `${n}-owner@${domain}`,
    bounces: `${n}-bounces@${domain}`,
    confirm: (token: string) => `${n}-confirm+${token}@${domain}`,
    /** VERP (personalised posts): a bounce names the member it was for. */
    verp: (member: string) => `${n}-bounces+${member.replace('@', '=')}@${domain}`,
  };
}

/** A list name: letters, digits, ".", "_" and "-", starting with a letter or digit; no spaces. */
export function listNameProblem(name: string): string | undefined {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(name)) return 'a list name is 1 to 64 letters, digits, ".", "_" or "-", starting with a letter or digit (no spaces)';
  if (SUFFIXES.some(([suffix]) => name.toLowerCase().endsWith(suffix))) return `a list name cannot end in a list address suffix (${SUFFIXES.map(([s]) => s).join(', ')})`;
  return undefined;
}
