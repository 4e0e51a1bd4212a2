import { listAddresses } from '../../lists/addresses';
import { text } from '../../lists/i18n/catalogue';
import { webText } from '../../lists/i18n/web-catalogue';
import { DIGEST_MODES, type DigestMode, LANGUAGES, type LanguageCode, ListError, type MailingList } from '../../lists/types';
import { validMemberAddress } from '../../lists/web';
import { LANGUAGE_NAMES, checkbox, esc, postForm, select, sendPage, textField } from './layout';
import { type Visit, errorPage, listBase, page, redirect, t } from './visit';

const digestOptions = (v: Visit): [string, string][] => DIGEST_MODES.map((d) => [d, t(v, `digest.${d}`)]);

/**
 * /lists/ (and /mailman/listinfo): the lists open to subscription on the domain the visitor
 * asked for (the Host's domain or a parent of it; the server's host name when the Host is an
 * address). Closed lists are private lists (the issue's "closed subscription") and not shown.
 */
export function overviewPage(v: Visit): void {
  const host = (v.req.headers.host ?? '').replace(/:\d+$/, '').toLowerCase();
  const under = (name: string) => (d: string) => name === d || name.endsWith(`.${d}`);
  const open = v.ctx.lists.all().filter((l) => l.selfSubscribe);
  let lists = open.filter((l) => under(host)(l.domain));
  let domain = host;
  if (!lists.length) {
    domain = v.ctx.options.hostname;
    lists = open.filter((l) => under(domain)(l.domain));
  }
  const shown = lists.length ? lists[0].domain : domain;
  const lang = preferredLanguage(v.req.headers['accept-language']);
  const rows = lists
    .map((l) => `<tr><td><a href="${esc(listBase(l))}" lang="${l.language}">${esc(l.address)}</a></td><td lang="${l.language}">${esc(l.description)}</td></tr>`)
    .join('');
  const body = rows
    ? `<table><thead><tr><th scope="col">${esc(webText(lang, 'overview.list'))}</th><th scope="col">${esc(webText(lang, 'overview.description'))}</th></tr></thead><tbody>${rows}</tbody></table>`
    : `<p>${esc(webText(lang, 'overview.empty'))}</p>`;
  sendPage(v.res, 200, { lang, title: webText(lang, 'overview.title', { domain: shown }), body, personal: false });
}

/** The first of the six languages the browser asks for (Accept-Language, by q), English otherwise. */
export function preferredLanguage(header: string | undefined): LanguageCode {
  const asked = (header ?? '')
    .split(',')
    .map((part) => {
      const [tag, ...params] = part.trim().toLowerCase().split(';');
      const q = params.map((p) => /^\s*q=([\d.]+)/.exec(p)?.[1]).find(Boolean);
      return { code: tag.split('-')[0], q: q === undefined ? 1 : Number(q) };
    })
    .filter((a) => a.q > 0)
    .sort((a, b) => b.q - a.q);
  return (asked.find((a) => (LANGUAGES as readonly string[]).includes(a.code))?.code as LanguageCode | undefined) ?? 'en';
}

/** A list's page: what it is, how to post, the subscribe form (POST …/subscribe: the -join address's confirmation request). */
export async function infoPage(v: Visit, list: MailingList): Promise<void> {
  const base = listBase(list);
  let notice: { kind: 'notice' | 'problem'; text: string } | undefined;
  let typed = { address: '', name: '', digest: 'off' };
  if (v.form) {
    typed = { address: (v.form.get('address') ?? '').trim(), name: (v.form.get('name') ?? '').trim().slice(0, 200), digest: v.form.get('digest') ?? 'off' };
    if (!validMemberAddress(typed.address) || v.ctx.lists.isListAddress(typed.address)) notice = { kind: 'problem', text: t(v, 'info.invalidAddress') };
    else {
      const digest = (DIGEST_MODES as readonly string[]).includes(typed.digest) ? (typed.digest as DigestMode) : 'off';
      const r = await v.web.subscribe(list, typed.address, { name: typed.name || undefined, digest });
      notice = { kind: r.ok ? 'notice' : 'problem', text: r.answer };
      if (r.ok) typed = { address: '', name: '', digest: 'off' };
    }
  }
  const a = listAddresses(list.name, list.domain);
  const info = list.info ? list.info.split(/\n\s*\n/).map((p) => `<p>${esc(p.trim())}</p>`).join('') : '';
  const form = list.selfSubscribe
    ? `<section aria-labelledby="subscribe"><h2 id="subscribe">${esc(t(v, 'info.subscribe'))}</h2>` +
      postForm(
        `${base}subscribe`,
        v.csrf,
        textField('address', t(v, 'info.address'), typed.address, { type: 'email', autocomplete: 'email', required: true }) +
          textField('name', t(v, 'info.name'), typed.name, { autocomplete: 'name' }) +
          select('digest', t(v, 'info.digest'), typed.digest, digestOptions(v)) +
          `<button type="submit">${esc(t(v, 'info.subscribe'))}</button>`,
      ) +
      '</section>'
    : `<p>${esc(t(v, 'info.closed', { owner: a.owner }))}</p>`;
  const links = `<p><a href="${base}login">${esc(t(v, 'info.membersLink'))}</a><br><a href="${base}login">${esc(t(v, 'info.ownersLink'))}</a></p>`;
  page(v, v.form && notice?.kind === 'problem' ? 400 : 200, base, {
    title: t(v, 'info.title'),
    notice,
    body: `${list.description ? `<p class="meta">${esc(list.description)}</p>` : ''}${info}<p>${esc(t(v, 'info.post', { post: a.post }))}</p><p>${esc(t(v, 'info.members', { count: v.ctx.lists.store.memberCount(list.id) }))}</p>${form}${links}`,
  });
}

