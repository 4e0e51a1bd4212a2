import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { MessageStructureObject } from 'imapflow';
import { startEngine, type TestEngine } from '../helpers/engine';
import { gql, gqlOk, login } from '../graphql/client';
import { header, inImapInbox, inbox, mail, newestPart, qpBody } from './helpers';

const LIST = 'weekly@example.test';
const DIGEST = /^weekly@example\.test Digest, Vol \d+, Issue \d+$/;

/**
 * Issue 11: a digest's header and footer (Mailman's digest_header/digest_footer), with the
 * %(name)s substitutions of the posts' header and footer: in the plain RFC 1153 digest after the
 * masthead and before the end line, in the MIME digest as the "Digest Header" part and at the
 * start of the "Digest Footer" part. Read over IMAP.
 */
describe('list digests: the digest header and footer', () => {
  let t: TestEngine;
  let token: string;

  before(async () => {
    t = await startEngine({
      users: ['alice', 'bob', 'carol', 'dave'].map((n) => ({ shortName: n, password: `${n}-password-1`, fullName: n })),
      settings: { listsEnabled: true, inboundAuthChecks: false },
    });
    token = await login(t.ports.http);
    await gqlOk(
      t.ports.http,
      `mutation { createList(input: { name: "weekly", domain: "example.test", owners: ["alice"], description: "Weekly news", digestSizeKb: 0, nonMemberAction: ACCEPT,
        digestHeader: "Welcome to %(real_name)s (%(description)s).", digestFooter: "Leave: %(web_page_url)slistinfo%(cgiext)s/%(_internal_name)s\\nPost to %(list_address)s" }) { digestHeader digestFooter } }`,
      { token },
    );
    await gqlOk(t.ports.http, `mutation { addListMembers(input: { list: "${LIST}", members: [{ address: "bob@example.test", digest: MIME }, { address: "carol@example.test", digest: PLAIN }], welcome: false }) { added } }`, { token });
  });
  after(() => t?.stop());

  const digestOf = async (user: string) => (await inbox(t, user)).find((m) => DIGEST.test(header(m, 'Subject') ?? ''));

  it('an unknown substitution in the digest footer is refused as in the posts\u2019 footer', async () => {
    const r = await gql(t.ports.http, `mutation { updateList(input: { list: "${LIST}", digestFooter: "%(cgi_ext)s" }) { id } }`, { token });
    assert.match(JSON.stringify(r.errors), /digestFooter: %\(cgi_ext\)s is not a substitution Pillarbox knows/);
  });

  it('the plain digest has the header after the masthead and the footer before the end line', async () => {
    await mail(t, 'dave@example.test', LIST, 'Issue news', 'Some news.');
    await gqlOk(t.ports.http, `mutation { sendListDigest(input: { list: "${LIST}" }) { digestIssue } }`, { token });
    await t.engine.ctx.queue.idle();
    const plain = await digestOf('carol');
    assert.ok(plain, 'carol has the plain digest');
    const body = qpBody(plain);
    assert.match(body, /Welcome to weekly \(Weekly news\)\.\r\n\r\nToday\u2019s Topics:/);
    assert.ok(body.indexOf('Welcome to weekly') > body.indexOf('Send weekly@example.test mailing list submissions'), 'after the masthead');
    assert.match(body, /-{30}\r\n\r\nLeave: https:\/\/mail\.example\.test\/mailman\/listinfo\/weekly\r\nPost to weekly@example\.test\r\n\r\nEnd of weekly@example\.test Digest/);
  });

  it('the MIME digest carries them as its own parts, read over IMAP', async () => {
    assert.ok(await digestOf('bob'));
    await inImapInbox(t, 'bob', async (imap) => {
      const message = await imap.fetchOne('*', { bodyStructure: true });
      assert.ok(message);
      const s = message.bodyStructure as MessageStructureObject;
      assert.deepEqual((s.childNodes ?? []).map((c) => c.type), ['text/plain', 'text/plain', 'multipart/digest', 'text/plain']);
      assert.equal((await newestPart(imap, '2')).trim(), 'Welcome to weekly (Weekly news).');
      assert.match(await newestPart(imap, '4'), /^Leave: https:\/\/mail\.example\.test\/mailman\/listinfo\/weekly\r?\nPost to weekly@example\.test\r?\n\r?\nEnd of weekly@example\.test Digest/);
    });
  });
});
