import { composeTextMessage, formatMailbox } from '../mail/compose';
import { listAddresses } from './addresses';
import { type MessageId, text } from './i18n/catalogue';
import type { ListMember, MailingList } from './types';

/** A message a list sends: to addresses (resolved to queue targets when it is queued) or to targets already resolved. */
export interface OutMail {
  sender: string;
  to: string[];
  /** Queue targets with the member address each stands for (a post's copies). */
  targets?: { address: string; original: string }[];
  /**
   * Or the targets a page at a time, read between turns of the event loop (a post to a large
   * roster): the copy is then a staged queue entry (Queue.stage), queued in the effect's commit.
   */
  targetPages?: () => AsyncIterable<{ address: string; original: string }[]>;
  content: Buffer;
  /** The domain that DKIM-signs it: the list's. */
  dkimDomain: string;
  /**
   * The queue's client for it. A post's copies keep the client the post came from ("host
   * [address]"), so that local members' delivery screens them for junk and viruses as it screens
   * any mail from outside; what the list writes itself has none and is not screened.
   */
  client?: string;
}

/**
 * What handling one message to a list address does, worked out first and carried out at once:
 * the mails it sends and the changes to the lists' tables, committed in one transaction with
 * the queue's note that the list address has its message (so a crash repeats all or nothing).
 */
export class Effect {
  readonly mails: OutMail[] = [];
  readonly changes: (() => void)[] = [];
  /** Log lines, written once the transaction is on disk. */
  readonly logs: (() => void)[] = [];

  add(other: Effect): this {
    this.mails.push(...other.mails);
    this.changes.push(...other.changes);
    this.logs.push(...other.logs);
    return this;
  }
}

/** A text the list writes (reply, notice, confirmation request), in the list's language (or a subject written already). */
export function listMail(
  list: MailingList,
  hostname: string,
  m: { to: string; subject: MessageId | { text: string }; body: string; vars?: Record<string, string | number>; from?: 'request' | 'owner'; automatic: 'auto-replied' | 'auto-generated'; headers?: [string, string][] },
): OutMail {
  const a = listAddresses(list.name, list.domain);
  const from = m.from === 'owner' ? a.owner : a.request;
  const content = composeTextMessage({
    from: formatMailbox(from, m.from === 'owner' ? `${list.name} owners` : list.name),
    to: m.to,
    subject: typeof m.subject === 'string' ? text(list.language, m.subject, m.vars) : m.subject.text,
    body: m.body,
    hostname,
    headers: [['Auto-Submitted', m.automatic], ['X-Auto-Response-Suppress', 'All'], ['List-Id', `<${list.name.toLowerCase()}.${list.domain}>`], ...(m.headers ?? [])],
  });
  return { sender: a.bounces, to: [m.to], content, dkimDomain: list.domain };
}

/** The owners' addresses (a bare name is a user of the list's domain). */
export function ownerAddresses(list: MailingList): string[] {
  return list.owners.map((o) => (o.includes('@') ? o : `${o}@${list.domain}`));
}

/** The values every text of a list may use. */
export function listVars(list: MailingList): Record<string, string> {
  const a = listAddresses(list.name, list.domain);
  return {
    list: list.address,
    description: list.description ? ` (${list.description})` : '',
    post: a.post,
    request: a.request,
    join: a.join,
    leave: a.leave,
    owner: a.owner,
    info: list.info,
    domain: list.domain,
  };
}

/**
 * The list as one reader's mail shows it: in the member's own language when the member chose one
 * (`ListMember.language`, null = the list's), so every text to that member (replies, notices,
 * confirmations, goodbye, digests) is written in it; anyone else reads the list's language.
 */
export function inLanguageOf(list: MailingList, member: Pick<ListMember, 'language'> | undefined): MailingList {
  return member?.language && member.language !== list.language ? { ...list, language: member.language } : list;
}
