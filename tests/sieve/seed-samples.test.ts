/**
 * The seed's three sample scripts (Mac OS X Server 10.4 Mail Service guide, "Sample Sieve Scripts"),
 * copied as printed into corpus/seed/ — only the vacation script's comment, which the PDF wrapped
 * onto a line of its own, is joined back (see docs/sieve.md).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { compileSieve, runSieve, type SieveAction, type SieveScript } from '../../server/sieve/index';
import { crlf } from './helpers';

const SEED_DIR = path.join(__dirname, '..', '..', '..', 'tests', 'sieve', 'corpus', 'seed');

function seedScript(name: string): SieveScript {
  const c = compileSieve(readFileSync(path.join(SEED_DIR, name)), { name });
  assert.equal(c.errors, undefined, JSON.stringify(c.errors));
  return c.script as SieveScript;
}

async function deliver(script: SieveScript, headers: string[], to = 'bob@example.com'): Promise<SieveAction[]> {
  const raw = Buffer.from(crlf(...headers, '', 'Body text.', ''));
  const r = await runSieve(script, { raw, envelope: { from: 'sender@example.net', to } }, { userAddresses: [to] });
  assert.deepEqual(r.errors, []);
  return r.actions;
}

const BASE = ['From: Sender <sender@example.net>', 'To: bob@example.com', 'Date: Mon, 5 Dec 2005 10:00:00 -0800'];

test('seed sample 1: vacation notification', async () => {
  const actions = await deliver(seedScript('vacation.sieve'), [...BASE, 'Subject: lunch?']);
  assert.equal(actions.length, 2);
  const [v, keep] = actions;
  assert.equal(v.action, 'vacation');
  if (v.action !== 'vacation') return;
  assert.equal(v.seconds, 7 * 86400);
  assert.equal(v.subject, 'Out of Office Reply');
  assert.equal(v.to, 'sender@example.net');
  assert.equal(v.send, true);
  assert.ok(v.addresses.includes('robert.fakeuser@server.com'));
  assert.match(v.reason, /^I’m out of the office and will return on December 31\. I won’t be able to/);
  assert.deepEqual(keep, { action: 'keep', implicit: true });
  // Sent to one of the :addresses only: still answered; sent to a list: not answered.
  const viaAlias = await deliver(seedScript('vacation.sieve'), ['From: sender@example.net', 'To: robert.fakeuser@server.com', 'Subject: x'], 'bob@example.com');
  assert.equal(viaAlias[0].action === 'vacation' && viaAlias[0].send, true);
  const list = await deliver(seedScript('vacation.sieve'), [...BASE, 'Subject: x', 'Precedence: list']);
  assert.equal(list[0].action === 'vacation' && list[0].send, false);
});

test('seed sample 2: self-defined forwarding with keep', async () => {
  assert.deepEqual(await deliver(seedScript('forwarding.sieve'), [...BASE, 'Subject: anything']), [
    { action: 'redirect', address: 'my-other-address@example.com', copy: false },
    { action: 'keep' },
  ]);
});

test('seed sample 3: basic sort and anti-junk filter', async () => {
  const script = seedScript('sort-and-junk.sieve');
  assert.deepEqual(await deliver(script, ['From: Mom <mom@family.example>', 'To: bob@example.com', 'Subject: hello']), [
    { action: 'redirect', address: 'home-address@example.com', copy: false },
  ]);
  assert.deepEqual(await deliver(script, [...BASE, 'Subject: Daffodil season']), [
    { action: 'redirect', address: 'postmaster@server.edu', copy: false },
  ]);
  assert.deepEqual(await deliver(script, [...BASE, 'Subject: win', 'X-Spam-Flag: YES', 'X-Spam-Level: *****']), [{ action: 'discard' }]);
  assert.deepEqual(await deliver(script, [...BASE, 'Subject: maybe', 'X-Spam-Level: ****']), [
    { action: 'fileinto', mailbox: 'INBOX.JunkMail', copy: false, create: false },
  ]);
  assert.deepEqual(await deliver(script, [...BASE, 'Subject: meeting']), [{ action: 'fileinto', mailbox: 'INBOX', copy: false, create: false }]);
});
