import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import type { TestEngine } from './engine';
import { freePort } from './free-port';

/** The appliance's HTTPS front (appliance/https-front.js) in front of a test engine, started the way the image starts it. */
export async function startHttpsFront(t: TestEngine): Promise<{ process: ChildProcess; port: number }> {
  const port = await freePort();
  const root = path.join(__dirname, '..', '..', '..');
  const front = spawn(process.execPath, [path.join(root, 'appliance', 'https-front.js')], {
    env: {
      ...process.env,
      PILLARBOX_CERT_DIR: path.join(t.dataDir, 'certs'),
      PILLARBOX_HTTPS_PORT: String(port),
      PILLARBOX_HTTP_UPSTREAM: `127.0.0.1:${t.ports.http}`,
      PILLARBOX_ENGINE_HOME: root,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    front.stdout?.on('data', (d: Buffer) => d.toString().includes('HTTPS on port') && resolve());
    front.once('exit', (code) => reject(new Error(`https-front exited with ${code}`)));
  });
  return { process: front, port };
}
