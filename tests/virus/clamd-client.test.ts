import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { ClamdClient, ClamdError } from '../../server/virus/clamd-client';
import { EICAR, EICAR_NAME, TestClamd, missingClamd } from '../helpers/clamd';

/** The clamd socket protocol against a real clamd, over a Unix socket and over TCP. */
describe('clamd client', { skip: missingClamd() }, () => {
  let unix: TestClamd;
  let tcp: TestClamd;

  before(async () => {
    [unix, tcp] = await Promise.all([new TestClamd({ streamMaxLength: '1M' }).start(), new TestClamd({ tcp: true }).start()]);
  });
  after(async () => {
    await Promise.all([unix?.dispose(), tcp?.dispose()]);
  });

  it('answers PING and VERSION on both kinds of socket', async () => {
    for (const c of [unix, tcp]) {
      const client = new ClamdClient(c.address);
      assert.equal(await client.ping(), true);
      assert.match(await client.version(), /^ClamAV \d+\.\d+/);
    }
    assert.match(tcp.address, /^127\.0\.0\.1:\d+$/);
  });

  it('finds EICAR in a plain message and in a base64 attachment, and passes clean mail', async () => {
    const client = new ClamdClient(unix.address);
    const plain = Buffer.from(`Subject: test\r\n\r\n${EICAR}\r\n`);
    assert.deepEqual(await client.scanBuffer(plain), { infected: true, virus: EICAR_NAME });
    const attached = Buffer.from(
      [
        'Subject: attachment',
        'MIME-Version: 1.0',
        'Content-Type: multipart/mixed; boundary="b"',
        '',
        '--b',
        'Content-Type: text/plain',
        '',
        'see attached',
        '--b',
        'Content-Type: application/octet-stream; name="eicar.com"',
        'Content-Transfer-Encoding: base64',
        'Content-Disposition: attachment; filename="eicar.com"',
        '',
        Buffer.from(EICAR).toString('base64'),
        '--b--',
        '',
      ].join('\r\n'),
    );
    assert.deepEqual(await new ClamdClient(tcp.address).scanBuffer(attached), { infected: true, virus: EICAR_NAME });
    assert.deepEqual(await client.scanBuffer(Buffer.from('Subject: hello\r\n\r\nNothing to see here.\r\n')), { infected: false });
  });

  it('reports clamd\u2019s StreamMaxLength refusal as too-large', async () => {
    const big = Buffer.alloc(3 * 1024 * 1024, 'a');
    await assert.rejects(new ClamdClient(unix.address).scanBuffer(big), (err: unknown) => err instanceof ClamdError && err.code === 'too-large');
    // The connection was clamd's to close; the next scan works.
    assert.deepEqual(await new ClamdClient(unix.address).scanBuffer(Buffer.from('ok\r\n')), { infected: false });
  });

  it('scans a 4 KB message in a few milliseconds', async (tc) => {
    const client = new ClamdClient(unix.address);
    const message = Buffer.from(`Subject: size\r\n\r\n${'All work and no play. '.repeat(186)}\r\n`);
    assert.ok(message.length >= 4096);
    const runs = 50;
    const started = process.hrtime.bigint();
    for (let i = 0; i < runs; i++) assert.equal((await client.scanBuffer(message)).infected, false);
    const ms = Number(process.hrtime.bigint() - started) / 1e6 / runs;
    tc.diagnostic(`INSTREAM of a ${message.length}-byte message: ${ms.toFixed(2)} ms on average over ${runs} scans`);
  });

  it('reports a socket nobody listens on as unreachable', async () => {
    const gone = new ClamdClient(path.join(unix.dir, 'no-such.sock'));
    await assert.rejects(gone.scanBuffer(Buffer.from('x')), (err: unknown) => err instanceof ClamdError && err.code === 'unreachable');
    assert.equal(await gone.ping(), false);
  });
});
