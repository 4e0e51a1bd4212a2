import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type TestEngine, startEngine } from '../helpers/engine';
import { smtpSend } from '../helpers/smtp';
import { errorCode, gql, gqlOk, login } from './client';

describe('GraphQL Sieve scripts', () => {
  let t: TestEngine;
  let port: number;
  let token: string;
  let uid: string;

  before(async () => {
    t = await startEngine({ users: [{ shortName: 'alice', password: 'alice-password' }, { shortName: 'bob', password: 'bob-password' }] });
    port = t.ports.http;
    token = await login(port);
    uid = String(t.engine.ctx.directory.userByName('alice')!.id);
  });
  after(() => t.stop());

  const put = (name: string, content: string, activate = false) =>
    gql<{ putSieveScript: { script: { name: string; active: boolean; size: number }; warnings: { line: number; message: string }[] } }>(
      port,
      'mutation ($i: PutSieveScriptInput!) { putSieveScript(input: $i) { script { name active size content } warnings { line column message } } }',
      { token, variables: { i: { userId: uid, name, content, activate } } },
    );

  it('putSieveScript stores a valid script and refuses an invalid one with SIEVE_INVALID, line and column', async () => {
    const ok = await put('rules', 'require "fileinto";\nfileinto "Lists";\n', true);
    assert.equal(ok.errors, undefined);
    assert.deepEqual({ ...ok.data!.putSieveScript.script, content: undefined }, { name: 'rules', active: true, size: 38, content: undefined });
    const bad = await put('broken', 'require "fileinto";\nif header :is "Subject" "x" {\n  frobnicate;\n}\n');
    assert.equal(errorCode(bad), 'SIEVE_INVALID');
    const ext = bad.errors![0].extensions!;
    assert.equal(ext.line, 3);
    assert.equal(ext.column, 3);
    assert.match(bad.errors![0].message, /line 3, column 3/);
    assert.equal(t.engine.ctx.sieve.get(Number(uid), 'broken'), undefined);
    const missing = await put('inc', 'require "include";\ninclude :personal "nothere";\n');
    assert.equal(errorCode(missing), 'SIEVE_INVALID');
    assert.equal(missing.errors![0].extensions!.line, 2);
  });

  it('lists, reads, activates, renames and deletes', async () => {
    await put('second', 'keep;');
    let data = await gqlOk<{ sieveScripts: { name: string; active: boolean }[] }>(port, `{ sieveScripts(userId: "${uid}") { name active } }`, { token });
    assert.deepEqual(data.sieveScripts, [
      { name: 'rules', active: true },
      { name: 'second', active: false },
    ]);
    const one = await gqlOk<{ sieveScript: { content: string } }>(port, `{ sieveScript(userId: "${uid}", name: "second") { content } }`, { token });
    assert.equal(one.sieveScript.content, 'keep;');
    const del = await gql(port, `mutation { deleteSieveScript(input: {userId: "${uid}", name: "rules"}) }`, { token });
    assert.equal(errorCode(del), 'NOT_ALLOWED', 'the active script cannot be deleted');
    await gqlOk(port, `mutation { activateSieveScript(input: {userId: "${uid}", name: "second"}) }`, { token });
    assert.equal(t.engine.ctx.sieve.activeName(Number(uid)), 'second');
    assert.equal(errorCode(await gql(port, `mutation { activateSieveScript(input: {userId: "${uid}", name: "nope"}) }`, { token })), 'NOT_FOUND');
    assert.equal(errorCode(await gql(port, `mutation { renameSieveScript(input: {userId: "${uid}", name: "rules", newName: "second"}) { name } }`, { token })), 'NAME_TAKEN');
    await gqlOk(port, `mutation { renameSieveScript(input: {userId: "${uid}", name: "rules", newName: "old-rules"}) { name } }`, { token });
    await gqlOk(port, `mutation { deleteSieveScript(input: {userId: "${uid}", name: "old-rules"}) }`, { token });
    data = await gqlOk(port, `{ sieveScripts(userId: "${uid}") { name active } }`, { token });
    assert.deepEqual(data.sieveScripts, [{ name: 'second', active: true }]);
  });

  it('setVacation writes and activates the vacation script, keeps the previous one running, and reads back', async () => {
    const input = { userId: uid, enabled: true, subject: 'Away', text: 'I am away until Monday.\nRegards', days: 3, addresses: ['alice@other.example'] };
    const set = await gqlOk<{ setVacation: { enabled: boolean; previousScript: string } }>(
      port,
      'mutation ($i: SetVacationInput!) { setVacation(input: $i) { enabled previousScript } }',
      { token, variables: { i: input } },
    );
    assert.deepEqual(set.setVacation, { enabled: true, previousScript: 'second' });
    assert.equal(t.engine.ctx.sieve.activeName(Number(uid)), 'vacation');
    const read = await gqlOk<{ vacation: Record<string, unknown> }>(port, `{ vacation(userId: "${uid}") { enabled subject text days addresses previousScript } }`, { token });
    assert.deepEqual(read.vacation, { enabled: true, subject: 'Away', text: 'I am away until Monday.\nRegards', days: 3, addresses: ['alice@other.example'], previousScript: 'second' });

    const r = await smtpSend(t.ports.smtp, 'bob@example.test', ['alice@example.test'], 'From: bob@example.test\r\nTo: alice@example.test\r\nSubject: hi\r\n\r\nhello\r\n');
    assert.match(r.data!, /^250/);
    await t.engine.ctx.queue.idle();
    const bobInbox = t.engine.ctx.store.mailbox(t.engine.ctx.directory.userByName('bob')!.id, 'INBOX')!;
    const replies = await Promise.all(t.engine.ctx.store.messages(bobInbox.id).map(async (m) => (await t.engine.ctx.store.readMessage(m)).toString()));
    assert.equal(replies.length, 1);
    assert.match(replies[0], /^Subject: Away\r$/m);
    assert.match(replies[0], /I am away until Monday\.\r\nRegards/);

    await gqlOk(port, 'mutation ($i: SetVacationInput!) { setVacation(input: $i) { enabled } }', { token, variables: { i: { userId: uid, enabled: false } } });
    assert.equal(t.engine.ctx.sieve.activeName(Number(uid)), 'second', 'the previous script is active again');
    const off = await gqlOk<{ vacation: { enabled: boolean; subject: string } }>(port, `{ vacation(userId: "${uid}") { enabled subject } }`, { token });
    assert.deepEqual(off.vacation, { enabled: false, subject: 'Away' });
    const bad = await gql(port, 'mutation ($i: SetVacationInput!) { setVacation(input: $i) { enabled } }', { token, variables: { i: { userId: uid, enabled: true, days: 0 } } });
    assert.equal(errorCode(bad), 'BAD_USER_INPUT');
  });

  it('a monitoring account may read but not change scripts', async () => {
    await gqlOk(port, 'mutation { createAdmin(input: {username: "mon", password: "monitor-password", role: MONITOR}) { id } }', { token });
    const mon = await login(port, 'mon', 'monitor-password');
    await gqlOk(port, `{ sieveScripts(userId: "${uid}") { name } }`, { token: mon });
    const r = await gql(port, `mutation { deleteSieveScript(input: {userId: "${uid}", name: "second"}) }`, { token: mon });
    assert.equal(errorCode(r), 'FORBIDDEN');
  });
});
