import type http from 'node:http';
import type { EngineContext } from '../context';
import { LIST_ARCHIVE_PREFIX } from '../lists/archive';
import type { MailingList } from '../lists/types';
import type { Logger } from '../logs/logger';
import { bearerToken, sendJson } from './http-util';
import { serveArchivePage } from './list-archive-pages';

export { LIST_ARCHIVE_PREFIX };

const problem = (res: http.ServerResponse, status: number, code: string, message: string) => sendJson(res, status, { errors: [{ message, extensions: { code } }] });

/** A public archive is for anyone; a private one for members logged in to the list pages and the management accounts (answers 401 otherwise). */
function mayRead(ctx: EngineContext, req: http.IncomingMessage, res: http.ServerResponse, list: MailingList, loggedIn: (list: MailingList) => boolean): boolean {
  if (!list.archivePrivate || loggedIn(list)) return true;
  const token = bearerToken(req.headers.authorization);
  if (token && ctx.admins.verifyToken(token)) return true;
  problem(res, 401, 'UNAUTHENTICATED', `the archive of ${list.address} is private: log in first (on /lists/${encodeURIComponent(list.address)}/login, or "Authorization: Bearer <token>")`);
  return false;
}

/**
 * GET /lists/archives/LIST/PERIOD.mbox (a period of the archive, mboxrd),
 * /lists/archives/LIST/message/ID.eml (one archived post), and the archive's web pages
 * (list-archive-pages.ts). A public archive is served to anyone; a private one to the members,
 * owners and moderators logged in to the list pages (`loggedIn`) and to the server's management
 * accounts (bearer token).
 */
export async function sendListArchive(ctx: EngineContext, log: Logger, req: http.IncomingMessage, res: http.ServerResponse, rest: string, query: URLSearchParams, loggedIn: (list: MailingList) => boolean): Promise<void> {
  const pages = /^([^/]+)\/(.*)$/.exec(rest);
  if (pages && !/\.(mbox|eml)$/.test(pages[2])) {
    let list;
    try {
      list = ctx.lists.byAddress(decodeURIComponent(pages[1]));
    } catch {
      return problem(res, 400, 'BAD_USER_INPUT', 'the URL is not valid percent-encoding');
    }
    if (!list || !list.archive) return problem(res, 404, 'NOT_FOUND', 'no such archive');
    if (!mayRead(ctx, req, res, list, loggedIn)) return;
    if (serveArchivePage(ctx, req, res, list, pages[2], query)) return;
    return problem(res, 404, 'NOT_FOUND', 'no such page of the archive');
  }
  const m = /^([^/]+)\/(?:message\/(\d+)\.eml|([^/]+)\.mbox)$/.exec(rest);
  let address: string;
  let period: string | undefined;
  try {
    if (!m) return problem(res, 404, 'NOT_FOUND', 'no such archive file');
    address = decodeURIComponent(m[1]);
    period = m[3] === undefined ? undefined : decodeURIComponent(m[3]);
  } catch {
    return problem(res, 400, 'BAD_USER_INPUT', 'the URL is not valid percent-encoding');
  }
  const list = ctx.lists.byAddress(address);
  if (!list || !list.archive) return problem(res, 404, 'NOT_FOUND', `${address} has no archive`);
  if (!mayRead(ctx, req, res, list, loggedIn)) return;
  if (m?.[2] !== undefined) {
    const message = ctx.lists.archivedMessage(list.id, Number(m[2]));
    if (!message) return problem(res, 404, 'NOT_FOUND', 'no such post in the archive');
    res.writeHead(200, { 'content-type': 'message/rfc822', 'content-length': String(message.length), 'cache-control': list.archivePrivate ? 'no-store' : 'public, max-age=3600' });
    return void res.end(req.method === 'HEAD' ? undefined : message);
  }
  if (!ctx.lists.archivePeriods(list.id).some((p) => p.period === period)) return problem(res, 404, 'NOT_FOUND', `the archive of ${list.address} has no period ${period}`);
  res.writeHead(200, {
    'content-type': 'application/mbox',
    'content-disposition': `attachment; filename="${list.name}-${(period as string).replace(/[^\w.-]/g, '_')}.mbox"`,
    'cache-control': list.archivePrivate ? 'no-store' : 'no-cache',
  });
  if (req.method === 'HEAD') return void res.end();
  // A message at a time, waiting for the client when it reads slowly: a year of a busy list is never in memory.
  for (const entry of ctx.lists.archiveMbox(list.id, period as string)) {
    if (!res.write(entry)) await new Promise<void>((resolve) => (res.once('drain', resolve), res.once('close', resolve)));
    if (res.destroyed) return;
  }
  res.end();
  log.message('list archive downloaded', { list: list.address, period });
}
