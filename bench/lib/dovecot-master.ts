import { spawn } from 'node:child_process';
import { sleep } from './poll';
import { processTree, signal, waitForExit } from './procs';

export const DOVECOT = '/usr/sbin/dovecot';

/** A running private Dovecot master process. */
export interface DovecotMaster {
  pid: number;
  /** Settles when the master has exited and been reaped. */
  exited: Promise<void>;
}

/**
 * Starts Dovecot with its own config file and waits until `ready` says it serves (a socket
 * exists, a port accepts). `-F` keeps the master in the foreground as our child, so it is
 * reaped when it exits (a daemonized master would be left to PID 1, which may not reap in a
 * container). `pkg` is the Debian package to name when Dovecot is missing.
 */
export async function startDovecotMaster(configFile: string, ready: () => boolean | Promise<boolean>, what: string, pkg: string): Promise<DovecotMaster> {
  const child = spawn(DOVECOT, ['-F', '-c', configFile], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  let failed: string | undefined;
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => (stderr += chunk));
  child.once('error', (err) => (failed = `cannot run ${DOVECOT}: ${err.message} (apt-get install ${pkg})`));
  child.once('exit', (code, sig) => (failed ??= `dovecot exited (${sig ?? `code ${code}`}): ${stderr.trim()}`));
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const deadline = Date.now() + 20_000;
  while (!(await ready())) {
    if (failed) throw new Error(failed);
    if (Date.now() > deadline) throw new Error(`timed out after 20 s waiting for ${what}`);
    await sleep(50);
  }
  return { pid: child.pid as number, exited };
}

/** SIGTERM to the master (Dovecot's clean stop), then SIGKILL whatever is left after 10 s. */
export async function stopDovecotMaster(master: DovecotMaster): Promise<void> {
  const tree = processTree([master.pid]);
  signal([master.pid], 'SIGTERM');
  const left = await waitForExit(tree, 10_000);
  if (left.length) signal(left, 'SIGKILL');
  await waitForExit(left, 5_000);
  await master.exited;
}
