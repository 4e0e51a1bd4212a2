import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';

const CLI = path.join(__dirname, '..', '..', 'server', 'cli', 'pillarbox.js');

function sieveTest(script: string, message: string, ...flags: string[]): { code: number | null; stdout: string; stderr: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pb-sieve-cli-'));
  try {
    writeFileSync(path.join(dir, 'script.sieve'), script);
    writeFileSync(path.join(dir, 'inc.sieve'), 'discard;');
    writeFileSync(path.join(dir, 'message.eml'), message);
    const r = spawnSync(process.execPath, [CLI, 'sieve', 'test', path.join(dir, 'script.sieve'), path.join(dir, 'message.eml'), ...flags], { encoding: 'utf8' });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const MSG = 'From: joe@example.org\r\nTo: me@example.com\r\nSubject: Flowers for you\r\n\r\nRoses.\r\n';

test('pillarbox sieve test prints the actions as JSON lines', () => {
  const r = sieveTest('require ["fileinto", "envelope"];\nif header :contains "subject" "flowers" { fileinto "INBOX.Flowers"; }\nif envelope :is "from" "joe@example.org" { keep; }', MSG, '--from', 'joe@example.org', '--to', 'me@example.com');
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(r.stdout.trim().split('\n'), ['{"action":"fileinto","mailbox":"INBOX.Flowers","copy":false}', '{"action":"keep"}']);
});

test('pillarbox sieve test: implicit keep, includes from the script folder', () => {
  assert.equal(sieveTest('', MSG).stdout, '{"action":"keep","implicit":true}\n');
  assert.equal(sieveTest('require "include"; include "inc";', MSG).stdout, '{"action":"discard"}\n');
});

test('pillarbox sieve test: errors go to stderr with line:column, exit code 1', () => {
  const r = sieveTest('keep;\nif header :is "subject" {\n  keep;\n}', MSG);
  assert.equal(r.code, 1);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /^script\.sieve:2:4: /);
  const rt = sieveTest('require "reject";\nkeep;\nreject "no";', MSG);
  assert.equal(rt.code, 1);
  assert.match(rt.stderr, /^script\.sieve:3:1: reject conflicts with keep/);
  assert.equal(rt.stdout, '{"action":"keep","implicit":true}\n');
});
