import assert from 'node:assert/strict';
import { compileSieve, runSieve, type SieveEnvironment, type SieveRunResult, type SieveScript } from '../../server/sieve/index';

export const crlf = (...lines: string[]): string => lines.join('\r\n');

export const SIMPLE = crlf(
  'Date: Tue, 1 Jul 2003 10:52:37 +0200',
  'From: Joe Sender <joe@example.org>',
  'To: Me <me@example.com>',
  'Subject: hi there',
  '',
  'Hello, flowers.',
  '',
);

export function compileOk(source: string): SieveScript {
  const c = compileSieve(source);
  assert.equal(c.errors, undefined, `compile errors: ${JSON.stringify(c.errors)}`);
  return c.script as SieveScript;
}

export function compileError(source: string): { line: number; column: number; message: string } {
  const c = compileSieve(source);
  assert.ok(c.errors && c.errors.length > 0, `expected a compile error for: ${source}`);
  return c.errors[0];
}

export async function run(
  source: string,
  message = SIMPLE,
  env: SieveEnvironment = {},
  envelope = { from: 'joe@example.org', to: 'me@example.com' },
): Promise<SieveRunResult> {
  return runSieve(compileOk(source), { raw: Buffer.from(message), envelope }, { userAddresses: ['me@example.com'], ...env });
}

/** Just the action kinds and their main argument, for short assertions. */
export async function actions(source: string, message = SIMPLE, env: SieveEnvironment = {}): Promise<string[]> {
  const r = await run(source, message, env);
  assert.deepEqual(r.errors, [], 'no run-time errors');
  return r.actions.map((a) => {
    switch (a.action) {
      case 'fileinto':
        return `fileinto ${a.mailbox}${a.copy ? ' :copy' : ''}${a.create ? ' :create' : ''}${a.flags ? ' [' + a.flags.join(' ') + ']' : ''}`;
      case 'keep':
        return `keep${a.implicit ? ' (implicit)' : ''}${a.flags ? ' [' + a.flags.join(' ') + ']' : ''}`;
      case 'redirect':
        return `redirect ${a.address}${a.copy ? ' :copy' : ''}`;
      case 'reject':
      case 'ereject':
        return `${a.action} ${a.reason}`;
      case 'vacation':
        return `vacation ${a.send ? 'send' : 'skip'}`;
      default:
        return a.action;
    }
  });
}
