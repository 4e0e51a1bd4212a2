import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CommandRate } from '../../server/net/command-rate';

describe('commands per second (token bucket)', () => {
  it('lets a burst through at once, then makes the client wait for the rate', async () => {
    let now = 1_000_000;
    const waits: number[] = [];
    const rate = new CommandRate(
      () => 10,
      () => 3,
      () => now,
      async (ms) => {
        waits.push(ms);
        now += ms;
      },
    );
    for (let i = 0; i < 3; i++) assert.equal(await rate.take(), 0, 'the burst');
    assert.equal(await rate.take(), 100, 'then one every 100 ms at 10 per second');
    assert.equal(await rate.take(), 100);
    now += 1000;
    assert.equal(await rate.take(), 0, 'an idle second refills the bucket');
    assert.deepEqual(waits, [100, 100]);
  });

  it('0 means no limit', async () => {
    const rate = new CommandRate(() => 0, () => 0);
    for (let i = 0; i < 1000; i++) assert.equal(await rate.take(), 0);
  });
});
