/**
 * Runs Pigeonhole's sieve-test (Debian dovecot-sieve) on a corpus case and turns its report into
 * the normalised action list the differential test compares with ours.
 */
import { execFile, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { SieveAction } from '../../server/sieve/index';
import type { CorpusCase } from './corpus/cases';

export const MAILBOXES = ['INBOX', 'Work', 'Archive'];
export const DEFAULT_FROM = 'joe@example.org';
export const DEFAULT_TO = 'me@example.com';

export function sieveTestPath(): string | undefined {
  const r = spawnSync('sh', ['-c', 'command -v sieve-test'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/** sieve-test needs a real user to run as; root runs it as "pbsieve" (created when missing). */
export function runAsUser(): string | undefined {
  if (process.getuid?.() !== 0) return undefined;
  if (spawnSync('id', ['-u', 'pbsieve']).status !== 0) spawnSync('useradd', ['-m', 'pbsieve']);
  return 'pbsieve';
}

function config(dir: string): string {
  const lines = [
    'log_path = /dev/stderr',
    'plugin {',
    `  sieve = file:${dir}/personal;active=${dir}/active.sieve`,
    `  sieve_global = file:${dir}/global`,
    '  sieve_extensions = +vacation-seconds +spamtest +spamtestplus +virustest',
    '  sieve_max_redirects = 5',
    '  sieve_max_actions = 32',
    '  sieve_vacation_min_period = 0',
    '  sieve_spamtest_status_type = text',
    '  sieve_spamtest_status_header = X-PB-Spam',
    ...Array.from({ length: 11 }, (_, i) => `  sieve_spamtest_text_value${i} = v${i}`),
    '  sieve_virustest_status_type = text',
    '  sieve_virustest_status_header = X-PB-Virus',
    ...Array.from({ length: 6 }, (_, i) => `  sieve_virustest_text_value${i} = v${i}`),
    '}',
  ];
  return lines.join('\n') + '\n';
}

/** Creates the shared maildir (INBOX plus the MAILBOXES folders) that mailboxexists looks at. */
export function makeMaildir(root: string): string {
  const mail = path.join(root, 'mail');
  for (const box of MAILBOXES) {
    const base = box === 'INBOX' ? mail : path.join(mail, `.${box}`);
    for (const sub of ['cur', 'new', 'tmp']) mkdirSync(path.join(base, sub), { recursive: true });
    // sieve-test runs as another user and writes Dovecot index files next to the mail.
    for (const p of [base, ...['cur', 'new', 'tmp'].map((s) => path.join(base, s))]) chmodSync(p, 0o777);
  }
  chmodSync(mail, 0o777);
  return mail;
}

export function writeCase(dir: string, kase: CorpusCase, message: string): void {
  mkdirSync(path.join(dir, 'personal'), { recursive: true });
  mkdirSync(path.join(dir, 'global'), { recursive: true });
  writeFileSync(path.join(dir, 'dovecot.conf'), config(dir));
  writeFileSync(path.join(dir, 'script.sieve'), kase.script);
  writeFileSync(path.join(dir, 'message.eml'), message);
  for (const [name, src] of Object.entries(kase.personal ?? {})) writeFileSync(path.join(dir, 'personal', `${name}.sieve`), src);
  for (const [name, src] of Object.entries(kase.global ?? {})) writeFileSync(path.join(dir, 'global', `${name}.sieve`), src);
  for (const p of [dir, path.join(dir, 'personal'), path.join(dir, 'global')]) chmodSync(p, 0o777);
}

export interface PigeonholeRun {
  stdout: string;
  stderr: string;
  code: number;
}

export function runPigeonhole(bin: string, user: string | undefined, dir: string, maildir: string, kase: CorpusCase): Promise<PigeonholeRun> {
  const args = [
    '-C',
    '-c', path.join(dir, 'dovecot.conf'),
    '-l', `maildir:${maildir}`,
    '-f', kase.from ?? DEFAULT_FROM,
    '-a', kase.orig ?? kase.to ?? DEFAULT_TO,
    '-r', kase.to ?? DEFAULT_TO,
    path.join(dir, 'script.sieve'),
    path.join(dir, 'message.eml'),
  ];
  const [cmd, argv] = user ? ['runuser', ['-u', user, '--', 'env', 'TZ=UTC', bin, ...args]] : ['env', ['TZ=UTC', bin, ...args]];
  return new Promise((resolve) => {
    execFile(cmd, argv, { encoding: 'utf8', timeout: 20_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ stdout, stderr, code });
    });
  });
}

/** Pigeonhole prints control characters (CRLF in multi-line strings) as "?". */
const sanitise = (s: string): string => [...s].map((ch) => (ch.charCodeAt(0) < 0x20 ? '?' : ch)).join('');

const flagsOf = (flags: string[] | undefined): string => (flags && flags.length ? ' [' + flags.map((f) => f.toLowerCase()).sort().join(' ') + ']' : '');

function normAddress(a: string): string {
  const at = a.lastIndexOf('@');
  return at < 0 ? a : a.slice(0, at) + '@' + a.slice(at + 1).toLowerCase();
}

/** Pigeonhole's report → sorted normalised lines. */
export function normalisePigeonhole(run: PigeonholeRun): string[] {
  if (/failed to compile/.test(run.stderr) || run.code === 89) return ['error:compile'];
  if (/final result: failed; resolved with successful implicit keep/.test(run.stderr)) return ['error:runtime', 'store INBOX'];
  if (run.code !== 0) return [`error:exit ${run.code}`];
  const out: string[] = [];
  const lines = run.stdout.split('\n');
  let current: { kind: string; text: string; flags: string[] } | undefined;
  let inMessage = false;
  const push = (): void => {
    if (!current) return;
    out.push(current.kind === 'store' ? `store ${current.text}${flagsOf(current.flags)}` : `${current.kind}${current.text ? ' ' + current.text : ''}`);
    current = undefined;
  };
  for (const line of lines) {
    if (line === 'START MESSAGE') {
      inMessage = true;
      continue;
    }
    if (line === 'END MESSAGE') {
      inMessage = false;
      continue;
    }
    if (inMessage) {
      if (current?.kind === 'vacation' && !current.text.includes('|')) current.text += `|${line.trim()}`;
      continue;
    }
    let m = /^ \* (.*)$/.exec(line);
    if (m) {
      push();
      const item = m[1];
      if ((m = /^store message in folder: (.*)$/.exec(item))) current = { kind: 'store', text: m[1], flags: [] };
      else if ((m = /^redirect message to: <?(.*?)>?$/.exec(item))) current = { kind: 'redirect', text: normAddress(m[1]), flags: [] };
      else if (item === 'discard') current = { kind: 'discard', text: '', flags: [] };
      else if ((m = /^reject message with reason: (.*)$/.exec(item))) current = { kind: 'reject', text: m[1].trim(), flags: [] };
      else if (/^send vacation message/.test(item)) current = { kind: 'vacation', text: '', flags: [] };
      else current = { kind: 'other', text: item, flags: [] };
      continue;
    }
    if (!current) continue;
    if ((m = /^\s+\+ add IMAP flags: (.*)$/.exec(line))) current.flags.push(...m[1].trim().split(/\s+/));
    else if ((m = /^\s+=> seconds : (\d+)/.exec(line))) current.text = `${m[1]}${current.text}`;
  }
  push();
  return out.sort();
}

/** Our result → the same normalised lines. */
export function normaliseOurs(actions: SieveAction[], errors: { message: string }[], compileError: boolean): string[] {
  if (compileError) return ['error:compile'];
  if (errors.length) return ['error:runtime', 'store INBOX'];
  const out: string[] = [];
  for (const a of actions) {
    switch (a.action) {
      case 'keep':
        out.push(`store INBOX${flagsOf(a.flags)}`);
        break;
      case 'fileinto':
        out.push(`store ${sanitise(a.mailbox)}${flagsOf(a.flags)}`);
        break;
      case 'redirect':
        out.push(`redirect ${normAddress(a.address)}`);
        break;
      case 'discard':
        out.push('discard');
        break;
      case 'reject':
      case 'ereject':
        out.push(`reject ${sanitise(a.reason).trim()}`);
        break;
      case 'vacation':
        out.push(`vacation ${a.seconds}|${a.reason.split(/\r?\n/)[0].trim()}`);
        break;
    }
  }
  return out.sort();
}
