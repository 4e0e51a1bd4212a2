import { ALL_RIGHTS, type AclSubject, canonicalRights, effectiveRights } from '../../store/acl';
import type { User } from '../../directory/types';
import { HIERARCHY_SEPARATOR, type MailboxInfo, PUBLIC_PREFIX } from '../../store/types';
import { normalizeMailboxName } from '../../store/store';
import type { ImapSession } from './imap-session';

export { ANYONE } from '../../store/acl';

/** Prefix of the other-users namespace: "Other Users/bob/Folder" is bob's "Folder". */
export const OTHER_USERS = 'Other Users';
export const OTHER_USERS_PREFIX = OTHER_USERS + HIERARCHY_SEPARATOR;
/**
 * The shared namespace, the public folders, is PUBLIC_PREFIX ("Shared Folders/"): Cyrus's
 * alternate namespace (the one the seed's clients saw) names its namespaces so.
 */
export { PUBLIC_FOLDERS, PUBLIC_PREFIX } from '../../store/types';
/** What the mail administrator has on every user's mailbox: see it in LIST and delete it, never read it. */
export const ADMINISTRATOR_RIGHTS = 'lx';
/** What the mail administrator has on every public folder: also create below it and administer its ACL. */
export const ADMINISTRATOR_PUBLIC_RIGHTS = 'lkxa';

/** A mailbox name as the session sees it, split into whose it is and its name in the owner's store. */
export interface MailboxRef {
  /** The store owner: a user, or the public folders' owner row. */
  ownerId: number;
  /** The owning user; undefined for a public folder, which belongs to nobody. */
  owner?: User;
  /** The name in the owner's store. */
  local: string;
  /** The name the client uses (with a namespace prefix when not the session's own). */
  visible: string;
  own: boolean;
  isPublic: boolean;
}

/** A mailbox the session may know about, with the rights it has on it. */
export interface MailboxAccess extends MailboxRef {
  box: MailboxInfo;
  rights: string;
}

export function isMailAdministrator(s: ImapSession): boolean {
  return s.settings.mailAdministrators.includes(s.user!.shortName);
}

/** The session user as ACLs see them, with the groups the directory has now (membership changes apply at once). */
export function aclSubject(s: ImapSession): AclSubject {
  const me = s.ctx.directory.user(s.user!.id) ?? s.user!;
  return { shortName: me.shortName, groups: me.groups };
}

/** Resolves a client name; undefined for names under a namespace prefix that name no mailbox owner. */
export function refOf(s: ImapSession, name: string): MailboxRef | undefined {
  const me = s.user!;
  if (name.startsWith(PUBLIC_PREFIX)) {
    const local = name.slice(PUBLIC_PREFIX.length);
    if (!local) return undefined;
    return { ownerId: s.ctx.store.publicOwnerId, local, visible: PUBLIC_PREFIX + local, own: false, isPublic: true };
  }
  if (!name.startsWith(OTHER_USERS_PREFIX)) return { ownerId: me.id, owner: me, local: name, visible: name, own: true, isPublic: false };
  const rest = name.slice(OTHER_USERS_PREFIX.length);
  const cut = rest.indexOf(HIERARCHY_SEPARATOR);
  if (cut <= 0 || cut === rest.length - 1) return undefined;
  const owner = s.ctx.directory.userByName(rest.slice(0, cut));
  if (!owner || owner.shortName !== rest.slice(0, cut)) return undefined;
  const local = normalizeMailboxName(rest.slice(cut + 1));
  if (owner.id === me.id) return { ownerId: me.id, owner: me, local, visible: local, own: true, isPublic: false };
  return { ownerId: owner.id, owner, local, visible: visibleName(owner, local), own: false, isPublic: false };
}

export function visibleName(owner: User, local: string): string {
  return `${OTHER_USERS_PREFIX}${owner.shortName}${HIERARCHY_SEPARATOR}${local}`;
}

/**
 * The session user's rights on a mailbox: everything on its own; else what its ACL gives
 * the user, "anyone" and the user's groups, less the negative rights naming any of them;
 * plus what a mail administrator always has.
 */
export function rightsOn(s: ImapSession, box: MailboxInfo, who: AclSubject = aclSubject(s)): string {
  if (box.userId === s.user!.id) return ALL_RIGHTS;
  let rights = effectiveRights(s.ctx.store.acl.entries(box.id), who);
  if (isMailAdministrator(s)) rights += s.ctx.store.isPublic(box) ? ADMINISTRATOR_PUBLIC_RIGHTS : ADMINISTRATOR_RIGHTS;
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
  const box = s.ctx.store.mailbox(ref.ownerId, ref.local);
  if (!box) return undefined;
  const rights = ref.own ? ALL_RIGHTS : rightsOn(s, box);
  if (!/[lrikxa]/.test(rights)) return undefined;
  return { ...ref, box, rights };
}

export function has(rights: string, needed: string): boolean {
  return needed.split('').every((r) => rights.includes(r));
}

/** Other users' mailboxes and public folders the session may see in LIST ('l'), under their visible names. */
export function sharedMailboxes(s: ImapSession): MailboxInfo[] {
  const me = s.user!;
  const store = s.ctx.store;
  const who = aclSubject(s);
  const out = new Map<number, MailboxInfo>();
  const owners = new Map<number, User | undefined>();
  const ownerOf = (id: number) => {
    if (!owners.has(id)) owners.set(id, s.ctx.directory.user(id));
    return owners.get(id);
  };
  const add = (box: MailboxInfo | undefined) => {
    if (!box || box.userId === me.id || out.has(box.id)) return;
    if (!rightsOn(s, box, who).includes('l')) return;
    if (store.isPublic(box)) {
      out.set(box.id, { ...box, name: PUBLIC_PREFIX + box.name });
      return;
    }
    const owner = ownerOf(box.userId);
    if (owner) out.set(box.id, { ...box, name: visibleName(owner, box.name) });
  };
  if (isMailAdministrator(s)) {
    for (const u of s.ctx.directory.users()) if (u.id !== me.id) for (const box of store.mailboxes(u.id)) add(box);
    for (const box of store.mailboxes(store.publicOwnerId)) add(box);
  } else {
    for (const id of store.acl.grantedTo(who)) add(store.mailboxById(id));
  }
  return [...out.values()];
}
