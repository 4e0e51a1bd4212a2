import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { JunkFilter } from '../../server/junk/filter';
import { junkForUser, normalizeSender } from '../../server/junk/user-preferences';
import type { Verdict } from '../../server/junk/verdict';
import { startEngine, type TestEngine } from '../helpers/engine';
import { smtpSend } from '../helpers/smtp';
import { errorCode, gql, gqlOk, userLogin } from '../graphql/client';
import { ham, spam } from '../junk/fixtures';

const verdict = (score: number, isJunk: boolean): Verdict => ({ isJunk, score, required: 5, probability: 0.9, tests: [], tested: true });

describe('users\u2019 own junk level and sender lists (rules)', () => {
  it('allowed beats blocked, blocked beats the score, the own level beats the server\u2019s', () => {
    const prefs = { permissiveness: undefined, allow: ['friend@example.org'], block: ['example.org'] };
    assert.deepEqual(junkForUser(prefs, ['friend@example.org'], verdict(9, true)), { isJunk: false, reason: 'allowed' });
    assert.deepEqual(junkForUser(prefs, ['other@mail.example.org'], verdict(-1, false)), { isJunk: true, reason: 'blocked' });
    assert.deepEqual(junkForUser(prefs, ['x@elsewhere.test'], verdict(4, false)), { isJunk: false, reason: 'server' });
    assert.deepEqual(junkForUser({ permissiveness: 'least', allow: [], block: [] }, ['x@elsewhere.test'], verdict(4, false)), { isJunk: true, reason: 'own level' });
    assert.deepEqual(junkForUser({ permissiveness: 'most', allow: [], block: [] }, ['x@elsewhere.test'], verdict(6, true)), { isJunk: false, reason: 'own level' });
    // An untested message (untrained filter, no spamd) is left to the server's verdict.
    assert.equal(junkForUser({ permissiveness: 'least', allow: [], block: [] }, [], { ...verdict(0, false), tested: false }).isJunk, false);
  });

  it('normalises senders and refuses what is neither an address nor a domain', () => {
    assert.equal(normalizeSender(' @Example.ORG '), 'example.org');
    assert.equal(normalizeSender('Bob@Example.org'), 'bob@example.org');
    for (const bad of ['not a domain', 'bob@', 'example', '<bob@example.org>']) assert.throws(() => normalizeSender(bad), /neither an address/);
  });
});

describe('users\u2019 own junk settings in delivery', () => {
  let t: TestEngine;
  let alice: string;
  const id = (name: string) => t.engine.ctx.directory.userByName(name)!.id;
  const last = (name: string, mailbox: string) => {
    const box = t.engine.ctx.store.mailbox(id(name), mailbox)!;
    return t.engine.ctx.store.messages(box.id).at(-1);
  };
  const count = (name: string, mailbox: string) => t.engine.ctx.store.messages(t.engine.ctx.store.mailbox(id(name), mailbox)!.id).length;
  const send = async (raw: Buffer, from: string) => {
    const r = await smtpSend(t.ports.smtp, from, ['alice@example.test', 'carol@example.test'], raw.toString('latin1'));
    await t.engine.ctx.queue.idle();
    return r;
  };

  before(async () => {
    t = await startEngine({ users: [{ shortName: 'alice', password: 'alice-password-1' }, { shortName: 'carol', password: 'carol-password-1' }] });
    const trainer = JunkFilter.open(t.dataDir);
    trainer.learnMany(Array.from({ length: 240 }, (_, i) => spam(i)), 'spam');
    trainer.learnMany(Array.from({ length: 240 }, (_, i) => ham(i)), 'ham');
    trainer.close();
    t.engine.ctx.settings.update({ junkScanEnabled: true });
    alice = await userLogin(t.ports.http, 'alice', 'alice-password-1');
  });
  after(() => t.stop());

  it('are set and read over GraphQL, with typed errors for bad senders', async () => {
    const set = await gqlOk<{ setMyJunkSettings: { permissiveness: string | null; serverPermissiveness: string; allowedSenders: string[]; blockedSenders: string[] } }>(
      t.ports.http,
      'mutation { setMyJunkSettings(input: {allowedSenders: ["@example.biz"], blockedSenders: ["example.org"]}) { permissiveness serverPermissiveness allowedSenders blockedSenders } }',
      { token: alice },
    );
    assert.deepEqual(set.setMyJunkSettings, { permissiveness: null, serverPermissiveness: 'MODERATE', allowedSenders: ['example.biz'], blockedSenders: ['example.org'] });
    const bad = await gql(t.ports.http, 'mutation { setMyJunkSettings(input: {blockedSenders: ["not a sender"]}) { blockedSenders } }', { token: alice });
    assert.equal(errorCode(bad), 'BAD_USER_INPUT');
    assert.equal(bad.errors?.[0].extensions?.field, 'senders');
  });

  it('a blocked sender\u2019s mail is junk for that user only: filed into Junk with $Junk, while the other recipient gets it in INBOX', async () => {
    const before = { aliceJunk: count('alice', 'Junk'), carolInbox: count('carol', 'INBOX') };
    await send(ham(2000), 'bob@example.org');
    assert.equal(count('alice', 'Junk'), before.aliceJunk + 1);
    assert.ok(last('alice', 'Junk')?.flags.includes('$Junk'));
    assert.equal(count('carol', 'INBOX'), before.carolInbox + 1);
    assert.ok(!last('carol', 'INBOX')?.flags.includes('$Junk'));
  });

  it('Sieve\u2019s spamtest reads the user\u2019s own verdict: 10 for a blocked sender, while the other recipient\u2019s is the server\u2019s', async () => {
    t.engine.ctx.store.createMailbox(id('alice'), 'Sure junk');
    const script = 'require ["spamtest", "relational", "comparator-i;ascii-numeric", "fileinto"];\nif spamtest :value "eq" :comparator "i;ascii-numeric" "10" { fileinto "Sure junk"; }\n';
    await gqlOk(t.ports.http, 'mutation ($c: String!) { putMySieveScript(input: {name: "spam", content: $c, activate: true}) { script { name } } }', { token: alice, variables: { c: script } });
    try {
      await send(ham(2001), 'bob@example.org');
      assert.equal(count('alice', 'Sure junk'), 1);
    } finally {
      await gqlOk(t.ports.http, 'mutation { activateMySieveScript(name: "") }', { token: alice });
    }
  });

  it('an allowed sender\u2019s junk is not junk for that user: delivered although the server deletes it for the others', async () => {
    t.engine.ctx.settings.update({ junkAction: 'delete' });
    try {
      const before = { alice: count('alice', 'INBOX'), carol: count('carol', 'INBOX') };
      await send(spam(3000), 'deals@promo.example.biz');
      assert.equal(count('alice', 'INBOX'), before.alice + 1, 'alice allows example.biz');
      assert.equal(count('carol', 'INBOX'), before.carol, 'deleted for carol');
    } finally {
      t.engine.ctx.settings.update({ junkAction: 'deliver' });
    }
  });
});
