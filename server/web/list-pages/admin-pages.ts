import { type WebMessageId, webCatalogues } from '../../lists/i18n/web-catalogue';
import { IncomingMessage } from '../../lists/incoming';
import type { ModerationAction } from '../../lists/lists';
import { ListError, type ListSettings, type MailingList } from '../../lists/types';
import { checkbox, esc, postForm, textArea, textField } from './layout';
import { settingsFields, settingsFromForm } from './settings-form';
import { type Visit, errorPage, listBase, page, t } from './visit';

type Notice = { kind: 'notice' | 'problem'; text: string } | undefined;

const PAGE_SIZE = 50;
/** As much of a held post's text as its page shows. */
const PREVIEW_CHARS = 4000;
/** As many addresses at a time as GraphQL's addListMembers/removeListMembers take. */
const MAX_BULK = 10_000;

/** Owners (and server administrators) run the list; moderators only its queues. */
function allowed(v: Visit, need: 'owner' | 'moderator'): boolean {
  if (v.admin || (need === 'owner' ? v.roles.owner : v.roles.moderator)) return true;
  errorPage(v, v.address ? 403 : 401, t(v, 'error.forbidden'));
  return false;
}

/** …/admin: every setting of the list, saved by MailingLists.update (GraphQL updateList's rule and messages). */
export function settingsPage(v: Visit, list: MailingList): void {
  if (!allowed(v, 'owner')) return;
  const here = `${listBase(list)}admin`;
  let values: ListSettings = list;
  let notice: Notice;
  let error: { field?: string; message: string } | undefined;
  if (v.form) {
    const patch = settingsFromForm(v.form);
    try {
      values = v.ctx.lists.update(list.id, patch);
      v.list = values as MailingList;
      notice = { kind: 'notice', text: t(v, 'saved') };
    } catch (err) {
      if (!(err instanceof ListError)) throw err;
      values = { ...list, ...patch };
      const refused = refusal(v, err);
      error = { field: err.field, message: refused.reason };
      notice = { kind: 'problem', text: t(v, 'invalid', { message: refused.text }) };
    }
  }
  const form = postForm(here, v.csrf, settingsFields(values, (id) => t(v, id), error) + `<button type="submit">${esc(t(v, 'settings.save'))}</button>`);
  page(v, error ? 400 : 200, here, { title: t(v, 'settings.title'), notice, body: form });
}

/**
 * A refused setting in the page's language: the field's label and the reason from the page
 * catalogue (MailingLists' checks name both), else the API's English message.
 */
function refusal(v: Visit, err: ListError): { reason: string; text: string } {
  if (!err.problem) return { reason: err.message, text: err.message };
  const reason = t(v, err.problem.id as WebMessageId, err.problem.vars);
  const labelId = `field.${err.field}`;
  const label = labelId in webCatalogues()[v.lang] ? t(v, labelId as WebMessageId) : (err.field ?? '');
  return { reason, text: label ? `${label}: ${reason}` : reason };
}

/** "Name <address>" or a bare address, a line each. */
function parseLines(text: string): { address: string; name?: string }[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean)
    .map((l) => {
      const m = /^(.*?)\s*<([^<>]+)>$/.exec(l);
      return m ? { address: m[2].trim(), name: m[1].replace(/^"|"$/g, '').trim() || undefined } : { address: l };
    });
}

