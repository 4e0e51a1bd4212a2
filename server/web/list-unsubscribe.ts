import type http from 'node:http';
import type { EngineContext } from '../context';
import type { Logger } from '../logs/logger';
import { BodyTooLargeError, escapeXml as escapeHtml, readBody } from './http-util';

export const LIST_UNSUBSCRIBE_PREFIX = '/lists/unsubscribe/';


function page(res: http.ServerResponse, status: number, title: string, body: string): void {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'" });
  res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)}</title></head><body style="font-family:sans-serif;max-width:40em;margin:2em auto;padding:0 1em"><h1>${escapeHtml(title)}</h1>${body}</body></html>`);
}

/**
 * A member's unsubscribe link (RFC 8058). POST with the body "List-Unsubscribe=One-Click" (what a
 * mail provider's unsubscribe button sends) unsubscribes at once; GET only shows a page with a
 * button that posts the same, since link checkers and previews follow GET links.
 */
export async function serveListUnsubscribe(ctx: EngineContext, log: Logger, req: http.IncomingMessage, res: http.ServerResponse, token: string): Promise<void> {
  const found = ctx.lists.oneClickMember(token);
  if (!found) return page(res, 404, 'Unknown link', '<p>This unsubscribe link is not valid, or the address has left the list already.</p>');
  const what = `${escapeHtml(found.member.displayAddress)} from ${escapeHtml(found.list.address)}`;
  if (req.method === 'GET' || req.method === 'HEAD') {
    return page(res, 200, `Leave ${found.list.address}`, `<form method="post"><input type="hidden" name="List-Unsubscribe" value="One-Click"><p>Remove ${what}?</p><button type="submit">Unsubscribe</button></form>`);
  }
  let body: string;
  try {
    body = (await readBody(req, 4096)).toString('latin1');
  } catch (err) {
    if (err instanceof BodyTooLargeError) return page(res, 413, 'Too large', '<p>The request is too large.</p>');
    throw err;
  }
  if (!new URLSearchParams(body).getAll('List-Unsubscribe').includes('One-Click')) {
    return page(res, 400, 'Not a one-click request', '<p>The request must carry List-Unsubscribe=One-Click (RFC 8058).</p>');
  }
  ctx.lists.oneClickUnsubscribe(token);
  log.message('one-click unsubscribe', { list: found.list.address, address: found.member.address });
  page(res, 200, 'Unsubscribed', `<p>Removed ${what}.</p>`);
}
