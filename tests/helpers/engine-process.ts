import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { LISTENERS } from '../../server/config/bootstrap';

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
