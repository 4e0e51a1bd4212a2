import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type TestEngine, startEngine } from '../helpers/engine';
import { setVacation } from '../../server/sieve/vacation';

// The vacation shortcut's rules live in server/sieve (issue 15), so any caller gets them.
let t: TestEngine;
let userId: number;

before(async () => {
  t = await startEngine({ users: [{ shortName: 'alice', password: 'alice-password-1' }] });
  userId = t.engine.ctx.directory.userByName('alice')!.id;
});
after(() => t.stop());

test('refuses bad days, addresses and an empty text; keeps and restores the script that ran before', async () => {
  const { sieve } = t.engine.ctx;
  await assert.rejects(setVacation(sieve, userId, { enabled: true, text: 'Away', days: 0 }), { code: 'INVALID_DAYS', field: 'days' });
  await assert.rejects(setVacation(sieve, userId, { enabled: true, text: 'Away', addresses: ['nobody'] }), { code: 'INVALID_ADDRESS' });
  await assert.rejects(setVacation(sieve, userId, { enabled: true, text: '  ' }), { code: 'TEXT_REQUIRED' });
  await sieve.put(userId, 'filing', 'require "fileinto";\r\nif header :contains "subject" "x" { fileinto "INBOX"; }\r\n', { activate: true });
  const on = await setVacation(sieve, userId, { enabled: true, text: 'Away until Monday', days: 3 });
  assert.deepEqual({ enabled: on.enabled, days: on.days, previous: on.previous }, { enabled: true, days: 3, previous: 'filing' });
  assert.equal(sieve.activeName(userId), 'vacation');
  const off = await setVacation(sieve, userId, { enabled: false });
  assert.equal(off.text, 'Away until Monday');
  assert.equal(sieve.activeName(userId), 'filing');
});
