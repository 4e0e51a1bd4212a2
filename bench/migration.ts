import fs from 'node:fs';
import path from 'node:path';
import type { Benchmark, BenchContext, BenchResult, SideResult } from './types';
import { intFlag } from './lib/args';
import { registerCleanup } from './lib/cleanup';
import { DovecotImapInstance } from './lib/dovecot-imap-instance';
import { freePort } from './lib/free-port';
import { PillarboxEngine } from './lib/pillarbox-engine';
import { sleep } from './lib/poll';
import { fileSystemType, makeWorkDir, removeDir } from './lib/workdir';
import { makeMessage, writeMaildirFolder } from '../tests/migration/fixtures';

const PASSWORD = 'bench-dovecot-password-1';

interface MigrationFigures {
  state: string;
  copied: number;
  skipped: number;
  error: string | null;
}

/**
 * Issue 13's migration from a remote IMAP server: a private Dovecot holding one user's mail
 * (a big INBOX and two small folders, Maildir written directly), copied into a fresh engine
 * through `startImapMigration`, timed until the run has ended; then the same migration again,
 * which must copy nothing.
 */
export const migrationBenchmark: Benchmark = {
  name: 'migration',
  description: 'IMAP migration: N messages from a local Dovecot into Pillarbox (messages/s), then a second run that copies nothing',
  flags: ['--messages N     messages in the source INBOX (default 10000; two more folders hold 15)', '--keep           keep the temporary data directory'],
  async run(ctx: BenchContext): Promise<BenchResult> {
    const messages = intFlag(ctx.flags, 'messages', 10_000);
    const keep = ctx.flags.has('keep');
    const dir = makeWorkDir(ctx.workDir, 'pillarbox-bench-migration');
    let engine: PillarboxEngine | undefined;
    let dovecot: DovecotImapInstance | undefined;
    const cleanup = registerCleanup(async () => {
      await engine?.stop();
      await dovecot?.stop();
      if (keep) ctx.log(`kept ${dir}`);
      else removeDir(dir);
    });
    const sides: SideResult[] = [];
    try {
      const port = await freePort();
      dovecot = new DovecotImapInstance(path.join(dir, 'dovecot'), port, PASSWORD);
      const maildir = path.join(dir, 'dovecot', 'mail', 'alice');
      ctx.log(`writing ${messages} messages into ${maildir}`);
      writeMaildirFolder(maildir, Array.from({ length: messages }, (_, i) => makeMessage('INBOX', i + 1, i % 3 === 0 ? ['\\Seen'] : [], 20)), 1);
      writeMaildirFolder(path.join(maildir, '.Archive'), Array.from({ length: 10 }, (_, i) => makeMessage('Archive', i + 1, ['\\Seen'])), 2);
      writeMaildirFolder(path.join(maildir, '.Archive.2019'), Array.from({ length: 5 }, (_, i) => makeMessage('Archive/2019', i + 1, ['\\Flagged'])), 3);
      chownTree(path.join(dir, 'dovecot', 'mail'));
      await dovecot.start();
      fs.mkdirSync(path.join(dir, 'engine'));
      engine = await PillarboxEngine.start(path.join(dir, 'engine'));
      const e = engine;
      await e.login();
      await e.createUser('alice', 'alice-password-1', 'Alice');
      ctx.log(`dovecot on ${port}, engine pid ${e.pid}`);
      for (const label of ['first run', 'second run (nothing new)']) {
        const started = performance.now();
        const { startImapMigration } = await e.graphql<{ startImapMigration: { id: string } }>(
          'mutation ($p: Int!, $pw: String!) { startImapMigration(input: {user: "alice", host: "127.0.0.1", port: $p, tls: NONE, username: "alice", password: $pw}) { id } }',
          { p: port, pw: PASSWORD },
        );
        let run: MigrationFigures;
        for (;;) {
          ({ migration: run } = await e.graphql<{ migration: MigrationFigures }>('query ($id: String!) { migration(id: $id) { state copied skipped error } }', { id: startImapMigration.id }));
          if (run.state !== 'RUNNING') break;
          await sleep(50);
        }
        const seconds = (performance.now() - started) / 1000;
        ctx.log(`${label}: ${run.state}, ${run.copied} copied, ${run.skipped} skipped in ${seconds.toFixed(1)} s`);
        if (run.state !== 'SUCCEEDED') sides.push({ system: `pillarbox, ${label}`, ok: false, error: `${run.state}: ${run.error ?? ''}`, metrics: {} });
        else sides.push({ system: `pillarbox, ${label}`, ok: true, metrics: { copied: run.copied, skipped: run.skipped, seconds, messagesPerSecond: (run.copied + run.skipped) / seconds } });
      }
    } catch (err) {
      sides.push({ system: 'pillarbox', ok: false, error: err instanceof Error ? err.message : String(err), metrics: {} });
    } finally {
      await cleanup();
    }
    return {
      benchmark: 'migration',
      workload: { summary: `${messages + 15} messages (${messages} in INBOX, 15 in two nested folders) from a local Dovecot over IMAP, no TLS`, params: { messages, fileSystem: fileSystemType(ctx.workDir) ?? 'unknown' } },
      columns: [
        { key: 'messagesPerSecond', label: 'msgs/s', decimals: 1 },
        { key: 'seconds', label: 'seconds', decimals: 2 },
        { key: 'copied', label: 'copied', decimals: 0 },
        { key: 'skipped', label: 'skipped', decimals: 0 },
      ],
      sides,
      notes: ['msgs/s: messages looked at (copied + skipped) per second, from startImapMigration until the run has ended (polled every 50 ms); the second run finds nothing new'],
    };
  },
};

/** Dovecot serves the mail as "nobody" (bench/lib/dovecot-imap-instance.ts). */
function chownTree(root: string): void {
  fs.chownSync(root, 65534, 65534);
  for (const entry of fs.readdirSync(root, { withFileTypes: true, recursive: true })) fs.chownSync(path.join(entry.parentPath ?? entry.path, entry.name), 65534, 65534);
}
