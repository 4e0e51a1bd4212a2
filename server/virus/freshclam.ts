import { spawn } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Settings } from '../config/settings-schema';

export type FreshclamSettings = Pick<Settings, 'virusDatabaseDir' | 'virusDatabaseMirror' | 'virusPrivateMirror' | 'virusUpdateProxy'>;

/** How long one update may take before it is stopped and recorded as failed. */
export const FRESHCLAM_TIMEOUT_MS = 10 * 60_000;

/**
 * freshclam.conf from the settings: the database directory clamd reads, the public or
 * private mirror, the proxy. Written fresh for every run, so a settings change applies
 * to the next update.
 */
export function freshclamConfig(s: FreshclamSettings, databaseOwner: string): string {
  const lines = [
    '# Written by Pillarbox before each update (settings virusDatabaseMirror, virusPrivateMirror,',
    '# virusUpdateProxy, virusDatabaseDir); edits here are overwritten.',
    `DatabaseDirectory ${s.virusDatabaseDir}`,
    `DatabaseOwner ${databaseOwner}`,
    'Foreground yes',
    'LogTime yes',
    'ConnectTimeout 30',
    'ReceiveTimeout 120',
    'MaxAttempts 2',
  ];
  if (s.virusPrivateMirror) {
    // A private mirror replaces the public ones and the DNS version check.
    lines.push(`PrivateMirror ${s.virusPrivateMirror}`);
  } else {
    lines.push(`DatabaseMirror ${s.virusDatabaseMirror}`);
    // The DNS version record describes the public mirrors only.
    if (s.virusDatabaseMirror !== 'database.clamav.net') lines.push('DNSDatabaseInfo no');
  }
  if (s.virusUpdateProxy) {
    const proxy = new URL(/^[a-z]+:\/\//i.test(s.virusUpdateProxy) ? s.virusUpdateProxy : `http://${s.virusUpdateProxy}`);
    lines.push(`HTTPProxyServer ${proxy.protocol}//${proxy.hostname}`, `HTTPProxyPort ${proxy.port || (proxy.protocol === 'https:' ? '443' : '80')}`);
    if (proxy.username) lines.push(`HTTPProxyUsername ${decodeURIComponent(proxy.username)}`, `HTTPProxyPassword ${decodeURIComponent(proxy.password)}`);
  }
  return lines.join('\n') + '\n';
}

/**
 * freshclam, started as root, drops to DatabaseOwner: the owner of the database
 * directory (clamav on Debian), so it can write there and no more.
 */
export function databaseOwner(dir: string): string {
  if (process.getuid?.() !== 0) return os.userInfo().username;
  let uid: number;
  try {
    uid = fs.statSync(dir).uid;
  } catch {
    return 'clamav';
  }
  const passwd = fs.existsSync('/etc/passwd') ? fs.readFileSync('/etc/passwd', 'utf8') : '';
  for (const line of passwd.split('\n')) {
    const f = line.split(':');
    if (f.length > 2 && Number(f[2]) === uid) return f[0];
  }
  return 'clamav';
}

export interface FreshclamResult {
  ok: boolean;
  exitCode: number | null;
  output: string;
}

/** Runs freshclam once with a config written to `configFile`; collects its output. */
export async function runFreshclam(s: FreshclamSettings, configFile: string, signal?: AbortSignal, binary = 'freshclam'): Promise<FreshclamResult> {
  await fsp.mkdir(path.dirname(configFile), { recursive: true });
  await fsp.mkdir(s.virusDatabaseDir, { recursive: true });
  await fsp.writeFile(configFile, freshclamConfig(s, databaseOwner(s.virusDatabaseDir)), { mode: 0o600 });
  return new Promise<FreshclamResult>((resolve) => {
    // The engine's umask keeps its own files private; the signatures are public data that
    // clamd, another user, must read, so freshclam writes them world-readable as it would alone.
    const child = spawn('/bin/sh', ['-c', 'umask 022 && exec "$0" "$@"', binary, `--config-file=${configFile}`, '--stdout', '--no-warnings'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => chunks.push(d));
    child.stderr.on('data', (d: Buffer) => chunks.push(d));
    const onAbort = () => {
      chunks.push(Buffer.from('\nstopped: the engine is shutting down\n'));
      child.kill('SIGTERM');
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(() => {
      chunks.push(Buffer.from(`\nstopped after ${FRESHCLAM_TIMEOUT_MS / 1000} s\n`));
      child.kill('SIGTERM');
    }, FRESHCLAM_TIMEOUT_MS);
    child.on('error', (err) => {
      clearTimeout(timer);
      resolve({ ok: false, exitCode: null, output: `could not run ${binary}: ${err.message}` });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      const output = Buffer.concat(chunks).toString('utf8').trim();
      // 126/127: the shell could not execute or find the binary.
      if (code === 126 || code === 127) return resolve({ ok: false, exitCode: null, output: `could not run ${binary}: ${output}` });
      resolve({ ok: code === 0, exitCode: code, output });
    });
  });
}
