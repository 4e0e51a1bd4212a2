import { addressesIn } from '../mail/header-fields';
import { decodeHeaderValue } from '../mail/mime/encoded-words';
import { IncomingMessage } from './incoming';

/** What the archive keeps of a post besides its bytes: ids for threading, the sender, the words to search. */
export function archiveEntry(copy: Buffer): { messageId: string; replyTo: string[]; subject: string; fromName: string; fromAddress: string; message: Buffer; text: string } {
  const msg = new IncomingMessage(copy, '');
  const ids = (field: string) => msg.values(field).flatMap((v) => [...v.matchAll(/<([^<>\s]+)>/g)].map((m) => m[1]));
  const from = msg.values('from')[0] ?? '';
  const fromAddress = addressesIn(from)[0] ?? '';
  const name = decodeHeaderValue(from.replace(/<[^>]*>/, '')).replace(/^"|"$/g, '').trim();
  // The post it answers first (In-Reply-To), then its References from the nearest back.
  const replyTo = [...ids('in-reply-to'), ...ids('references').reverse()];
  return { messageId: ids('message-id')[0] ?? '', replyTo, subject: msg.subject, fromName: name === fromAddress ? '' : name, fromAddress, message: copy, text: msg.bodyText() };
}

/** The web paths of an archive's downloads (served by server/web/list-archive.ts). */
export const LIST_ARCHIVE_PREFIX = '/lists/archives/';
export const archiveMboxPath = (list: string, period: string) => `${LIST_ARCHIVE_PREFIX}${encodeURIComponent(list)}/${encodeURIComponent(period)}.mbox`;
export const archiveMessagePath = (list: string, id: number) => `${LIST_ARCHIVE_PREFIX}${encodeURIComponent(list)}/message/${id}.eml`;

/** The web paths of a list's own pages (server/web/list-pages/) and of its archive's (server/web/list-archive-pages.ts). */
export function listPagePaths(list: string): { info: string; options: string; owner: string; members: string; moderation: string; archive: string } {
  const base = `/lists/${encodeURIComponent(list)}/`;
  return { info: base, options: `${base}options`, owner: `${base}admin`, members: `${base}admin/members`, moderation: `${base}admin/held`, archive: `${LIST_ARCHIVE_PREFIX}${encodeURIComponent(list)}/` };
}
