import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startEngine, type TestEngine } from '../helpers/engine';
import { LineClient } from '../helpers/line-client';
import type { LogEntry } from '../../server/logs/logger';

/** The seed's detail levels, debug included, changed while the engine runs. */
describe('log detail levels', () => {
  let t: TestEngine;
  before(async () => {
    t = await startEngine({ settings: { allowPlaintextAuthWithoutTls: true }, users: [{ shortName: 'alice', password: 'alice-password-1' }] });
  });
  after(() => t.stop());

  /** Runs one IMAP session and returns the imap entries it wrote (the in-memory tail is written with the file, in the same call). */
  const session = async (): Promise<LogEntry[]> => {
    const from = t.engine.ctx.logs.tail.length;
    const c = await LineClient.connect(t.ports.imap);
    await c.waitFor(/^\* OK/);
    await c.command('a1 LOGIN alice alice-password-1', /^a1 /);
    await c.command('a2 SELECT INBOX', /^a2 /);
    await c.command('a3 FETCH 9 FLAGS', /^a3 /);
    await c.command('a4 LOGOUT', /^a4 /);
    c.close();
    return t.engine.ctx.logs.tail.slice(from).filter((e) => e.service === 'imap');
  };

  it('IMAP at DEBUG writes how every command ended, at HIGH the commands only, at LOW nothing of it; at once', async () => {
    const levels = (level: 'low' | 'high' | 'debug') => t.engine.ctx.settings.update({ logLevelImapPop: level });
    levels('high');
    const high = await session();
    assert.ok(high.some((e) => e.severity === 'event' && e.command === 'SELECT'));
    assert.ok(!high.some((e) => e.severity === 'debug'));

    levels('debug');
    const debug = (await session()).filter((e) => e.severity === 'debug');
    assert.deepEqual(
      debug.map((e) => [e.command, e.status]),
      [['LOGIN', 'OK'], ['SELECT', 'OK'], ['FETCH', 'BAD'], ['LOGOUT', 'OK']],
    );
    assert.ok(!JSON.stringify(debug).includes('alice-password-1'));

    levels('low');
    assert.deepEqual(await session(), []);
  });
});
