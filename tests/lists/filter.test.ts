import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startEngine, type TestEngine } from '../helpers/engine';
import { errorCode, gql, gqlOk, login } from '../graphql/client';
import { parseMime, type MimeNode } from '../../server/mail/mime/tree';
import { headerValue } from '../../server/mail/mime/header';
import { decodeTransfer } from '../../server/mail/mime/transfer';
import { decodeCharset } from '../../server/mail/mime/charset';
import { header, inbox, mail, qpBody } from './helpers';

const LIST = 'clean@example.test';
const MIXED = [
  'Preamble.',
  '--XX',
  'Content-Type: text/plain',
  '',
  'The text.',
  '--XX',
  'Content-Type: image/png; name=a.png',
  'Content-Transfer-Encoding: base64',
  '',
  'iVBORw0KGgo=',
  '--XX',
  'Content-Type: application/x-msdownload; name=run.exe',
  'Content-Transfer-Encoding: base64',
  '',
  'TVqQAAMAAAAEAAAA',
  '--XX',
  'Content-Type: application/pdf; name=doc.pdf',
  'Content-Transfer-Encoding: base64',
  '',
  'JVBERi0xLjQK',
  '--XX--',
  '',
].join('\r\n');
const ALTERNATIVE = ['Preamble.', '--AA', 'Content-Type: text/plain', '', 'Plain version.', '--AA', 'Content-Type: text/html', '', '<p>HTML version.</p>', '--AA--', ''].join('\r\n');