/** …/admin/members: the members, searched and paged in SQL (as GraphQL listMembers), and bulk add and remove. */
export async function membersPage(v: Visit, list: MailingList): Promise<void> {
  if (!allowed(v, 'owner')) return;
  const here = `${listBase(list)}admin/members`;
  let notice: Notice;
  const f = v.form;
  if (f) {
    const lines = parseLines(f.get('addresses') ?? '');
    if (lines.length > MAX_BULK) notice = { kind: 'problem', text: t(v, 'invalid', { message: `at most ${MAX_BULK} addresses at a time` }) };
    else if (f.get('action') === 'add') {
      const r = await v.ctx.lists.addMembers(list.id, lines, { welcome: f.has('welcome'), confirm: f.has('confirm') });
      const skipped = r.skipped.map((s) => `${s.address} (${s.reason})`).join(', ');
      notice = { kind: 'notice', text: t(v, 'members.result', { added: r.added.length, invited: r.invited.length, skipped: skipped || '0' }) };
    } else if (f.get('action') === 'remove') {
      const r = await v.ctx.lists.removeMembers(list.id, lines.map((l) => l.address), { goodbye: f.has('goodbye'), confirm: f.has('confirm') });
      notice = { kind: 'notice', text: t(v, 'members.removed', { removed: r.removed.length, asked: r.asked.length, notMembers: r.notMembers.join(', ') || '0' }) };
    }
  }
  const q = (v.url.searchParams.get('q') ?? '').trim().slice(0, 200);
  const after = v.url.searchParams.get('after') ?? undefined;
  const found = v.ctx.lists.members(list.id, { search: q || undefined, after, limit: PAGE_SIZE });
  const rows = found.members
    .map((m) => `<tr><td>${esc(m.displayAddress)}</td><td>${esc(m.name)}</td><td>${esc(t(v, `delivery.${m.delivery}`))}</td><td>${esc(t(v, `digest.${m.digest}`))}</td></tr>`)
    .join('');
  const search =
    `<form method="get" action="${here}" role="search">${textField('q', t(v, 'members.search'), q, { type: 'search' })} <button type="submit">${esc(t(v, 'members.searchButton'))}</button></form>` +
    `<p>${esc(t(v, 'members.count', { count: found.total }))}</p>`;
  const table = `<table><thead><tr>${(['members.address', 'members.name', 'members.delivery', 'members.digest'] as const).map((h) => `<th scope="col">${esc(t(v, h))}</th>`).join('')}</tr></thead><tbody>${rows}</tbody></table>`;
  const last = found.members[found.members.length - 1];
  const more = [
    after !== undefined ? `<a href="${here}${q ? `?q=${encodeURIComponent(q)}` : ''}">${esc(t(v, 'members.first'))}</a>` : '',
    last && found.members.length === PAGE_SIZE ? `<a href="${here}?${new URLSearchParams({ ...(q ? { q } : {}), after: last.address })}" rel="next">${esc(t(v, 'members.next'))}</a>` : '',
  ].filter(Boolean);
  const bulk =
    `<section aria-labelledby="add"><h2 id="add">${esc(t(v, 'members.add'))}</h2>` +
    postForm(here, v.csrf, `<input type="hidden" name="action" value="add">${textArea('addresses', t(v, 'members.addresses'), '', { id: 'add-addresses', rows: 5 })}${checkbox('welcome', t(v, 'members.welcome'), true, undefined, 'add-welcome')}${checkbox('confirm', t(v, 'members.confirm'), false, undefined, 'add-confirm')}<button type="submit">${esc(t(v, 'members.addButton'))}</button>`) +
    `</section><section aria-labelledby="remove"><h2 id="remove">${esc(t(v, 'members.remove'))}</h2>` +
    postForm(here, v.csrf, `<input type="hidden" name="action" value="remove">${textArea('addresses', t(v, 'members.addresses'), '', { id: 'remove-addresses', rows: 5 })}${checkbox('goodbye', t(v, 'members.goodbye'), false)}${checkbox('confirm', t(v, 'members.confirm'), false, undefined, 'remove-confirm')}<button type="submit" class="secondary">${esc(t(v, 'members.removeButton'))}</button>`) +
    '</section>';
  page(v, notice?.kind === 'problem' ? 400 : 200, here, { title: t(v, 'members.title'), notice, body: `${search}${table}${more.length ? `<p>${more.join(' · ')}</p>` : ''}${bulk}` });
}

