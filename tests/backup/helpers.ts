import crypto from 'node:crypto';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { TestEngine } from '../helpers/engine';

const exec = promisify(execFile);
const CLI = path.join(__dirname, '..', '..', 'server', 'cli', 'pillarbox.js');

/** Runs the `pillarbox` command as a separate process, as an administrator would. */
export async function pillarbox(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, [CLI, ...args], { env: { ...process.env, ...env } });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** Resolves once the queue has finished `count` messages (delivered or bounced); listen before sending. */
export function queueDone(t: TestEngine, count: number): Promise<void> {
  return new Promise((resolve) => {
    let left = count;
    const on = () => {
      if (--left > 0) return;
      t.engine.ctx.queue.off('done', on);
      resolve();
    };
    t.engine.ctx.queue.on('done', on);
  });
}

const sha = (b: Buffer | string) => crypto.createHash('sha256').update(b).digest('hex');

/**
 * What a restore must give back, read through the engine's own services: every mailbox with
 * its UIDVALIDITY, UIDNEXT and each message's UID, flags, date and bytes; users, aliases,
 * domains, settings, Sieve scripts, DKIM keys, management accounts, and the certificates.
 */
export async function stateOf(t: TestEngine): Promise<unknown> {
  const { directory, store, settings, sieve, dkim, db } = t.engine.ctx;
  const users = [];
  for (const u of directory.users().sort((a, b) => a.shortName.localeCompare(b.shortName))) {
    const boxes = [];
    for (const box of store.mailboxes(u.id)) {
      const messages = [];
      for (const m of store.messages(box.id)) {
        messages.push({ uid: m.uid, modseq: m.modseq, flags: [...m.flags].sort(), date: m.internalDate.getTime(), size: m.size, sha256: sha(await store.readMessage(m)) });
      }
      boxes.push({ name: box.name, uidValidity: box.uidValidity, uidNext: box.uidNext, highestModseq: box.highestModseq, subscribed: box.subscribed, specialUse: box.specialUse, messages });
    }
    const scripts = sieve.list(u.id).map((s) => ({ ...s, source: sieve.get(u.id, s.name)?.content }));
    users.push({ user: u, boxes, scripts, sieveActive: sieve.activeName(u.id) });
  }
  const domains = directory.domains().map((d) => d.name);
  const dkimKeys = domains.flatMap((d) => dkim.keys(d).map((k) => ({ ...k, key: dkim.privateKey(k).export({ format: 'pem', type: 'pkcs8' }) })));
  const admins = db.prepare('SELECT username, password_hash, role FROM admins ORDER BY username').all();
  const certsDir = path.join(t.dataDir, 'certs');
  const certs: Record<string, string> = {};
  for (const f of fs.readdirSync(certsDir, { recursive: true }) as string[]) {
    const full = path.join(certsDir, f);
    if (fs.statSync(full).isFile()) certs[f] = sha(fs.readFileSync(full));
  }
  return { users, aliases: directory.aliases(), domains, settings: settings.get(), dkimKeys, admins, certs };
}
