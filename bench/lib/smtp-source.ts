import { spawn } from 'node:child_process';

export const SMTP_SOURCE = '/usr/sbin/smtp-source';

export interface SmtpSourceLoad {
  sessions: number;
  messages: number;
  /** Body bytes per message (smtp-source adds its own few headers). */
  size: number;
  from: string;
  to: string;
}

/** The exact command line, shown in the report so the run can be repeated by hand. */
export function smtpSourceArgs(load: SmtpSourceLoad, port: number): string[] {
  return [
    '-s', String(load.sessions),
    '-m', String(load.messages),
    '-l', String(load.size),
    '-f', load.from,
    '-t', load.to,
    `127.0.0.1:${port}`,
  ];
}

/**
 * Runs Postfix's smtp-source against 127.0.0.1:port and resolves with its wall time in
 * seconds once every message got its 250 after DATA. Rejects with smtp-source's own
 * fatal line when the server refuses something or the connection fails.
 */
export function runSmtpSource(load: SmtpSourceLoad, port: number, timeoutMs: number, signal?: AbortSignal): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(SMTP_SOURCE, smtpSourceArgs(load, port), { stdio: ['ignore', 'ignore', 'pipe'], signal, killSignal: 'SIGKILL' });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      if (stderr.length < 4000) stderr += chunk;
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`smtp-source did not finish within ${Math.round(timeoutMs / 1000)} s`));
    }, timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      if (err.name === 'AbortError') reject(new Error('smtp-source stopped'));
      else reject(new Error(`cannot run ${SMTP_SOURCE}: ${err.message} (apt-get install postfix)`));
    });
    child.once('exit', (code, sig) => {
      clearTimeout(timer);
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      if (code === 0) resolve(seconds);
      else reject(new Error(`smtp-source failed (${sig ?? `exit ${code}`}): ${lastLine(stderr) || 'no message'}`));
    });
  });
}

function lastLine(text: string): string {
  return text.trim().split('\n').pop()?.trim() ?? '';
}
