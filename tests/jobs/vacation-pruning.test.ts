import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { VACATION_PRUNING_JOB } from '../../server/jobs/vacation-pruning';
import { type TestEngine, startEngine } from '../helpers/engine';

describe('Sieve vacation memory pruning job', () => {
  let t: TestEngine;
  before(async () => {
    t = await startEngine({ users: [{ shortName: 'away', password: 'away-password-1' }] });
  });
  after(() => t.stop());

  it('forgets replies older than a year and keeps recent ones; :days still holds for those', async () => {
    const { sieve, directory } = t.engine.ctx;
    const id = directory.userByName('away')!.id;
    const longAgo = Date.now() - 400 * 86400_000;
    assert.equal(sieve.vacationMemory(id, () => longAgo).shouldReply('h', 'old@example.org', 7 * 86400), true);
    assert.equal(sieve.vacationMemory(id).shouldReply('h', 'new@example.org', 7 * 86400), true);
    const run = await t.engine.ctx.jobs.runNow(VACATION_PRUNING_JOB);
    assert.equal(run.outcome, 'ok');
    assert.match(run.output, /forgot 1 vacation reply/);
    assert.equal(sieve.vacationMemory(id).shouldReply('h', 'new@example.org', 7 * 86400), false, 'the recent reply is still remembered');
  });
});
