import { execFile } from 'node:child_process';
import fs from 'node:fs';
import type { Settings } from '../../server/config/settings-schema';
import type { AppendResult } from '../../server/store/store';
import { startEngine, type TestEngine } from '../helpers/engine';
import { LineClient } from '../helpers/line-client';

export const ALICE = { shortName: 'alice', password: 'alice-password-1' };

/** An engine with alice, for POP3 tests. */
export function startPopEngine(settings: Partial<Settings> = {}): Promise<TestEngine> {
  return startEngine({ users: [ALICE], settings });
}

/** A simple CRLF message; `body` lines are joined with CRLF. */
export function makeMessage(subject: string, body: string[]): Buffer {
  const lines = ['From: Bob <bob@example.test>', 'To: alice@mail.example.test', `Subject: ${subject}`, 'Message-ID: <' + subject.replace(/\W/g, '') + '@example.test>', '', ...body];
  return Buffer.from(lines.join('\r\n') + '\r\n');
}

/** Puts a message straight into alice's INBOX (SMTP is not needed for POP tests). */
export async function deliver(te: TestEngine, content: Buffer, user = 'alice'): Promise<AppendResult & { file: string }> {
  const ctx = te.engine.ctx;
  const u = ctx.directory.userByName(user);
  if (!u) throw new Error(`no user ${user}`);
  const [result] = await ctx.store.append([{ userId: u.id, mailbox: 'INBOX', source: { parts: [content] } }]);
  const meta = ctx.store.message(result.mailboxId, result.uid);
  if (!meta) throw new Error('appended message not found');
  return { ...result, file: meta.file };
}

/** UIDs currently in a user's INBOX. */
export function inboxUids(te: TestEngine, user = 'alice'): number[] {
  const ctx = te.engine.ctx;
  const u = ctx.directory.userByName(user);
  const box = u && ctx.store.mailbox(u.id, 'INBOX');
  if (!box) throw new Error('no INBOX');
  return ctx.store.messages(box.id).map((m) => m.uid);
}

export function inboxFlags(te: TestEngine, uid: number, user = 'alice'): string[] {
  const ctx = te.engine.ctx;
  const u = ctx.directory.userByName(user);
  const box = u && ctx.store.mailbox(u.id, 'INBOX');
  if (!box) throw new Error('no INBOX');
  return ctx.store.message(box.id, uid)?.flags ?? [];
}

/** Connects and reads the greeting. */
export async function connect(port: number, tls = false): Promise<{ client: LineClient; greeting: string }> {
  const client = await LineClient.connect(port, { tls });
  const greeting = await waitResponse(client, 0, false).then((l) => l[0]);
  return { client, greeting };
}

/**
 * The lines of the response that starts at `client.lines[start]`: one line, or for a
 * multi-line response everything up to and including the "." terminator.
 */
export async function waitResponse(client: LineClient, start: number, multi: boolean): Promise<string[]> {
  while (true) {
    const got = client.lines.slice(start);
    if (got.length > 0 && (!multi || got[0].startsWith('-'))) return got.slice(0, 1);
    const end = got.indexOf('.', 1);
    if (multi && end > 0) return got.slice(0, end + 1);
    await client.waitFor(/[\s\S]*/);
  }
}

/** Sends a command and returns its response lines. */
export async function cmd(client: LineClient, line: string, multi = false): Promise<string[]> {
  const start = client.lines.length;
  client.send(line + '\r\n');
  return waitResponse(client, start, multi);
}

/** Sends a command and returns its single status line. */
export async function cmd1(client: LineClient, line: string): Promise<string> {
  return (await cmd(client, line))[0];
}

/** Runs a Python script (given on stdin) with arguments; resolves with stdout. */
export function python(script: string, args: string[] = [], timeoutMs = 15000): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile('python3', ['-', ...args], { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`python failed: ${err.message}\n${stderr}`));
      else resolve(stdout);
    });
    child.stdin?.end(script);
  });
}

export function readFile(file: string): Buffer {
  return fs.readFileSync(file);
}
