import type http from 'node:http';
import type { EngineContext } from '../context';
import { text } from '../lists/i18n/catalogue';
import { webText } from '../lists/i18n/web-catalogue';
import { IncomingMessage } from '../lists/incoming';
import type { MailingList } from '../lists/types';
import { escapeXml as escapeHtml } from './http-util';
import { LIST_PAGE_CSS } from './list-pages/layout';

const PAGE_SIZE = 200;

/** The list archive's web pages: plain HTML that works without JavaScript, readable on a phone. */
function page(res: http.ServerResponse, status: number, list: MailingList, title: string, body: string, isPrivate: boolean): void {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': isPrivate ? 'no-store' : 'no-cache',
    'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
    'x-content-type-options': 'nosniff',
  });
  res.end(
    `<!doctype html><html lang="${list.language}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)}</title>` +
      `<style>${LIST_PAGE_CSS}</style>` +
      // The way back to the list's own pages (its page, login, options).
      `</head><body><header><nav aria-label="${escapeHtml(webText(list.language, 'nav.label'))}"><a href="/lists/${encodeURIComponent(list.address)}/">${escapeHtml(webText(list.language, 'nav.info'))}</a></nav></header><main><h1>${escapeHtml(title)}</h1>${body}</main></body></html>`,
  );
}

/**
 * GET /lists/archives/LIST/ (the periods and a search form; ?q= searches), LIST/PERIOD/
 * (?order=thread|date|author) and LIST/message/ID (one post). Answers true when `rest` named one.
 */
export function serveArchivePage(ctx: EngineContext, req: http.IncomingMessage, res: http.ServerResponse, list: MailingList, rest: string, query: URLSearchParams): boolean {
  const t = (id: Parameters<typeof text>[1], vars: Record<string, string | number> = {}) => text(list.language, id, { list: list.address, ...vars });
  const base = `/lists/archives/${encodeURIComponent(list.address)}/`;
  const orderName = (o: string) => t(o === 'thread' ? 'archive.byThread' : o === 'author' ? 'archive.byAuthor' : 'archive.byDate');
  const postLinks = (posts: ReturnType<typeof ctx.lists.archivedPosts>['posts'], threaded: boolean) =>
    `<table><tbody>${posts
      .map((p) => {
        const indent = threaded && p.threadId !== p.id ? ' style="padding-left:2em"' : '';
        return `<tr><td${indent}><a href="${base}message/${p.id}">${escapeHtml(p.subject || '(no subject)')}</a></td><td>${escapeHtml(p.fromName || p.fromAddress)}</td><td><time datetime="${p.archivedAt.toISOString()}">${p.archivedAt.toISOString().slice(0, 16).replace('T', ' ')}</time></td></tr>`;
      })
      .join('')}</tbody></table>`;
  if (rest === '') {
    const q = (query.get('q') ?? '').slice(0, 200);
    const search = `<form method="get" action="${base}" role="search"><label for="q">${escapeHtml(t('archive.search'))}</label><input type="search" id="q" name="q" value="${escapeHtml(q)}"> <button type="submit">${escapeHtml(t('archive.searchButton'))}</button></form>`;
    if (q.trim()) {
      const found = ctx.lists.archivedPosts(list.id, { search: q, order: 'date', offset: 0, limit: PAGE_SIZE });
      page(res, 200, list, t('archive.title'), `${search}<h2>${escapeHtml(t('archive.results', { count: found.total, query: q }))}</h2>${postLinks(found.posts, false)}`, list.archivePrivate);
      return true;
    }
    const periods = ctx.lists.archivePeriods(list.id);
    const rows = periods
      .map(
        (p) =>
          `<tr><th scope="row">${escapeHtml(p.period)}</th><td>${['thread', 'date', 'author'].map((o) => `<a href="${base}${encodeURIComponent(p.period)}/?order=${o}">${escapeHtml(orderName(o))}</a>`).join(' · ')}</td><td>${escapeHtml(t('archive.posts', { count: p.posts }))}</td><td><a href="${base}${encodeURIComponent(p.period)}.mbox">${escapeHtml(t('archive.mbox'))}</a></td></tr>`,
      )
      .join('');
    const description = list.description ? `<p class="meta">${escapeHtml(list.description)}</p>` : '';
    const body = periods.length ? `<h2>${escapeHtml(t('archive.periods'))}</h2><table><tbody>${rows}</tbody></table>` : `<p>${escapeHtml(t('archive.empty'))}</p>`;
    page(res, 200, list, t('archive.title'), `${description}${search}${body}`, list.archivePrivate);
    return true;
  }
  const message = /^message\/(\d+)$/.exec(rest);
  if (message) {
    const raw = ctx.lists.archivedMessage(list.id, Number(message[1]));
    if (!raw) return false;
    const msg = new IncomingMessage(raw, '');
    const meta = ['from', 'date', 'subject'].map((f) => `<div><strong>${f[0].toUpperCase() + f.slice(1)}:</strong> ${escapeHtml(f === 'subject' ? msg.subject : (msg.values(f)[0] ?? ''))}</div>`).join('');
    page(
      res,
      200,
      list,
      msg.subject || '(no subject)',
      `<div class="meta">${meta}</div><pre>${escapeHtml(msg.bodyText())}</pre><p><a href="${base}message/${message[1]}.eml">${escapeHtml(t('archive.raw'))}</a> · <a href="${base}">${escapeHtml(t('archive.back'))}</a></p>`,
      list.archivePrivate,
    );
    return true;
  }
  const period = /^([^/]+)\/$/.exec(rest);
  if (period) {
    let name: string;
    try {
      name = decodeURIComponent(period[1]);
    } catch {
      return false;
    }
    if (!ctx.lists.archivePeriods(list.id).some((p) => p.period === name)) return false;
    const order = query.get('order') === 'thread' || query.get('order') === 'author' ? (query.get('order') as 'thread' | 'author') : 'date';
    const found = ctx.lists.archivedPosts(list.id, { period: name, order, offset: 0, limit: 5000 });
    const orders = ['thread', 'date', 'author'].map((o) => (o === order ? `<strong>${escapeHtml(orderName(o))}</strong>` : `<a href="?order=${o}">${escapeHtml(orderName(o))}</a>`)).join(' · ');
    page(res, 200, list, t('archive.period', { period: name, order: orderName(order) }), `<p>${orders} · <a href="${base}">${escapeHtml(t('archive.back'))}</a></p>${postLinks(found.posts, order === 'thread')}`, list.archivePrivate);
    return true;
  }
  void req;
  return false;
}
