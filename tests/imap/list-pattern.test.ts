import test from 'node:test';
import assert from 'node:assert/strict';
import { listPatternMatcher } from '../../server/imap/commands/list';

const matches = (pattern: string, name: string) => listPatternMatcher(pattern)(name);

test('LIST patterns: "*" crosses the separator, "%" does not, INBOX is case-insensitive', () => {
  assert.equal(matches('*', 'a/b/c'), true);
  assert.equal(matches('%', 'a/b'), false);
  assert.equal(matches('a/%', 'a/b'), true);
  assert.equal(matches('a/%', 'a/b/c'), false);
  assert.equal(matches('a*c', 'a/b/c'), true);
  assert.equal(matches('*a%b', 'a/ab'), true);
  assert.equal(matches('inbox', 'INBOX'), true);
  assert.equal(matches('inbox/%', 'INBOX/x'), true);
  assert.equal(matches('Inbox', 'Inbox'), false); // names other than INBOX are case-sensitive
  assert.equal(matches('', ''), true);
  assert.equal(matches('a.b', 'axb'), false); // no RegExp meaning for "."
});

test('LIST patterns take linear time: many wildcards on a long name (found by tests/fuzz/imap)', () => {
  const started = performance.now();
  assert.equal(matches('*a*a*a*a*a*a*a*a*b', 'a'.repeat(60)), false);
  assert.equal(matches('*****%*%aa', 'a/'.repeat(400)), false);
  assert.equal(matches('*a'.repeat(2000) + '*b', 'a'.repeat(512)), false);
  // With a backtracking RegExp the first of these took minutes.
  assert.ok(performance.now() - started < 1000);
});

test('a pattern with more characters than the name is refused at once; the work is bounded by the name', () => {
  const started = performance.now();
  // 32,000 wildcards and as many literals: longer than any mailbox name (512 characters).
  assert.equal(matches('*a'.repeat(32_000) + '*', 'a'.repeat(512)), false);
  // The worst a 512-character name can cost: about 512 × 1,025 steps.
  assert.equal(matches('*a'.repeat(256) + '*b', 'a'.repeat(512)), false);
  assert.ok(performance.now() - started < 1000);
});
