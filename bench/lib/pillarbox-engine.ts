import fs from 'node:fs';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import BetterSqlite3 from 'better-sqlite3';
import { LISTENERS } from '../../server/config/bootstrap';
import { registerCleanup } from './cleanup';
import { waitFor } from './poll';
import { processTree, signal, waitForExit } from './procs';
import { makeWorkDir, removeDir } from './workdir';

export const ENGINE_CLI = path.resolve(__dirname, '../../server/cli/pillarbox.js');
export const BENCH_ADMIN_PASSWORD = 'bench-admin-password-1';

/**
 * A Pillarbox engine started the way an administrator starts it (`pillarbox start`), as a
 * child process with its own data directory and every listener on a free port.
 */
export class PillarboxEngine {
  private db?: BetterSqlite3.Database;
  private token?: string;

  private constructor(
    readonly child: ChildProcess,
    readonly dataDir: string,
    readonly ports: Record<string, number>,
    readonly logFile: string,
  ) {}

  get pid(): number {
    return this.child.pid as number;
  }

  static async start(dataDir: string): Promise<PillarboxEngine> {
    const env = engineEnvironment(dataDir);
    // The engine's log goes to a file, as Postfix's and Dovecot's do; a pipe nobody drains would stall it.
    const logFile = path.join(dataDir, 'engine-output.log');
    const out = fs.openSync(logFile, 'a');
    // e.g. PILLARBOX_BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" to profile the engine (NODE_OPTIONS refuses --cpu-prof).
    const nodeArgs = (process.env.PILLARBOX_BENCH_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
    const child = spawn(process.execPath, [...nodeArgs, ENGINE_CLI, 'start'], { env, stdio: ['ignore', out, out] });
    fs.closeSync(out);
    let exited: string | undefined;
    child.once('exit', (code, sig) => (exited = `the engine exited (${sig ?? `code ${code}`})`));
    child.once('error', (err) => (exited = `cannot start the engine: ${err.message}`));
    const portsFile = path.join(dataDir, 'run', 'ports.json');
    try {
      const ports = await waitFor(
        () => {
          if (exited) throw new Error(`${exited}; last output: ${tail(logFile)}`);
          if (!fs.existsSync(portsFile)) return undefined;
          return JSON.parse(fs.readFileSync(portsFile, 'utf8')) as Record<string, number>;
        },
        60_000,
        `${portsFile} (engine start)`,
      );
      return new PillarboxEngine(child, dataDir, ports, logFile);
    } catch (err) {
      await stopChild(child);
      throw err;
    }
  }

  /** One GraphQL operation over HTTP; GraphQL errors and typed errors both become exceptions. */
  async graphql<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
    const port = this.ports.http;
    if (!port) throw new Error('no GraphQL: the engine reported no http listener in run/ports.json');
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    const response = await fetch(`http://127.0.0.1:${port}/graphql`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ query, variables }),
    });
    const text = await response.text();
    let body: { data?: T; errors?: { message: string }[] };
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      throw new Error(`GraphQL: HTTP ${response.status}, not JSON: ${text.slice(0, 200)}`);
    }
    if (body.errors?.length) throw new Error(`GraphQL: ${body.errors.map((e) => e.message).join('; ')}`);
    if (!body.data) throw new Error(`GraphQL: HTTP ${response.status} without data`);
    return body.data;
  }

  async login(): Promise<void> {
    const data = await this.graphql<{ login: { token: string } }>(
      'mutation ($u: String!, $p: String!) { login(username: $u, password: $p) { token } }',
      { u: 'admin', p: BENCH_ADMIN_PASSWORD },
    );
    this.token = data.login.token;
  }

  async createUser(shortName: string, password: string, fullName: string): Promise<void> {
    await this.graphql(
      'mutation ($input: CreateUserInput!) { createUser(input: $input) { id } }',
      { input: { shortName, password, fullName } },
    );
  }

  /** Messages in the user's INBOX, read from the engine's database without writing to it. */
  inboxCount(shortName: string): number {
    this.db ??= new BetterSqlite3(path.join(this.dataDir, 'db', 'pillarbox.db'), { readonly: true, fileMustExist: true });
    const row = this.db
      .prepare(
        `SELECT m.message_count AS n FROM mailboxes m JOIN users u ON u.id = m.user_id
          WHERE u.short_name = ? AND m.name = 'INBOX'`,
      )
      .get(shortName) as { n: number } | undefined;
    return row?.n ?? 0;
  }

  /** Messages in every user's INBOX together (read-only, as inboxCount). */
  inboxTotal(): number {
    this.db ??= new BetterSqlite3(path.join(this.dataDir, 'db', 'pillarbox.db'), { readonly: true, fileMustExist: true });
    const row = this.db.prepare(`SELECT COALESCE(SUM(message_count), 0) AS n FROM mailboxes WHERE name = 'INBOX'`).get() as { n: number };
    return row.n;
  }

  /**
   * SIGTERM (the engine's clean stop), then SIGKILL whatever is left after 15 s. Returns a
   * warning when the engine did not exit 0 on its own, which the contract says it must.
   */
  async stop(): Promise<string | undefined> {
    this.db?.close();
    this.db = undefined;
    const alreadyGone = this.child.exitCode !== null || this.child.signalCode !== null;
    await stopChild(this.child);
    if (this.child.exitCode === null && this.child.signalCode === null) {
      await new Promise((resolve) => this.child.once('exit', resolve));
    }
    if (alreadyGone || this.child.exitCode !== 0) {
      return `the engine did not stop cleanly on SIGTERM (${this.child.signalCode ?? `exit ${this.child.exitCode}`}): ${this.outputTail()}`;
    }
    return undefined;
  }

  outputTail(): string {
    return tail(this.logFile);
  }
}

