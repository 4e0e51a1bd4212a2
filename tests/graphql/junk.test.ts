import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startEngine, type TestEngine } from '../helpers/engine';
import { ham, spam } from '../junk/fixtures';
import { errorCode, gql, gqlOk, login } from './client';

interface Learnt {
  messages: number;
  learnt: number;
  relearnt: number;
  alreadyLearnt: number;
  forgotten: number;
  notLearnt: number;
  statistics: { spamLearnt: number; hamLearnt: number; tokens: number; trained: boolean; lastLearnt: string | null };
}

const FIELDS = 'messages learnt relearnt alreadyLearnt forgotten notLearnt statistics { spamLearnt hamLearnt tokens trained lastLearnt }';

/** Training the junk filter through the API: raw text and mailbox messages, as spam, ham or forgotten. */
describe('GraphQL junk statistics and learnJunk', () => {
  let t: TestEngine;
  let token: string;
  let aliceId: string;
  const learn = async (input: string, variables: Record<string, unknown> = {}) =>
    (await gqlOk<{ learnJunk: Learnt }>(t.ports.http, `mutation ${input.includes('$raw') ? '($raw: String)' : ''} { learnJunk(input: ${input}) { ${FIELDS} } }`, { token, variables })).learnJunk;

  before(async () => {
    t = await startEngine({ users: [{ shortName: 'alice', password: 'alice-password-1' }] });
    token = await login(t.ports.http);
    const alice = t.engine.ctx.directory.userByName('alice')!;
    aliceId = String(alice.id);
    t.engine.ctx.store.ensureDefaultMailboxes(alice.id);
    await t.engine.ctx.store.append([0, 1, 2].map((i) => ({ userId: alice.id, mailbox: 'Junk', source: { parts: [spam(i)] } })));
    await t.engine.ctx.store.append([{ userId: alice.id, mailbox: 'INBOX', source: { parts: [ham(1)] } }]);
  });
  after(() => t.stop());

  it('starts empty', async () => {
    const { junkStatistics } = await gqlOk<{ junkStatistics: Learnt['statistics'] & { minLearntPerClass: number; lastTraining: null } }>(
      t.ports.http,
      '{ junkStatistics { spamLearnt hamLearnt tokens trained minLearntPerClass lastTraining { id } } }',
      { token },
    );
    assert.deepEqual(junkStatistics, { spamLearnt: 0, hamLearnt: 0, tokens: 0, trained: false, minLearntPerClass: 200, lastTraining: null });
  });

  it('learns a mailbox as spam, raw text as ham, moves a message between classes and forgets it', async () => {
    const junk = await learn(`{as: SPAM, userId: "${aliceId}", mailbox: "Junk"}`);
    assert.equal(junk.messages, 3);
    assert.equal(junk.learnt, 3);
    assert.equal(junk.statistics.spamLearnt, 3);
    assert.ok(junk.statistics.lastLearnt);

    const again = await learn(`{as: SPAM, userId: "${aliceId}", mailbox: "Junk", uids: [1]}`);
    assert.equal(again.alreadyLearnt, 1);

    const raw = ham(7).toString('utf8');
    const good = await learn('{as: HAM, raw: $raw}', { raw });
    assert.equal(good.learnt, 1);
    assert.equal(good.statistics.hamLearnt, 1);

    const moved = await learn(`{as: HAM, userId: "${aliceId}", mailbox: "Junk", uids: [2]}`);
    assert.equal(moved.relearnt, 1);
    assert.deepEqual([moved.statistics.spamLearnt, moved.statistics.hamLearnt], [2, 2]);

    const forgot = await learn('{as: FORGET, raw: $raw}', { raw });
    assert.equal(forgot.forgotten, 1);
    assert.equal(forgot.statistics.hamLearnt, 1);
    const nothing = await learn('{as: FORGET, raw: $raw}', { raw });
    assert.equal(nothing.notLearnt, 1);
  });

  it('refuses bad input with typed errors, and the monitor role', async () => {
    const q = (input: string) => gql(t.ports.http, `mutation { learnJunk(input: ${input}) { messages } }`, { token });
    assert.equal(errorCode(await q('{as: SPAM}')), 'BAD_USER_INPUT');
    assert.equal(errorCode(await q(`{as: SPAM, raw: "x", userId: "${aliceId}"}`)), 'BAD_USER_INPUT');
    assert.equal(errorCode(await q('{as: SPAM, raw: "  "}')), 'BAD_USER_INPUT');
    assert.equal(errorCode(await q('{as: SPAM, mailbox: "Junk"}')), 'BAD_USER_INPUT');
    assert.equal(errorCode(await q(`{as: SPAM, userId: "${aliceId}", mailbox: "Nope"}`)), 'NOT_FOUND');
    assert.equal(errorCode(await q(`{as: SPAM, userId: "${aliceId}", mailbox: "Junk", uids: [99]}`)), 'NOT_FOUND');
    assert.equal(errorCode(await q('{as: SPAM, userId: "9999"}')), 'NOT_FOUND');
    await gqlOk(t.ports.http, 'mutation { createAdmin(input: {username: "dash", password: "dashboard-pw-1", role: MONITOR}) { username } }', { token });
    const monitor = await login(t.ports.http, 'dash', 'dashboard-pw-1');
    const denied = await gql(t.ports.http, 'mutation { learnJunk(input: {as: SPAM, raw: "Subject: x\\r\\n\\r\\ny"}) { messages } }', { token: monitor });
    assert.equal(errorCode(denied), 'FORBIDDEN');
    assert.equal((await gqlOk<{ junkStatistics: { spamLearnt: number } }>(t.ports.http, '{ junkStatistics { spamLearnt } }', { token: monitor })).junkStatistics.spamLearnt, 2);
  });
});