/** /lists/confirm/TOKEN: the request the mailed link stands for, confirmed by the page's POST (never by the GET a mail scanner makes). */
export async function confirmPage(v: Visit, token: string): Promise<void> {
  const p = v.web.pendingConfirmation(token);
  if (!p) return sendPage(v.res, 404, { lang: 'en', title: webText('en', 'confirm.title'), body: `<p>${esc(text('en', 'confirm.unknown'))}</p>`, personal: true });
  v.list = p.list;
  v.lang = p.list.language;
  const here = `/lists/confirm/${token}`;
  if (p.answer) return page(v, 410, here, { title: t(v, 'confirm.title'), body: `<p>${esc(p.answer)}</p>`, personal: true });
  if (v.form) {
    const r = await v.web.confirm(p.list, token);
    return page(v, r.ok ? 200 : 410, here, { title: t(v, 'confirm.title'), notice: { kind: r.ok ? 'notice' : 'problem', text: r.answer }, body: '', personal: true });
  }
  const question = t(v, p.kind === 'subscribe' ? 'confirm.subscribe' : p.kind === 'set' ? 'confirm.set' : 'confirm.unsubscribe', { address: p.address, change: p.change ?? '' });
  page(v, 200, here, { title: t(v, 'confirm.title'), body: postForm(here, v.csrf, `<p>${esc(question)}</p><button type="submit">${esc(t(v, 'confirm.button'))}</button>`), personal: true });
}

/** …/options: the logged-in member's own options; "leave" unsubscribes at once (the login proved the address). */
export async function optionsPage(v: Visit, list: MailingList): Promise<void> {
  const base = listBase(list);
  const address = v.address;
  if (!address) return redirect(v.res, `${base}login`);
  let member = v.ctx.lists.member(list.id, address);
  if (!member) return errorPage(v, 403, t(v, 'options.notMember', { address }));
  let notice: { kind: 'notice' | 'problem'; text: string } | undefined;
  if (v.form?.get('action') === 'leave') {
    await v.ctx.lists.removeMembers(list.id, [member.displayAddress], { goodbye: true, confirm: false });
    v.roles = { ...v.roles, member: false };
    return page(v, 200, `${base}options`, { title: t(v, 'options.title'), notice: { kind: 'notice', text: t(v, 'options.left', { address: member.displayAddress }) }, body: '' });
  }
  if (v.form) {
    const f = v.form;
    const language = f.get('language') ?? '';
    // An owner's suspension is the owner's to lift; delivery off by bounces the member turns on
    // again (as `set delivery on` by mail), and leaving it off keeps the reason it has.
    const wanted = f.has('delivery') ? 'enabled' : 'by-member';
    const delivery = member.delivery === 'by-owner' || (member.delivery === 'by-bounces' && wanted === 'by-member') ? undefined : wanted;
    try {
      member = v.ctx.lists.updateMember(list.id, address, {
        delivery,
        digest: (f.get('digest') ?? 'off') as DigestMode,
        hidden: f.has('hidden'),
        name: (f.get('name') ?? '').trim().slice(0, 200),
        language: language === '' ? null : (language as LanguageCode),
      });
      v.lang = member.language ?? list.language;
      notice = { kind: 'notice', text: t(v, 'saved') };
    } catch (err) {
      if (!(err instanceof ListError)) throw err;
      notice = { kind: 'problem', text: t(v, 'invalid', { message: err.message }) };
    }
  }
  const off = member.delivery === 'by-owner' || member.delivery === 'by-bounces';
  const offNote = off ? `<p class="meta">${esc(t(v, 'options.deliveryOff', { who: t(v, member.delivery === 'by-owner' ? 'options.byOwner' : 'options.byBounces'), reason: member.deliveryReason || '-' }))}</p>` : '';
  const languages: [string, string][] = [['', t(v, 'options.listLanguage')], ...LANGUAGE_NAMES.filter(([c]) => LANGUAGES.includes(c))];
  const form = postForm(
    `${base}options`,
    v.csrf,
    `<input type="hidden" name="action" value="save">` +
      (member.delivery === 'by-owner' ? '' : checkbox('delivery', t(v, 'options.delivery'), member.delivery === 'enabled')) +
      offNote +
      select('digest', t(v, 'options.digest'), member.digest, digestOptions(v)) +
      checkbox('hidden', t(v, 'options.hidden'), member.hidden) +
      textField('name', t(v, 'options.name'), member.name, { autocomplete: 'name' }) +
      select('language', t(v, 'options.language'), member.language ?? '', languages) +
      `<button type="submit">${esc(t(v, 'options.save'))}</button>`,
  );
  const leave = `<section aria-labelledby="leave"><h2 id="leave">${esc(t(v, 'options.leave'))}</h2>${postForm(`${base}options`, v.csrf, `<input type="hidden" name="action" value="leave"><button type="submit" class="secondary">${esc(t(v, 'options.leaveButton', { address: member.displayAddress }))}</button>`)}</section>`;
  page(v, notice?.kind === 'problem' ? 400 : 200, `${base}options`, { title: t(v, 'options.title'), notice, body: form + leave });
}
