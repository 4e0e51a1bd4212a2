import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DnsCache } from '../../server/net/dns-cache';

describe('DNS answer cache for per-message checks', () => {
  const failing = (code: string) => Object.assign(new Error(code), { code });

  it('asks once for the same question, shares a look-up in flight, and asks again after five minutes', async () => {
    let now = 0;
    const asked: string[] = [];
    const cache = new DnsCache(async (name, type) => {
      asked.push(`${type} ${name}`);
      return [['v=spf1 -all']];
    }, () => now);
    await Promise.all([cache.resolve('example.org', 'TXT'), cache.resolve('EXAMPLE.org', 'TXT')]);
    await cache.resolve('example.org', 'TXT');
    assert.deepEqual(asked, ['TXT example.org']);
    await cache.resolve('example.org', 'MX');
    now = 301_000;
    await cache.resolve('example.org', 'TXT');
    assert.deepEqual(asked, ['TXT example.org', 'MX example.org', 'TXT example.org']);
  });

  it('keeps "no such record" for a minute, and never a time-out', async () => {
    let now = 0;
    let calls = 0;
    const answers = [failing('ENODATA'), failing('ETIMEOUT'), failing('ETIMEOUT')];
    const cache = new DnsCache(async () => {
      throw answers[calls++];
    }, () => now);
    await assert.rejects(cache.resolve('_dmarc.example.org', 'TXT'), { code: 'ENODATA' });
    await assert.rejects(cache.resolve('_dmarc.example.org', 'TXT'), { code: 'ENODATA' });
    assert.equal(calls, 1);
    now = 61_000;
    await assert.rejects(cache.resolve('_dmarc.example.org', 'TXT'), { code: 'ETIMEOUT' });
    await assert.rejects(cache.resolve('_dmarc.example.org', 'TXT'), { code: 'ETIMEOUT' });
    assert.equal(calls, 3, 'time-outs are asked again');
  });
});
