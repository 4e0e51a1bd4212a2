import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { compileSieve, formatSieveError, runSieve, type SieveAction } from './index';

const USAGE = `usage: pillarbox sieve test SCRIPT MESSAGE [--from ADDR] [--to ADDR] [--orig ADDR]
                          [--spam N] [--virus N] [--mailbox NAME]...
Runs SCRIPT on the RFC 5322 MESSAGE and prints the resulting actions as JSON lines, changing nothing.
Included scripts are read from SCRIPT's folder (NAME.sieve); --mailbox names a folder mailboxexists sees.
`;

interface CliArgs {
  positional: string[];
  flags: Map<string, string[]>;
}

function parseArgs(argv: string[]): CliArgs {
  const positional: string[] = [];
  const flags = new Map<string, string[]>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq > 0 ? a.slice(2, eq) : a.slice(2);
      const value = eq > 0 ? a.slice(eq + 1) : (argv[++i] ?? '');
      flags.set(name, [...(flags.get(name) ?? []), value]);
    } else positional.push(a);
  }
  return { positional, flags };
}

/** The JSON line for one action; defaults (create: false, no flags) are left out to keep lines short. */
export function actionJson(a: SieveAction): string {
  if (a.action === 'fileinto') {
    const { create, flags, ...rest } = a;
    return JSON.stringify({ ...rest, ...(create ? { create } : {}), ...(flags ? { flags } : {}) });
  }
  return JSON.stringify(a);
}

/** `pillarbox sieve test …`: returns the exit code (0 ran, 1 script errors, 2 usage). */
export async function sieveTestCommand(argv: string[]): Promise<number> {
  const args = parseArgs(argv[0] === 'test' ? argv.slice(1) : argv);
  const [scriptPath, messagePath] = args.positional;
  if (!scriptPath || !messagePath || args.flags.has('help')) {
    process.stderr.write(USAGE);
    return 2;
  }
  const one = (name: string): string | undefined => args.flags.get(name)?.at(-1);
  let source: Buffer;
  let raw: Buffer;
  try {
    source = await readFile(scriptPath);
    raw = await readFile(messagePath);
  } catch (err) {
    process.stderr.write(`pillarbox sieve test: ${(err as Error).message}\n`);
    return 2;
  }
  const name = path.basename(scriptPath);
  const compiled = compileSieve(source, { name });
  if (compiled.errors) {
    for (const e of compiled.errors) process.stderr.write(`${formatSieveError({ script: name, ...e })}\n`);
    return 1;
  }
  const to = one('to') ?? 'recipient@localhost';
  const mailboxes = new Set(['INBOX', ...(args.flags.get('mailbox') ?? [])]);
  const dir = path.dirname(scriptPath);
  const number = (v: string | undefined): number | undefined => (v === undefined ? undefined : Number(v));
  const result = await runSieve(
    compiled.script,
    { raw, envelope: { from: one('from') ?? 'sender@localhost', to, orig: one('orig') } },
    {
      mailboxExists: (m) => mailboxes.has(m),
      userAddresses: [to],
      spamScore: number(one('spam')),
      virusScore: number(one('virus')),
      loadInclude: async (inc) => {
        try {
          return await readFile(path.join(dir, `${inc}.sieve`), 'utf8');
        } catch {
          return null;
        }
      },
    },
  );
  for (const w of compiled.warnings ?? []) process.stderr.write(`${formatSieveError({ script: name, ...w })} (warning)\n`);
  for (const e of result.errors) process.stderr.write(`${formatSieveError({ script: name, ...e })}\n`);
  for (const a of result.actions) process.stdout.write(actionJson(a) + '\n');
  return result.errors.length > 0 ? 1 : 0;
}
