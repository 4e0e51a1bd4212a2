import { ALL_RIGHTS, canonicalRights } from '../../store/acl';
import type { User } from '../../directory/types';
import { HIERARCHY_SEPARATOR, type MailboxInfo } from '../../store/types';
import { normalizeMailboxName } from '../../store/store';
import type { ImapSession } from './imap-session';

/** Prefix of the other-users namespace: "Other Users/bob/Folder" is bob's "Folder". */
export const OTHER_USERS = 'Other Users';
export const OTHER_USERS_PREFIX = OTHER_USERS + HIERARCHY_SEPARATOR;
/** The identifier RFC 4314 reserves for every user. */
export const ANYONE = 'anyone';
/** What the mail administrator has on every mailbox: see it in LIST and delete it, never read it. */
export const ADMINISTRATOR_RIGHTS = 'lx';

/** A mailbox name as the session sees it, split into whose it is and its name in the owner's store. */
export interface MailboxRef {
  owner: User;
  /** The name in the owner's store. */
  local: string;
  /** The name the client uses (with the other-users prefix when not the session's own). */
  visible: string;
  own: boolean;
}

/** A mailbox the session may know about, with the rights it has on it. */
export interface MailboxAccess extends MailboxRef {
  box: MailboxInfo;
  rights: string;
}

export function isMailAdministrator(s: ImapSession): boolean {
  return s.settings.mailAdministrators.includes(s.user!.shortName);
}

/** Resolves a client name; undefined for names under the other-users prefix that name no user. */
export function refOf(s: ImapSession, name: string): MailboxRef | undefined {
  const me = s.user!;
  if (!name.startsWith(OTHER_USERS_PREFIX)) return { owner: me, local: name, visible: name, own: true };
  const rest = name.slice(OTHER_USERS_PREFIX.length);
  const cut = rest.indexOf(HIERARCHY_SEPARATOR);
  if (cut <= 0 || cut === rest.length - 1) return undefined;
  const owner = s.ctx.directory.userByName(rest.slice(0, cut));
  if (!owner || owner.shortName !== rest.slice(0, cut)) return undefined;
  const local = normalizeMailboxName(rest.slice(cut + 1));
  if (owner.id === me.id) return { owner: me, local, visible: local, own: true };
  return { owner, local, visible: visibleName(owner, local), own: false };
}

export function visibleName(owner: User, local: string): string {
  return `${OTHER_USERS_PREFIX}${owner.shortName}${HIERARCHY_SEPARATOR}${local}`;
}

/** The session user's rights on a mailbox: everything on its own, else its ACL entries (its name and "anyone") plus the administrator's. */
export function rightsOn(s: ImapSession, box: MailboxInfo): string {
  const me = s.user!;
  if (box.userId === me.id) return ALL_RIGHTS;
  let rights = '';
  for (const e of s.ctx.store.acl.entries(box.id)) if (e.identifier === me.shortName || e.identifier === ANYONE) rights += e.rights;
  if (isMailAdministrator(s)) rights += ADMINISTRATOR_RIGHTS;
  return canonicalRights(rights);
}

/**
 * A mailbox by the name the client sent. Mailboxes of others on which the session has
 * none of the rights that reveal a mailbox exists (l, r, i, k, x, a) are reported as
 * not existing (RFC 4314 section 4), so names cannot be probed.
 */
export function access(s: ImapSession, name: string): MailboxAccess | undefined {
  const ref = refOf(s, name);
  if (!ref) return undefined;
  const box = s.ctx.store.mailbox(ref.owner.id, ref.local);
  if (!box) return undefined;
  const rights = ref.own ? ALL_RIGHTS : rightsOn(s, box);
  if (!/[lrikxa]/.test(rights)) return undefined;
  return { ...ref, box, rights };
}

export function has(rights: string, needed: string): boolean {
  return needed.split('').every((r) => rights.includes(r));
}

/** Other users' mailboxes the session may see in LIST ('l'), under their visible names. */
export function sharedMailboxes(s: ImapSession): MailboxInfo[] {
  const me = s.user!;
  const store = s.ctx.store;
  const out = new Map<number, MailboxInfo>();
  const owners = new Map<number, User | undefined>();
  const ownerOf = (id: number) => {
    if (!owners.has(id)) owners.set(id, s.ctx.directory.user(id));
    return owners.get(id);
  };
  const add = (box: MailboxInfo | undefined) => {
    if (!box || box.userId === me.id || out.has(box.id)) return;
    const owner = ownerOf(box.userId);
    if (owner && rightsOn(s, box).includes('l')) out.set(box.id, { ...box, name: visibleName(owner, box.name) });
  };
  if (isMailAdministrator(s)) {
    for (const u of s.ctx.directory.users()) if (u.id !== me.id) for (const box of store.mailboxes(u.id)) add(box);
  } else {
    for (const e of store.acl.grantedTo([me.shortName, ANYONE])) add(store.mailboxById(e.mailboxId));
  }
  return [...out.values()];
}

