import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The ids of a system user a Debian package made (`postfix`, `list`), or a clear error naming that package. */
export async function systemUser(name: string, debianPackage: string): Promise<{ uid: number; gid: number }> {
  const { stdout } = await run('id', [name]).catch(() => {
    throw new Error(`no "${name}" user on this machine (apt-get install ${debianPackage})`);
  });
  const uid = /uid=(\d+)/.exec(stdout);
  const gid = /gid=(\d+)/.exec(stdout);
  if (!uid || !gid) throw new Error(`cannot read the ${name} user's ids from "${stdout.trim()}"`);
  return { uid: Number(uid[1]), gid: Number(gid[1]) };
}
