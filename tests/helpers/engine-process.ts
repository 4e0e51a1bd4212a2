import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { LISTENERS } from '../../server/config/bootstrap';
import { LineClient } from './line-client';
import { reply } from './smtp';

const CLI = path.join(__dirname, '..', '..', 'server', 'cli', 'pillarbox.js');

/**
 * `pillarbox start` on a data directory in a child process (ephemeral ports), for tests that
 * kill it: resolves with the process, its SMTP port once it says it is ready, and its exit.
 */
export async function startEngineProcess(
  dataDir: string,
  extraEnv: Record<string, string> = {},
): Promise<{ child: ChildProcess; smtpPort: number; ports: Record<string, number>; exited: Promise<number | null> }> {
  const env: NodeJS.ProcessEnv = { ...process.env, PILLARBOX_DATA_DIR: dataDir, PILLARBOX_HOSTNAME: 'mail.example.test', ...extraEnv };
  for (const l of LISTENERS) env[`PILLARBOX_${l.toUpperCase()}_PORT`] = '0';
  const child = spawn(process.execPath, [CLI, 'start'], { env, stdio: ['ignore', 'pipe', 'ignore'] });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const ports = await new Promise<Record<string, number>>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /pillarbox ready: (\{.*\})/.exec(out);
      if (m) resolve(JSON.parse(m[1]) as Record<string, number>);
    });
    child.once('exit', () => reject(new Error('engine exited before it was ready')));
  });
  return { child, smtpPort: ports.smtp, ports, exited };
}

/**
 * `senders` clients deliver over SMTP, a new connection per message, until `killAfter`
 * messages got their 250; then the engine is killed with SIGKILL. Resolves with the tokens
 * (`${prefix}-${sender}-${i}`) of the acknowledged messages once the engine has exited.
 */
export async function sendUntilKilled(
  engine: { child: ChildProcess; smtpPort: number; exited: Promise<unknown> },
  o: { from: string; to: string; senders: number; killAfter: number; prefix: string; message: (token: string) => string },
): Promise<string[]> {
  const acked: string[] = [];
  let killed = false;
  const sender = async (n: number) => {
    for (let i = 0; !killed; i++) {
      const token = `${o.prefix}-${n}-${i}`;
      try {
        const c = await LineClient.connect(engine.smtpPort);
        await reply(c);
        await c.command('EHLO load.example.org', /^250 /);
        await c.command(`MAIL FROM:<${o.from}>`, /^250 /);
        await c.command(`RCPT TO:<${o.to}>`, /^250 /);
        await c.command('DATA', /^354 /);
        c.send(o.message(token));
        const final = await c.command('.', /^\d{3} /);
        if (final.startsWith('250')) acked.push(token);
        c.close();
      } catch {
        return; // the engine died under us
      }
      if (acked.length >= o.killAfter && !killed) {
        killed = true;
        engine.child.kill('SIGKILL');
      }
    }
  };
  await Promise.all(Array.from({ length: o.senders }, (_, n) => sender(n)));
  await engine.exited;
  return acked;
}