/** Issue 11's content filtering (Mailman's filter_content): strip and pass by type, collapse alternatives, HTML to text, the action when nothing is left. */
describe('list content filtering', () => {
  let t: TestEngine;
  let token: string;

  before(async () => {
    t = await startEngine({ users: ['alice', 'bob', 'dave'].map((n) => ({ shortName: n, password: `${n}-password-1`, fullName: n })), settings: { listsEnabled: true, inboundAuthChecks: false } });
    token = await login(t.ports.http);
    await gqlOk(t.ports.http, `mutation { createList(input: { name: "clean", domain: "example.test", owners: ["alice"], nonMemberAction: ACCEPT, archive: false, filterContent: true, filterMimeTypes: ["image", "application/x-msdownload"] }) { id } }`, { token });
    await gqlOk(t.ports.http, `mutation { addListMembers(input: { list: "${LIST}", members: [{ address: "bob@example.test" }], welcome: false }) { added } }`, { token });
  });
  after(() => t?.stop());

  const update = (fields: string) => gqlOk(t.ports.http, `mutation { updateList(input: { list: "${LIST}", ${fields} }) { id } }`, { token });
  const copy = async (subject: string) => {
    const m = (await inbox(t, 'bob')).find((c) => header(c, 'Subject') === `[clean] ${subject}`);
    if (!m) return undefined;
    const raw = Buffer.from(m, 'utf8');
    return { raw, root: parseMime(raw) };
  };
  const types = (n: MimeNode): string => (n.children ? `${n.type}/${n.subtype}(${n.children.map(types).join(',')})` : `${n.type}/${n.subtype}`);
  const textOf = (raw: Buffer, n: MimeNode) => decodeCharset(decodeTransfer(raw.subarray(n.bs, n.be), headerValue(n.fields, 'content-transfer-encoding')), n.params.find(([k]) => k === 'charset')?.[1]);

  it('removes parts of the filtered types (a main type alone matches all of it); the rest stays byte for byte', async () => {
    await mail(t, 'bob@example.test', LIST, 'Strip', MIXED, ['MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="XX"']);
    const c = (await copy('Strip'))!;
    assert.equal(types(c.root), 'multipart/mixed(text/plain,application/pdf)');
    assert.equal(textOf(c.raw, c.root.children![0]), 'The text.');
    assert.equal(c.raw.subarray(c.root.children![1].bs, c.root.children![1].be).toString(), 'JVBERi0xLjQK');
  });

  it('with passMimeTypes only those types stay; bad types are refused', async () => {
    assert.equal(errorCode(await gql(t.ports.http, `mutation { updateList(input: { list: "${LIST}", passMimeTypes: ["not a type"] }) { id } }`, { token })), 'INVALID_SETTING');
    await update('passMimeTypes: ["text/plain"]');
    await mail(t, 'bob@example.test', LIST, 'Pass', MIXED, ['MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="XX"']);
    assert.equal(types((await copy('Pass'))!.root), 'multipart/mixed(text/plain)');
    await update('passMimeTypes: []');
  });

  it('collapses multipart/alternative to its first part, or keeps both when told not to', async () => {
    await mail(t, 'bob@example.test', LIST, 'Collapse', ALTERNATIVE, ['MIME-Version: 1.0', 'Content-Type: multipart/alternative; boundary="AA"']);
    const c = (await copy('Collapse'))!;
    assert.equal(types(c.root), 'text/plain');
    assert.equal(textOf(c.raw, c.root), 'Plain version.');
    await update('collapseAlternatives: false');
    await mail(t, 'bob@example.test', LIST, 'Keep both', ALTERNATIVE, ['MIME-Version: 1.0', 'Content-Type: multipart/alternative; boundary="AA"']);
    assert.equal(types((await copy('Keep both'))!.root), 'multipart/alternative(text/plain,text/html)', 'HTML with a plain alternative is not converted');
    await update('collapseAlternatives: true');
  });

  it('converts text/html alone to text/plain, unless told not to', async () => {
    const html = '<html><head><style>p { color: red }</style></head><body><p>Hello &amp; welcome,</p><p>the <b>list</b>.</p></body></html>';
    await mail(t, 'bob@example.test', LIST, 'Html', html, ['MIME-Version: 1.0', 'Content-Type: text/html; charset=utf-8']);
    const c = (await copy('Html'))!;
    assert.equal(types(c.root), 'text/plain');
    assert.equal(textOf(c.raw, c.root).replace(/\r\n/g, '\n').trim(), 'Hello & welcome,\n\nthe list.', 'the visible text, styles left out');
    await update('convertHtmlToPlaintext: false');
    await mail(t, 'bob@example.test', LIST, 'Html kept', html, ['MIME-Version: 1.0', 'Content-Type: text/html; charset=utf-8']);
    assert.equal(types((await copy('Html kept'))!.root), 'text/html');
  });

  it('a post left empty is discarded, rejected or held by filterAction', async () => {
    const imageOnly = ['--XX', 'Content-Type: image/png', 'Content-Transfer-Encoding: base64', '', 'iVBORw0KGgo=', '--XX--', ''].join('\r\n');
    const post = (subject: string) => mail(t, 'dave@example.test', LIST, subject, `Preamble.\r\n${imageOnly}`, ['MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="XX"']);
    await post('Only an image');
    assert.equal(await copy('Only an image'), undefined);
    assert.equal((await inbox(t, 'dave')).length, 0, 'discarded silently (the default)');
    await update('filterAction: REJECT');
    await post('Rejected image');
    const [notice] = (await inbox(t, 'dave')).filter((m) => /was rejected$/.test(header(m, 'Subject') ?? ''));
    assert.match(qpBody(notice), /nothing was left of the message after the list\u2019s content filtering/);
    await update('filterAction: HOLD');
    await post('Held image');
    const { heldPosts } = await gqlOk<{ heldPosts: { subject: string; reason: string }[] }>(t.ports.http, `{ heldPosts(list: "${LIST}") { subject reason } }`, { token });
    assert.deepEqual(heldPosts, [{ subject: 'Held image', reason: 'nothing was left of the message after the list\u2019s content filtering' }]);
    assert.equal(await copy('Held image'), undefined);
  });

  it('filters by file name extension: removed ones, or only the passed ones (parts without a name stay)', async () => {
    await update('filterMimeTypes: [], filterFilenameExtensions: [".EXE"]');
    await mail(t, 'bob@example.test', LIST, 'No exe', MIXED, ['MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="XX"']);
    assert.equal(types((await copy('No exe'))!.root), 'multipart/mixed(text/plain,image/png,application/pdf)');
    await update('filterFilenameExtensions: [], passFilenameExtensions: ["pdf"]');
    await mail(t, 'bob@example.test', LIST, 'Only pdf', MIXED, ['MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="XX"']);
    assert.equal(types((await copy('Only pdf'))!.root), 'multipart/mixed(text/plain,application/pdf)');
    assert.equal(errorCode(await gql(t.ports.http, `mutation { updateList(input: { list: "${LIST}", filterFilenameExtensions: ["a b"] }) { id } }`, { token })), 'INVALID_SETTING');
    await update('passFilenameExtensions: []');
  });

  it('filtering off leaves every part', async () => {
    await update('filterContent: false');
    await mail(t, 'bob@example.test', LIST, 'Unfiltered', MIXED, ['MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="XX"']);
    assert.equal(types((await copy('Unfiltered'))!.root), 'multipart/mixed(text/plain,image/png,application/x-msdownload,application/pdf)');
  });
});
