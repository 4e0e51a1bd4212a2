/**
 * The differential test of issue 6: every corpus pair runs through Pigeonhole's sieve-test and
 * through our engine; the normalised actions must be equal. Skipped when sieve-test is missing.
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { checkIncludes, compileSieve, runSieve } from '../../server/sieve/index';
import { CASES, type CorpusCase } from './corpus/cases';
import { MESSAGES } from './corpus/messages';
import {
  DEFAULT_FROM, DEFAULT_TO, MAILBOXES, makeMaildir, normaliseOurs, normalisePigeonhole, runAsUser, runPigeonhole, sieveTestPath, writeCase,
} from './pigeonhole';

/** The spam/virus verdicts the harness gives both engines, read from the X-PB-* test headers. */
function verdicts(message: string): { spamScore?: number; spamPercent?: number; virusScore?: number } {
  const spam = /^X-PB-Spam: v(\d+)/m.exec(message);
  const virus = /^X-PB-Virus: v(\d+)/m.exec(message);
  return {
    spamScore: spam ? Number(spam[1]) : undefined,
    // Pigeonhole's "text" status type reports :percent as ten times the value; feed ours the same.
    spamPercent: spam ? Number(spam[1]) * 10 : undefined,
    virusScore: virus ? Number(virus[1]) : undefined,
  };
}

export async function runOurs(kase: CorpusCase): Promise<string[]> {
  const message = MESSAGES[kase.message];
  const compiled = compileSieve(kase.script, { name: 'script' });
  if (compiled.errors) return normaliseOurs([], [], true);
  const loadInclude = (name: string, scope: 'personal' | 'global'): string | undefined => (scope === 'global' ? kase.global : kase.personal)?.[name];
  // Pigeonhole resolves includes when it compiles; ours are checked the same way at upload (checkIncludes).
  if ((await checkIncludes(compiled.script, { loadInclude })).length) return normaliseOurs([], [], true);
  const to = kase.to ?? DEFAULT_TO;
  const result = await runSieve(
    compiled.script,
    { raw: Buffer.from(message), envelope: { from: kase.from ?? DEFAULT_FROM, to, orig: kase.orig ?? to } },
    {
      ...verdicts(message),
      zone: '+0000',
      userAddresses: [to],
      mailboxExists: (name) => MAILBOXES.includes(name),
      loadInclude,
    },
  );
  return normaliseOurs(result.actions, result.errors, false);
}

test('the corpus has at least 150 pairs and uses every message', () => {
  assert.ok(CASES.length >= 150, `only ${CASES.length} pairs`);
  for (const k of CASES) assert.ok(MESSAGES[k.message] !== undefined, `${k.name}: unknown message ${k.message}`);
  assert.equal(new Set(CASES.map((k) => k.name)).size, CASES.length, 'case names are unique');
});

test('differential: Pigeonhole sieve-test and Pillarbox agree on every corpus pair', async (t) => {
  const bin = sieveTestPath();
  if (!bin) {
    t.skip('sieve-test is not installed (apt-get install dovecot-sieve); differential test skipped');
    return;
  }
  const user = runAsUser();
  const root = mkdtempSync(path.join(os.tmpdir(), 'pb-sieve-diff-'));
  chmodSync(root, 0o777);
  try {
    const maildir = makeMaildir(root);
    const failures: string[] = [];
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < CASES.length) {
        const i = next++;
        const kase = CASES[i];
        const dir = path.join(root, String(i));
        writeCase(dir, kase, MESSAGES[kase.message]);
        const [theirs, ours] = await Promise.all([runPigeonhole(bin, user, dir, maildir, kase), runOurs(kase)]);
        const expected = normalisePigeonhole(theirs);
        if (kase.knownDifference) continue;
        if (JSON.stringify(expected) !== JSON.stringify(ours)) {
          failures.push(`${kase.name}:\n    pigeonhole: ${JSON.stringify(expected)}\n    pillarbox:  ${JSON.stringify(ours)}\n    ${theirs.stderr.split('\n').filter((l) => /error|warning/i.test(l)).join(' | ')}`);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(2, os.cpus().length * 2) }, worker));
    assert.equal(failures.length, 0, `${failures.length} of ${CASES.length} pairs differ:\n${failures.join('\n')}`);
  } finally {
    // sieve-test leaves compiled binaries owned by its user; removal as root or owner works either way.
    rmSync(root, { recursive: true, force: true });
  }
});
