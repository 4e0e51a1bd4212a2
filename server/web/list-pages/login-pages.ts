import { tokenHash } from '../../directory/admins';
import type { MailingList } from '../../lists/types';
import { LOGIN_LINK_MINUTES } from '../../lists/web';
import { esc, postForm, textField } from './layout';
import { NO_ROLES, type Visit, listBase, page, redirect, t } from './visit';

/** Where a login lands: owners and moderators on the pages they run, members on their options. */
function landing(v: Visit, list: MailingList, address: string): string {
  const roles = v.web.rolesOf(list, address);
  const base = listBase(list);
  return roles.owner ? `${base}admin` : roles.moderator ? `${base}admin/held` : `${base}options`;
}

/**
 * …/login: a login link by mail (members, owners, moderators), the mail password (local users),
 * or the console account (server administrators). The page answers the same for any address,
 * so it tells nobody who is on the list.
 */
export async function loginPage(v: Visit, list: MailingList): Promise<void> {
  const base = listBase(list);
  const here = `${base}login`;
  let notice: { kind: 'notice' | 'problem'; text: string } | undefined;
  const f = v.form;
  if (f?.get('action') === 'link') {
    const address = (f.get('address') ?? '').trim().slice(0, 320);
    const origin = `https://${v.ctx.options.hostname}`;
    await v.web.mailLoginLink(list, address, (token) => `${origin}${base}login/${token}`);
    notice = { kind: 'notice', text: t(v, 'login.linkSent', { address }) };
  } else if (f?.get('action') === 'password') {
    const address = await v.web.passwordLogin(list, f.get('address') ?? '', f.get('password') ?? '');
    if (address) {
      v.sessions.login(v.req, v.res, { listId: list.id, address });
      return redirect(v.res, landing(v, list, address));
    }
    notice = { kind: 'problem', text: t(v, 'login.failed') };
  } else if (f?.get('action') === 'admin') {
    const username = (f.get('username') ?? '').slice(0, 256);
    const password = (f.get('password') ?? '').slice(0, 1024);
    const session = await v.ctx.admins.login(username, password);
    if (session?.account.role === 'admin') {
      v.sessions.login(v.req, v.res, { adminTokenHash: tokenHash(session.token) });
      v.log.message('administrator logged in to the list pages', { list: list.address, username });
      return redirect(v.res, `${base}admin`);
    }
    if (session) v.ctx.admins.logout(session.token);
    notice = { kind: 'problem', text: t(v, 'login.failed') };
  }
  const button = (label: string) => `<button type="submit">${esc(label)}</button>`;
  const body =
    `<section aria-labelledby="by-link"><h2 id="by-link">${esc(t(v, 'login.sendLink'))}</h2><p>${esc(t(v, 'login.linkIntro', { minutes: LOGIN_LINK_MINUTES }))}</p>` +
    postForm(here, v.csrf, `<input type="hidden" name="action" value="link">${textField('address', t(v, 'login.address'), '', { id: 'link-address', type: 'email', autocomplete: 'email', required: true })}${button(t(v, 'login.sendLink'))}`) +
    `</section><section aria-labelledby="by-password"><h2 id="by-password">${esc(t(v, 'login.byPassword'))}</h2><p>${esc(t(v, 'login.passwordIntro'))}</p>` +
    postForm(
      here,
      v.csrf,
      `<input type="hidden" name="action" value="password">${textField('address', t(v, 'login.address'), '', { id: 'pw-address', type: 'email', autocomplete: 'username', required: true })}` +
        `${textField('password', t(v, 'login.password'), '', { id: 'pw-password', type: 'password', autocomplete: 'current-password', required: true })}${button(t(v, 'login.button'))}`,
    ) +
    `</section><section aria-labelledby="as-admin"><h2 id="as-admin">${esc(t(v, 'login.asAdmin'))}</h2><p>${esc(t(v, 'login.adminIntro'))}</p>` +
    postForm(
      here,
      v.csrf,
      `<input type="hidden" name="action" value="admin">${textField('username', t(v, 'login.username'), '', { id: 'admin-username', autocomplete: 'username', required: true })}` +
        `${textField('password', t(v, 'login.password'), '', { id: 'admin-password', type: 'password', autocomplete: 'current-password', required: true })}${button(t(v, 'login.button'))}`,
    ) +
    '</section>';
  page(v, notice?.kind === 'problem' ? 401 : 200, here, { title: t(v, 'login.title'), notice, body, personal: true });
}

/** …/login/TOKEN: the mailed link. GET shows a button (link scanners fetch GETs and would use it up); its POST logs in. */
export function loginLinkPage(v: Visit, list: MailingList, token: string): void {
  const here = `${listBase(list)}login/${token}`;
  const found = v.form ? v.web.useLoginLink(list, token) : v.web.loginLinkState(list, token);
  if (found.state !== 'valid' || !found.address) {
    const id = found.state === 'expired' ? 'login.linkExpired' : found.state === 'used' ? 'login.linkUsed' : 'login.linkUnknown';
    return page(v, 410, here, { title: t(v, 'login.linkTitle'), notice: { kind: 'problem', text: t(v, id) }, body: `<p><a href="${listBase(list)}login">${esc(t(v, 'nav.login'))}</a></p>`, personal: true });
  }
  if (v.form) {
    v.sessions.login(v.req, v.res, { listId: list.id, address: found.address });
    return redirect(v.res, landing(v, list, found.address));
  }
  page(v, 200, here, { title: t(v, 'login.linkTitle'), body: postForm(here, v.csrf, `<button type="submit">${esc(t(v, 'login.linkButton', { address: found.address }))}</button>`), personal: true });
}

/** …/logout (POST): ends the login (an administrator's bearer token too). */
export function logout(v: Visit, list: MailingList): void {
  const ended = v.sessions.logout(v.sessions.cookieId(v.req));
  if (ended && 'adminTokenHash' in ended) v.ctx.admins.logoutHash(ended.adminTokenHash);
  v.address = undefined;
  v.admin = false;
  v.roles = NO_ROLES;
  redirect(v.res, listBase(list));
}
