import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { classifyCommand, FILES_PER_WORKER, idleCores, learnCommand, splitByWork } from '../../server/junk/cli';
import { ham, spam } from './fixtures';

class Capture {
  text = '';
  write(s: string): boolean {
    this.text += s;
    return true;
  }
}

async function run(command: typeof learnCommand, args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out = new Capture();
  const err = new Capture();
  const code = await command(args, out, err);
  return { code, out: out.text, err: err.text };
}

describe('pillarbox learn / classify', () => {
  let dir: string;
  let data: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'junk-cli-'));
    data = path.join(dir, 'data');
    // 200 of each, the minimum before the filter scores: spam as an mbox, ham as a directory tree.
    const mbox = Array.from({ length: 200 }, (_, i) => `From spammer@example.biz Mon Jan  1 10:00:00 2024\n${spam(i).toString().replace(/^From /gm, '>From ')}\n`).join('');
    fs.writeFileSync(path.join(dir, 'spam.mbox'), mbox);
    fs.mkdirSync(path.join(dir, 'ham', 'cur'), { recursive: true });
    for (let i = 0; i < 200; i++) fs.writeFileSync(path.join(dir, 'ham', 'cur', `${i}.eml`), ham(i));
    // What Dovecot keeps in a maildir beside cur/ and new/: never learnt.
    fs.writeFileSync(path.join(dir, 'ham', 'dovecot-uidlist'), '3 V1700000000 N201 G0123abcd\n');
    fs.writeFileSync(path.join(dir, 'new-spam.eml'), spam(1000));
    fs.writeFileSync(path.join(dir, 'new-ham.eml'), ham(1000));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('rejects bad usage with exit code 2', async () => {
    assert.equal((await run(learnCommand, ['--data-dir', data, path.join(dir, 'ham')])).code, 2);
    assert.equal((await run(learnCommand, ['--spam', '--ham', '--data-dir', data, path.join(dir, 'ham')])).code, 2);
    assert.equal((await run(learnCommand, ['--spam', '--data-dir', data])).code, 2);
    assert.equal((await run(classifyCommand, ['--level', 'extreme', '--data-dir', data, 'x'])).code, 2);
  });

  it('classify warns that an untrained filter scores nothing', async () => {
    const r = await run(classifyCommand, ['--data-dir', data, path.join(dir, 'new-spam.eml')]);
    assert.equal(r.code, 0);
    assert.match(r.err, /learnt 0 junk and 0 good/);
    assert.match(r.out, /new-spam\.eml\tnot-junk\tscore=0\.0 required=5\.0 bayes=0\.5000 tests=none/);
  });

  it('learns from an mbox and a directory, with dots, idempotently', async () => {
    const s = await run(learnCommand, ['--spam', '--showdots', '--data-dir', data, path.join(dir, 'spam.mbox')]);
    assert.equal(s.code, 0);
    assert.equal(s.err, '.'.repeat(200) + '\n');
    assert.match(s.out, /^Learned tokens from 200 message\(s\) \(200 message\(s\) examined\)$/m);
    const h = await run(learnCommand, ['--ham', `--data-dir=${data}`, path.join(dir, 'ham')]);
    assert.equal(h.code, 0);
    assert.match(h.out, /Learned tokens from 200 message\(s\) \(200 message\(s\) examined; 1 file\(s\) that are not mail skipped\)[\s\S]*knows 200 junk and 200 good/);
    assert.match(h.err, /skipped .*dovecot-uidlist: not a mail message/);
    const again = await run(learnCommand, ['--ham', '--data-dir', data, path.join(dir, 'ham')]);
    assert.match(again.out, /Learned tokens from 0 message\(s\) \(200 message\(s\) examined; 1 file/);
  });

  it('classifies files with score and verdict, and explains with --clues', async () => {
    const r = await run(classifyCommand, ['--data-dir', data, '--clues', '3', path.join(dir, 'new-spam.eml'), path.join(dir, 'new-ham.eml')]);
    assert.equal(r.code, 0);
    const lines = r.out.split('\n');
    assert.match(lines[0], /new-spam\.eml\tjunk\tscore=\d+\.\d required=5\.0 bayes=(0\.9\d+|1\.0000) tests=BAYES_99/);
    assert.match(lines[1], /^\t0\.\d{3}\t\S/);
    assert.match(lines[4], /new-ham\.eml\tnot-junk\tscore=-\d\.\d required=5\.0 bayes=0\.0\d+ tests=BAYES_00/);
  });

  it('spreads a big run over worker threads, with the same output in the same order', async () => {
    const many = path.join(dir, 'many');
    fs.mkdirSync(many);
    const files: string[] = [];
    for (let i = 0; i < 2 * FILES_PER_WORKER + 10; i++) {
      const f = path.join(many, `${String(i).padStart(4, '0')}.eml`);
      fs.writeFileSync(f, i % 3 === 0 ? spam(3000 + i) : ham(3000 + i));
      files.push(f);
    }
    files.splice(250, 0, path.join(dir, 'missing.eml'));
    files.splice(300, 0, path.join(dir, 'ham', 'dovecot-uidlist'));
    const one = await run(classifyCommand, ['--data-dir', data, '--threads', '1', ...files]);
    const two = await run(classifyCommand, ['--data-dir', data, '--threads', '2', ...files]);
    assert.equal(one.code, 1);
    assert.equal(two.code, 1);
    assert.equal(two.out, one.out);
    assert.equal(one.out.split('\n').length - 1, files.length - 2);
    assert.match(one.out, /0000\.eml\tjunk/);
    assert.match(two.err, /missing\.eml: ENOENT/);
    assert.match(one.err, /dovecot-uidlist: not a mail message/);
    assert.match(two.err, /dovecot-uidlist: not a mail message/);
    assert.doesNotMatch(two.err, /worker thread failed/);
    // A directory is split the same way.
    const dirRun = await run(classifyCommand, ['--data-dir', data, '--threads', '2', many]);
    assert.equal(dirRun.out, one.out);
  });

  it('forgets, and reports unreadable paths with exit code 1', async () => {
    const f = await run(learnCommand, ['--forget', '--data-dir', data, path.join(dir, 'ham', 'cur', '0.eml'), path.join(dir, 'missing')]);
    assert.equal(f.code, 1);
    assert.match(f.out, /Forgot tokens from 1 message\(s\) \(1 message\(s\) examined\)[\s\S]*knows 200 junk and 199 good/);
    assert.match(f.err, /missing: ENOENT/);
  });

  it('gives each thread about the same work, not the same number of files', () => {
    // Small good mail first, big junk after: an even split by count would give one thread three times the other's work.
    const files = [...Array.from({ length: 60 }, (_, i) => `ham-${i}`), ...Array.from({ length: 20 }, (_, i) => `spam-${i}`)];
    const cost = (f: string): number => (f.startsWith('spam') ? 9 : 1);
    const [first, second] = splitByWork(files, 2, cost);
    assert.deepEqual([...first, ...second], files);
    const work = (run: string[]): number => run.reduce((sum, f) => sum + cost(f), 0);
    assert.ok(Math.abs(work(first) - work(second)) <= 9, `${work(first)} against ${work(second)}`);
    // Never an empty run while there are files for it, and every file exactly once.
    assert.deepEqual(splitByWork(['a', 'b', 'c'], 3, () => 1), [['a'], ['b'], ['c']]);
    assert.deepEqual(splitByWork(['big', 'x', 'y'], 3, (f) => (f === 'big' ? 100 : 1)), [['big'], ['x'], ['y']]);
    assert.deepEqual(splitByWork(['x', 'y', 'big'], 2, (f) => (f === 'big' ? 100 : 1)), [['x', 'y'], ['big']]);
  });

  it('uses the idle cores by default', () => {
    assert.equal(idleCores(2, 0.1), 2);
    assert.equal(idleCores(2, 0.8), 1);
    assert.equal(idleCores(2, 9), 1);
    assert.equal(idleCores(8, 3.2), 5);
  });

  it('uses PILLARBOX_DATA_DIR when --data-dir is absent', async () => {
    const saved = process.env.PILLARBOX_DATA_DIR;
    process.env.PILLARBOX_DATA_DIR = data;
    try {
      const r = await run(classifyCommand, [path.join(dir, 'new-ham.eml')]);
      // The database learnt above is found: it knows 199 good messages since the forget.
      assert.match(r.err, /learnt 200 junk and 199 good/);
      assert.match(r.out, /new-ham\.eml\tnot-junk/);
    } finally {
      if (saved === undefined) delete process.env.PILLARBOX_DATA_DIR;
      else process.env.PILLARBOX_DATA_DIR = saved;
    }
  });
});
