import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { freePort } from './free-port';

const run = promisify(execFile);
const BIN = '/usr/lib/postgresql/15/bin';

/** A private PostgreSQL cluster: its own data directory, a loopback port and a socket directory in a temp dir. */
export interface PostgresCluster {
  host: string;
  port: number;
  /** The unix socket directory (pg's `host` may name it instead of 127.0.0.1). */
  socketDir: string;
  user: string;
  database: string;
  stop(): Promise<void>;
}

/** Whether Debian's postgresql 15 is installed (tests/run.sh installs it). */
export function postgresInstalled(): boolean {
  return fs.existsSync(path.join(BIN, 'initdb'));
}

/**
 * Starts a throw-away cluster. PostgreSQL refuses to run as root, so initdb and pg_ctl run as
 * the `postgres` user the Debian package made, in a temp dir handed to that user. The
 * server keeps its default fsync durability: what the bench measures on it is real.
 */
export async function startPostgres(parent = os.tmpdir()): Promise<PostgresCluster> {
  if (!postgresInstalled()) throw new Error(`${BIN}/initdb is missing: apt-get install postgresql`);
  const dir = await fsp.mkdtemp(path.join(parent, 'pillarbox-pg-'));
  const data = path.join(dir, 'data');
  const socketDir = path.join(dir, 'run');
  await fsp.mkdir(socketDir);
  await run('chown', ['-R', 'postgres:postgres', dir]);
  const asPostgres = (cmd: string, args: string[]) => run('runuser', ['-u', 'postgres', '--', path.join(BIN, cmd), ...args]);
  await asPostgres('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8', '--locale', 'C']);
  const port = await freePort();
  const options = `-p ${port} -k ${socketDir} -c listen_addresses=127.0.0.1 -c max_connections=200`;
  await asPostgres('pg_ctl', ['-D', data, '-o', options, '-l', path.join(dir, 'server.log'), '-w', '-t', '120', 'start']);
  return {
    host: '127.0.0.1',
    port,
    socketDir,
    user: 'postgres',
    database: 'postgres',
    async stop() {
      // Immediate: a throw-away cluster needs no shutdown checkpoint.
      await asPostgres('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => undefined);
      await fsp.rm(dir, { recursive: true, force: true });
    },
  };
}