/** …/admin/held: posts held for a moderator; approve, reject (with a reason for the poster) or discard, as GraphQL moderatePost. */
export async function heldPage(v: Visit, list: MailingList): Promise<void> {
  if (!allowed(v, 'moderator')) return;
  const here = `${listBase(list)}admin/held`;
  let notice: Notice;
  if (v.form) {
    const id = Number(v.form.get('id'));
    const action = v.form.get('action') as ModerationAction;
    if (!['approve', 'reject', 'discard'].includes(action) || !v.ctx.lists.heldPosts(list.id).some((p) => p.id === id)) notice = { kind: 'problem', text: t(v, 'held.gone') };
    else {
      try {
        await v.ctx.lists.moderate(id, action, v.form.get('reason') ?? undefined);
        notice = { kind: 'notice', text: t(v, action === 'approve' ? 'held.approved' : action === 'reject' ? 'held.rejected' : 'held.discarded') };
      } catch (err) {
        if (!(err instanceof ListError)) throw err;
        notice = { kind: 'problem', text: t(v, 'held.gone') };
      }
    }
  }
  const posts = v.ctx.lists.heldPosts(list.id);
  const body = posts.length
    ? posts
        .map((p) => {
          const meta = `<dl><dt>${esc(t(v, 'held.from'))}</dt><dd>${esc(p.fromAddress || p.sender)}</dd><dt>${esc(t(v, 'held.reason'))}</dt><dd>${esc(p.reason)}</dd><dt>${esc(t(v, 'held.received'))}</dt><dd><time datetime="${p.receivedAt.toISOString()}">${p.receivedAt.toISOString().slice(0, 16).replace('T', ' ')}</time></dd></dl>`;
          const actions = `<input type="hidden" name="id" value="${p.id}">${textField('reason', t(v, 'held.rejectReason'), '', { id: `reason-${p.id}` })}<div class="actions">${(['approve', 'reject', 'discard'] as const).map((a) => `<button type="submit" name="action" value="${a}"${a === 'approve' ? '' : ' class="secondary"'}>${esc(t(v, `held.${a}`))}</button>`).join('')}</div>`;
          const held = v.ctx.lists.store.heldPost(p.id);
          const text = held ? new IncomingMessage(held.message, held.sender).bodyText() : '';
          const preview = `<pre>${esc(text.length > PREVIEW_CHARS ? `${text.slice(0, PREVIEW_CHARS)}…` : text)}</pre>`;
          return `<article aria-labelledby="held-${p.id}"><h2 id="held-${p.id}">${esc(p.subject || '(no subject)')}</h2>${meta}${preview}${postForm(here, v.csrf, actions)}</article>`;
        })
        .join('')
    : `<p>${esc(t(v, 'held.empty'))}</p>`;
  page(v, notice?.kind === 'problem' ? 409 : 200, here, { title: t(v, 'held.title'), notice, body });
}

/** …/admin/pending: confirmed subscriptions waiting for approval, approved or refused as GraphQL decideSubscription. */
export async function pendingPage(v: Visit, list: MailingList): Promise<void> {
  if (!allowed(v, 'moderator')) return;
  const here = `${listBase(list)}admin/pending`;
  let notice: Notice;
  if (v.form) {
    const id = Number(v.form.get('id'));
    const p = v.ctx.lists.pendingSubscriptions(list.id).find((r) => r.id === id);
    try {
      if (!p) throw new ListError('NOT_FOUND', 'decided already');
      const approve = v.form.get('action') === 'approve';
      await v.ctx.lists.decideSubscription(id, approve);
      notice = { kind: 'notice', text: t(v, approve ? 'pending.approved' : 'pending.refused', { address: p.displayAddress }) };
    } catch (err) {
      if (!(err instanceof ListError)) throw err;
      notice = { kind: 'problem', text: t(v, 'pending.gone') };
    }
  }
  const requests = v.ctx.lists.pendingSubscriptions(list.id);
  const rows = requests
    .map(
      (r) =>
        `<tr><td>${esc(r.displayAddress)}${r.name ? ` (${esc(r.name)})` : ''}</td><td><time datetime="${r.createdAt.toISOString()}">${r.createdAt.toISOString().slice(0, 16).replace('T', ' ')}</time></td><td>${postForm(here, v.csrf, `<input type="hidden" name="id" value="${r.id}"><div class="actions"><button type="submit" name="action" value="approve" aria-label="${esc(`${t(v, 'pending.approve')}: ${r.displayAddress}`)}">${esc(t(v, 'pending.approve'))}</button><button type="submit" name="action" value="refuse" class="secondary" aria-label="${esc(`${t(v, 'pending.refuse')}: ${r.displayAddress}`)}">${esc(t(v, 'pending.refuse'))}</button></div>`)}</td></tr>`,
    )
    .join('');
  const body = requests.length
    ? `<table><thead><tr><th scope="col">${esc(t(v, 'pending.address'))}</th><th scope="col">${esc(t(v, 'pending.since'))}</th><th scope="col"><span class="meta">—</span></th></tr></thead><tbody>${rows}</tbody></table>`
    : `<p>${esc(t(v, 'pending.empty'))}</p>`;
  page(v, notice?.kind === 'problem' ? 409 : 200, here, { title: t(v, 'pending.title'), notice, body });
}
