import type http from 'node:http';
import type { EngineContext } from '../../context';
import type { MailingList } from '../../lists/types';
import { ListWeb } from '../../lists/web';
import type { Logger } from '../../logs/logger';
import { BodyTooLargeError, readBody } from '../http-util';
import { heldPage, membersPage, pendingPage, settingsPage } from './admin-pages';
import { loginLinkPage, loginPage, logout } from './login-pages';
import { confirmPage, infoPage, optionsPage, overviewPage } from './member-pages';
import { ListSessions } from './session';
import { NO_ROLES, type Visit, errorPage, identify, listBase, t } from './visit';

/** Largest form the pages read (a bulk add of 10,000 addresses fits). */
const MAX_FORM_BYTES = 1024 * 1024;

/** The seed's (Mailman 2's) page addresses, by list name, and where each lives now (archives: web-service.ts). */
const MAILMAN_PAGES: Record<string, string> = { listinfo: '', admin: 'admin', admindb: 'admin/held', options: 'options' };

/**
 * The list web pages (issue 11): /lists/ (the lists open to subscription), a list's page with
 * the subscribe form, the confirmation page, login (mailed link, mail password, console
 * account), the member's options, and the owners' and moderators' pages. Server-rendered
 * HTML without script; every POST form carries a CSRF token.
 */
export class ListPages {
  private readonly sessions: ListSessions;
  private readonly web: ListWeb;
  private readonly log: Logger;

  constructor(private readonly ctx: EngineContext) {
    this.log = ctx.logs.logger('lists');
    this.sessions = new ListSessions(ctx.db);
    this.web = new ListWeb({ lists: ctx.lists, db: ctx.db, directory: ctx.directory, hostname: ctx.options.hostname, log: this.log });
  }

  /** Whether the path is a list page or one of the seed's /mailman/ page addresses. */
  handles(path: string): boolean {
    return path === '/lists' || path.startsWith('/lists/') || /^\/mailman\/(listinfo|admin|admindb|options)(\/|$)/.test(path);
  }

  /** Whether the visitor is logged in to the list as a member, owner or moderator, or as an administrator (a private archive's readers). */
  mayReadPrivate(req: http.IncomingMessage, list: MailingList): boolean {
    const login = this.sessions.current(this.sessions.cookieId(req));
    if (!login) return false;
    if ('adminTokenHash' in login) return this.ctx.admins.verifyTokenHash(login.adminTokenHash)?.role === 'admin';
    if (login.listId !== list.id) return false;
    const roles = this.web.rolesOf(list, login.address);
    return roles.member || roles.moderator;
  }

  async serve(req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
    const path = url.pathname;
    const method = req.method ?? 'GET';
    const mailman = /^\/mailman\/(\w+)\/?([^/]*)/.exec(path);
    if (mailman) return this.redirectMailman(req, res, mailman[1], mailman[2]);
    const v: Visit = { ctx: this.ctx, web: this.web, sessions: this.sessions, log: this.log, req, res, url, method, visitor: '', csrf: '', lang: 'en', admin: false, roles: NO_ROLES };
    v.visitor = this.sessions.visitor(req, res);
    v.csrf = this.sessions.csrfToken(v.visitor);
    const rest = path === '/lists' ? '' : path.slice('/lists/'.length);
    const m = /^([^/]+)(?:\/(.*))?$/.exec(rest);
    if (method !== 'GET' && method !== 'HEAD' && method !== 'POST') {
      res.writeHead(405, { allow: 'GET, HEAD, POST' });
      return void res.end();
    }
    if (method === 'POST' && !(await this.readForm(v))) return;
    if (rest === '') return v.form ? errorPage(v, 405, t(v, 'error.notFound')) : overviewPage(v);
    if (m?.[1] === 'confirm' && m[2] && /^[0-9a-f]{32}$/i.test(m[2])) return confirmPage(v, m[2].toLowerCase());
    let list: MailingList | undefined;
    try {
      list = m ? this.ctx.lists.byAddress(decodeURIComponent(m[1])) : undefined;
    } catch {
      list = undefined;
    }
    if (!list || !m) return errorPage(v, 404, t(v, 'error.notFound'));
    v.list = list;
    identify(v);
    if (m[2] === undefined) {
      res.writeHead(301, { location: listBase(list) });
      return void res.end();
    }
    const page = m[2];
    const token = /^login\/([0-9a-f]{32})$/i.exec(page);
    if (page === '' || page === 'subscribe') return page === '' && v.form ? errorPage(v, 405, t(v, 'error.notFound')) : infoPage(v, list);
    if (page === 'login') return loginPage(v, list);
    if (token) return loginLinkPage(v, list, token[1].toLowerCase());
    if (page === 'logout' && v.form) return logout(v, list);
    if (page === 'options') return optionsPage(v, list);
    if (page === 'admin') return settingsPage(v, list);
    if (page === 'admin/members') return membersPage(v, list);
    if (page === 'admin/held') return heldPage(v, list);
    if (page === 'admin/pending') return pendingPage(v, list);
    errorPage(v, 404, t(v, 'error.notFound'));
  }

  /** Reads a POST's form; refuses it (403) unless it carries this visitor's CSRF token. */
  private async readForm(v: Visit): Promise<boolean> {
    let body: Buffer;
    try {
      body = await readBody(v.req, MAX_FORM_BYTES);
    } catch (err) {
      if (!(err instanceof BodyTooLargeError)) throw err;
      // The rest of the body is never read: the connection cannot carry another request.
      v.res.setHeader('connection', 'close');
      errorPage(v, 413, t(v, 'error.tooLarge'));
      return false;
    }
    const form = new URLSearchParams(body.toString('utf8'));
    if (!this.sessions.csrfValid(this.sessions.cookieId(v.req), form.get('csrf'))) {
      this.log.message('list page form refused: no valid CSRF token', { path: v.url.pathname });
      errorPage(v, 403, t(v, 'error.csrf'));
      return false;
    }
    v.form = form;
    return true;
  }

  /** /mailman/listinfo[/NAME], /mailman/admin/NAME, /mailman/admindb/NAME, /mailman/options/NAME: the same pages here. */
  private redirectMailman(req: http.IncomingMessage, res: http.ServerResponse, kind: string, rawName: string): void {
    let name = '';
    try {
      name = decodeURIComponent(rawName).toLowerCase();
    } catch {
      // not valid percent-encoding: no list has that name
    }
    const list = name ? listByMailmanName(this.ctx, name, req.headers.host) : undefined;
    const target = !name && kind === 'listinfo' ? '/lists/' : list && kind in MAILMAN_PAGES ? listBase(list) + MAILMAN_PAGES[kind] : undefined;
    if (target) res.writeHead(301, { location: target });
    else res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(target ? undefined : 'no such list\n');
  }
}

/** The list a Mailman 2 address names (by name only): the one on the Host's domain first. */
export function listByMailmanName(ctx: EngineContext, name: string, host: string | undefined): MailingList | undefined {
  const lists = ctx.lists.all().filter((l) => l.name.toLowerCase() === name);
  const h = (host ?? '').replace(/:\d+$/, '').toLowerCase();
  return lists.find((l) => h === l.domain || h.endsWith(`.${l.domain}`)) ?? lists[0];
}
