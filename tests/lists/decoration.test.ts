import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startEngine, type TestEngine } from '../helpers/engine';
import { errorCode, gql, gqlOk, login } from '../graphql/client';
import { parseMime, type MimeNode } from '../../server/mail/mime/tree';
import { headerValue } from '../../server/mail/mime/header';
import { decodeTransfer } from '../../server/mail/mime/transfer';
import { decodeCharset } from '../../server/mail/mime/charset';
import { mail } from './helpers';

const LIST = 'deco@example.test';

/**
 * Issue 11's header and footer (Mailman's msg_header/msg_footer): substitutions, and the
 * decoration of each MIME shape: a text/plain body in its own charset and transfer encoding,
 * multipart/mixed with parts added, everything else wrapped whole.
 */
describe('list header and footer: substitutions and every MIME shape', () => {
  let t: TestEngine;
  let token: string;

  before(async () => {
    t = await startEngine({ users: ['alice', 'bob'].map((n) => ({ shortName: n, password: `${n}-password-1`, fullName: n })), settings: { listsEnabled: true, inboundAuthChecks: false } });
    token = await login(t.ports.http);
    await gqlOk(t.ports.http, `mutation { createList(input: { name: "Deco", domain: "example.test", owners: ["alice"], description: "Decorated", nonMemberAction: ACCEPT, archive: false }) { id } }`, { token });
    await gqlOk(t.ports.http, `mutation { addListMembers(input: { list: "${LIST}", members: [{ address: "bob@example.test", name: "Bob B" }], welcome: false }) { added } }`, { token });
  });
  after(() => t?.stop());

  const update = (fields: string) => gqlOk(t.ports.http, `mutation { updateList(input: { list: "${LIST}", ${fields} }) { id } }`, { token });
  const setTexts = (header: string, footer: string) => update(`messageHeader: ${JSON.stringify(header)}, messageFooter: ${JSON.stringify(footer)}`);
  /** bob's copy of the post with this subject, as bytes, and its MIME tree. */
  const copy = async (subject: string) => {
    const { store, directory } = t.engine.ctx;
    const user = directory.userByName('bob')!;
    for (const box of store.mailboxes(user.id)) {
      for (const m of store.messages(box.id)) {
        const raw = await store.readMessage(m);
        if (raw.toString('latin1').includes(`Subject: [Deco] ${subject}\r\n`)) return { raw, root: parseMime(raw), mailbox: box.name };
      }
    }
    throw new Error(`bob has no copy of "${subject}"`);
  };
  const textOf = (raw: Buffer, n: MimeNode) => decodeCharset(decodeTransfer(raw.subarray(n.bs, n.be), headerValue(n.fields, 'content-transfer-encoding')), n.params.find(([k]) => k === 'charset')?.[1], { iconv: true });
  const param = (n: MimeNode, key: string) => n.params.find(([k]) => k === key)?.[1];
  const cte = (n: MimeNode) => headerValue(n.fields, 'content-transfer-encoding');

  it('a text/plain body in US-ASCII gets the header and footer in its own text, substitutions made', async () => {
    await setTexts('Header of %(real_name)s (%(description)s)', '_______________\n%(real_name)s mailing list\n%(list_name)s@%(host_name)s\n%(web_page_url)slistinfo%(cgiext)s/%(_internal_name)s');
    await mail(t, 'bob@example.test', LIST, 'Plain ascii', 'Hello world.');
    const { raw, root } = await copy('Plain ascii');
    assert.equal(`${root.type}/${root.subtype}`, 'text/plain');
    assert.equal(param(root, 'charset'), 'us-ascii');
    assert.equal(cte(root), '7bit');
    // swaks ends its body with blank lines, which stay (as Mailman leaves them).
    assert.match(textOf(raw, root), /^Header of Deco \(Decorated\)\r\nHello world\.\r\n(\r\n)*_______________\r\nDeco mailing list\r\ndeco@example\.test\r\nhttps:\/\/mail\.example\.test\/mailman\/listinfo\/deco\r\n$/);
  });

  it('a Latin-1 quoted-printable text stays Latin-1 when the footer fits, and turns UTF-8 when it does not', async () => {
    const latin1 = ['MIME-Version: 1.0', 'Content-Type: text/plain; charset=iso-8859-1; format=flowed', 'Content-Transfer-Encoding: quoted-printable'];
    await setTexts('', 'Grüße von %(real_name)s');
    await mail(t, 'bob@example.test', LIST, 'Latin one', 'Sch=F6ne Gr=FC=DFe', latin1);
    let { raw, root } = await copy('Latin one');
    assert.equal(param(root, 'charset'), 'iso-8859-1');
    assert.equal(param(root, 'format'), 'flowed', 'other parameters kept');
    assert.equal(cte(root), 'quoted-printable');
    assert.match(raw.toString('latin1'), /\r\n\r\nSch=F6ne Gr=FC=DFe\r\n(\r\n)*Gr=FC=DFe von Deco\r\n$/);
    await setTexts('', '日本語のフッター %(list_address)s');
    await mail(t, 'bob@example.test', LIST, 'Latin two', 'Sch=F6ne Gr=FC=DFe', latin1);
    ({ raw, root } = await copy('Latin two'));
    assert.equal(param(root, 'charset'), 'utf-8', 're-encoded to UTF-8');
    assert.equal(cte(root), 'quoted-printable');
    assert.match(textOf(raw, root), /^Schöne Grüße\r\n(\r\n)*日本語のフッター deco@example\.test\r\n$/);
  });

  it('a base64 body is re-encoded in base64', async () => {
    await setTexts('Шапка %(real_name)s', 'Подвал');
    await mail(t, 'bob@example.test', LIST, 'Base sixty-four', Buffer.from('Привет, мир!\r\n').toString('base64'), ['MIME-Version: 1.0', 'Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: base64']);
    const { raw, root } = await copy('Base sixty-four');
    assert.equal(cte(root), 'base64');
    assert.equal(param(root, 'charset'), 'utf-8');
    assert.equal(textOf(raw, root), 'Шапка Deco\r\nПривет, мир!\r\nПодвал\r\n');
  });

  it('multipart/mixed gets a text part before its first part and after its last', async () => {
    await setTexts('HEAD %(real_name)s', 'FOOT %(real_name)s');
    const body = ['This is a MIME message.', '--XX', 'Content-Type: text/plain', '', 'See the attachment.', '--XX', 'Content-Type: application/octet-stream; name=a.bin', 'Content-Transfer-Encoding: base64', '', 'AAECAw==', '--XX--', ''].join('\r\n');
    await mail(t, 'bob@example.test', LIST, 'Mixed', body, ['MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="XX"']);
    const { raw, root } = await copy('Mixed');
    assert.equal(`${root.type}/${root.subtype}`, 'multipart/mixed');
    const kids = root.children ?? [];
    assert.deepEqual(kids.map((k) => `${k.type}/${k.subtype}`), ['text/plain', 'text/plain', 'application/octet-stream', 'text/plain']);
    assert.equal(textOf(raw, kids[0]), 'HEAD Deco\r\n');
    assert.equal(textOf(raw, kids[1]), 'See the attachment.');
    assert.deepEqual([...decodeTransfer(raw.subarray(kids[2].bs, kids[2].be), 'base64')], [0, 1, 2, 3], 'the attachment untouched');
    assert.equal(textOf(raw, kids[3]), 'FOOT Deco\r\n');
  });

  it('multipart/alternative and multipart/signed are wrapped whole in a multipart/mixed, bytes untouched', async () => {
    for (const [subject, type, inner] of [
      // (a preamble first: swaks would take a body starting with "--" for an option)
      ['Alternative', 'multipart/alternative; boundary="AA"', ['Preamble.', '--AA', 'Content-Type: text/plain', '', 'plain', '--AA', 'Content-Type: text/html', '', '<p>html</p>', '--AA--', ''].join('\r\n')],
      ['Signed', 'multipart/signed; protocol="application/pgp-signature"; micalg=pgp-sha256; boundary="SS"', ['Preamble.', '--SS', 'Content-Type: text/plain', '', 'signed text', '--SS', 'Content-Type: application/pgp-signature', '', '-----BEGIN PGP SIGNATURE-----', 'iQEz', '-----END PGP SIGNATURE-----', '--SS--', ''].join('\r\n')],
      ['Html only', 'text/html; charset=utf-8', '<p>only html</p>\r\n'],
    ] as const) {
      await mail(t, 'bob@example.test', LIST, subject, inner, ['MIME-Version: 1.0', `Content-Type: ${type}`]);
      const { raw, root, mailbox } = await copy(subject);
      assert.equal(mailbox, 'INBOX');
      assert.equal(`${root.type}/${root.subtype}`, 'multipart/mixed', subject);
      const kids = root.children ?? [];
      assert.equal(kids.length, 3);
      assert.equal(textOf(raw, kids[0]), 'HEAD Deco\r\n');
      assert.equal(headerValue(kids[1].fields, 'content-type'), type);
      assert.equal(raw.subarray(kids[1].bs, kids[1].be).toString('latin1').replace(/(\r\n)*$/, ''), inner.replace(/(\r\n)*$/, ''), `${subject}: the part\u2019s body byte for byte`);
      assert.equal(textOf(raw, kids[2]), 'FOOT Deco\r\n');
    }
  });

  it('a personalised list\u2019s footer names the member; an unknown substitution is refused', async () => {
    await update(`personalize: true, messageHeader: "", messageFooter: "You get this as %(user_address)s (%(user_name)s)."`);
    await mail(t, 'bob@example.test', LIST, 'Personal', 'Hi.');
    const { raw, root } = await copy('Personal');
    assert.match(textOf(raw, root), /^Hi\.\r\n(\r\n)*You get this as bob@example\.test \(Bob B\)\.\r\n$/);
    const bad = await gql(t.ports.http, `mutation { updateList(input: { list: "${LIST}", messageFooter: "%(cgi_ext)s" }) { id } }`, { token });
    assert.equal(errorCode(bad), 'INVALID_SETTING');
  });
});