/** The environment `pillarbox start` gets in the benchmarks: its data directory, host name, admin password, every listener on port 0. */
export function engineEnvironment(dataDir: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PILLARBOX_DATA_DIR: dataDir,
    PILLARBOX_HOSTNAME: 'mail.example.test',
    PILLARBOX_ADMIN_PASSWORD: BENCH_ADMIN_PASSWORD,
  };
  for (const listener of LISTENERS) env[`PILLARBOX_${listener.toUpperCase()}_PORT`] = '0';
  return env;
}

/** SIGTERM to the engine's process tree, SIGKILL what is left after 15 s. */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (!child.pid || child.exitCode !== null || child.signalCode !== null) return;
  const tree = processTree([child.pid]);
  signal([child.pid], 'SIGTERM');
  const left = await waitForExit(tree, 15_000);
  if (left.length) signal(left, 'SIGKILL');
  await waitForExit(left, 5_000);
}

function tail(file: string, lines = 5): string {
  try {
    return fs.readFileSync(file, 'utf8').trim().split('\n').slice(-lines).join(' | ');
  } catch {
    return '(no output)';
  }
}

/**
 * An engine in a fresh work directory with one mail user who may log in with a password on
 * the plain IMAP port (as on the Dovecot side), `settings` applied too; `work` uses it, then
 * the engine stops and the directory goes (kept with `keep`), also on failure or Ctrl-C.
 */
export async function withImapEngine<T>(
  ctx: { workDir: string; log(message: string): void },
  options: { prefix: string; user: string; password: string; keep: boolean; settings?: Record<string, unknown> },
  work: (engine: PillarboxEngine, dir: string) => Promise<T>,
): Promise<T> {
  const dir = makeWorkDir(ctx.workDir, options.prefix);
  let engine: PillarboxEngine | undefined;
  const cleanup = registerCleanup(async () => {
    await engine?.stop();
    if (!options.keep) removeDir(dir);
  });
  try {
    engine = await PillarboxEngine.start(dir);
    await engine.login();
    await engine.createUser(options.user, options.password, 'IMAP Bench');
    await engine.graphql('mutation ($i: UpdateSettingsInput!) { updateSettings(input: $i) { imapMaxConnections } }', {
      i: { allowPlaintextAuthWithoutTls: true, ...options.settings },
    });
    ctx.log(`pillarbox (pid ${engine.pid}, imap ${engine.ports.imap}) in ${dir}`);
    return await work(engine, dir);
  } finally {
    if (options.keep) ctx.log(`kept ${dir}`);
    await cleanup();
  }
}
