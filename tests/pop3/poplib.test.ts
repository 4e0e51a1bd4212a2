import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TestEngine } from '../helpers/engine';
import { ALICE, deliver, inboxUids, makeMessage, python, readFile, startPopEngine } from './pop3-fixture';

// Python's poplib as a real client. The script prints one JSON object; message contents
// are base64 of the lines poplib returns, joined with CRLF (poplib undoes byte-stuffing).
const SCRIPT = String.raw`
import base64, json, poplib, ssl, sys
mode, port, user, password = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
if mode == 'pop3s':
    p = poplib.POP3_SSL('127.0.0.1', port, context=ctx, timeout=10)
else:
    p = poplib.POP3('127.0.0.1', port, timeout=10)
out = {'welcome': p.getwelcome().decode()}
if mode == 'stls':
    out['capa_before'] = sorted(p.capa().keys())
    p.stls(context=ctx)
if mode == 'apop':
    p.apop(user, password)
else:
    p.user(user)
    p.pass_(password)
out['capa'] = sorted(p.capa().keys())
out['stat'] = list(p.stat())
out['list'] = [l.decode() for l in p.list()[1]]
out['uidl'] = [l.decode() for l in p.uidl()[1]]
resp, lines, octets = p.retr(1)
out['retr'] = base64.b64encode(b'\r\n'.join(lines) + b'\r\n').decode()
out['top'] = [l.decode() for l in p.top(1, 0)[1]]
out['dele'] = p.dele(1).decode()
out['quit'] = p.quit().decode()
print(json.dumps(out))
`;

let te: TestEngine;
before(async () => {
  te = await startPopEngine({ popAuthApop: true });
});
after(() => te.stop());

interface PoplibResult {
  welcome: string;
  capa_before?: string[];
  capa: string[];
  stat: [number, number];
  list: string[];
  uidl: string[];
  retr: string;
  top: string[];
  dele: string;
  quit: string;
}

async function runPoplib(mode: 'pop3s' | 'stls' | 'apop'): Promise<PoplibResult> {
  const port = mode === 'pop3s' ? te.ports.pop3s : te.ports.pop3;
  return JSON.parse(await python(SCRIPT, [mode, String(port), ALICE.shortName, ALICE.password])) as PoplibResult;
}

for (const mode of ['pop3s', 'stls', 'apop'] as const) {
  test(`poplib (${mode}): stat, list, uidl, retr, top, dele, quit`, async () => {
    const content = makeMessage(`poplib ${mode}`, ['Hello from the test.', '.a line with a leading dot', '', 'Bye.']);
    const m = await deliver(te, content);
    const stored = readFile(m.file);
    assert.deepEqual(stored, content);
    const r = await runPoplib(mode);
    assert.match(r.welcome, /^\+OK Pillarbox/);
    if (mode === 'stls') {
      assert.ok(r.capa_before?.includes('STLS'));
      assert.ok(!r.capa_before?.includes('USER'), 'USER is not offered before TLS');
    }
    assert.deepEqual(r.stat, [1, stored.length]);
    assert.deepEqual(r.list, [`1 ${stored.length}`]);
    assert.deepEqual(r.uidl, [`1 ${m.uidValidity}.${m.uid}`]);
    assert.deepEqual(Buffer.from(r.retr, 'base64'), stored, 'RETR gives exactly the stored file');
    assert.equal(r.top.at(-1), '');
    assert.ok(r.top.includes(`Subject: poplib ${mode}`));
    assert.match(r.dele, /^\+OK/);
    assert.match(r.quit, /^\+OK/);
    assert.deepEqual(inboxUids(te), [], 'the message is gone after QUIT');
  });
}

test('poplib over STLS retrieves a large message intact', async () => {
  const body: string[] = [];
  for (let i = 0; i < 40000; i++) body.push(i % 7 === 0 ? `.dotted line ${i}` : `line ${i} ${'x'.repeat(60)}`);
  const m = await deliver(te, makeMessage('large', body));
  const stored = readFile(m.file);
  assert.ok(stored.length > 2_000_000);
  const r = await runPoplib('stls');
  assert.deepEqual(Buffer.from(r.retr, 'base64'), stored);
  assert.deepEqual(inboxUids(te), []);
});
