import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { LineClient } from './line-client';

const exec = promisify(execFile);

/** Reads one (possibly multi-line) SMTP reply and returns its last line. */
export async function reply(client: LineClient): Promise<string> {
  return client.waitFor(/^\d{3} /);
}

export interface SmtpResult {
  mail: string;
  rcpt: string[];
  data?: string;
}

/** A complete SMTP transaction over raw sockets; returns every reply so tests can check codes. */
export async function smtpSend(
  port: number,
  from: string,
  to: string[],
  message: string,
  opts: { ehlo?: string; client?: LineClient } = {},
): Promise<SmtpResult> {
  const client = opts.client ?? (await LineClient.connect(port));
  try {
    if (!opts.client) {
      await reply(client);
      await client.command(`EHLO ${opts.ehlo ?? 'client.example.org'}`, /^250 /);
    }
    const mail = await client.command(`MAIL FROM:<${from}>`, /^\d{3} /);
    const rcpt: string[] = [];
    for (const r of to) rcpt.push(await client.command(`RCPT TO:<${r}>`, /^\d{3} /));
    if (!mail.startsWith('250') || !rcpt.some((r) => r.startsWith('250'))) {
      await client.command('RSET', /^\d{3} /);
      return { mail, rcpt };
    }
    const go = await client.command('DATA', /^\d{3} /);
    if (!go.startsWith('354')) return { mail, rcpt, data: go };
    const body = message.replace(/\r?\n/g, '\r\n').replace(/^\./gm, '..');
    client.send(body.endsWith('\r\n') ? body : body + '\r\n');
    const data = await client.command('.', /^\d{3} /);
    return { mail, rcpt, data };
  } finally {
    if (!opts.client) {
      client.send('QUIT\r\n');
      client.close();
    }
  }
}

export function simpleMessage(subject: string, body = 'Hello.\r\n', from = 'bob@example.org', to = 'alice@example.test'): string {
  return [
    `From: ${from}`,
    `To: ${to}`,
    `Subject: ${subject}`,
    `Date: ${new Date().toUTCString()}`,
    `Message-ID: <${subject.replace(/\W/g, '')}.${Date.now()}@example.org>`,
    '',
    body,
  ].join('\r\n');
}

export async function swaks(args: string[]): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await exec('swaks', ['--hide-informational', '--no-hints', ...args], { timeout: 30000 });
    return { code: 0, output: stdout + stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? 1, output: (e.stdout ?? '') + (e.stderr ?? '') };
  }
}
