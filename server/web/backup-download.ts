import type http from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BackupError } from '../backup/manifest';
import { tarStream } from '../backup/tar';
import type { EngineContext } from '../context';
import type { Logger } from '../logs/logger';
import { bearerToken, sendJson } from './http-util';

const STATUS: Partial<Record<BackupError['code'], number>> = { NOT_FOUND: 404, INCOMPLETE: 409, NOT_CONFIGURED: 409, CORRUPT: 409 };

/**
 * GET /backups/NAME.tar: one complete backup as a tar stream, for an admin only (a backup
 * holds the password hashes and the private keys). Unpacked, it is a backup directory that
 * `pillarbox restore` takes.
 */
export async function sendBackup(ctx: EngineContext, log: Logger, req: http.IncomingMessage, res: http.ServerResponse, rest: string): Promise<void> {
  const token = bearerToken(req.headers.authorization);
  const admin = token ? ctx.admins.verifyToken(token) : undefined;
  if (!admin) return sendJson(res, 401, { errors: [{ message: 'log in first: send "Authorization: Bearer <token>"', extensions: { code: 'UNAUTHENTICATED' } }] });
  if (admin.role !== 'admin') return sendJson(res, 403, { errors: [{ message: 'a backup holds passwords and keys: downloading one needs the admin role', extensions: { code: 'FORBIDDEN' } }] });
  const name = rest.endsWith('.tar') ? rest.slice(0, -'.tar'.length) : rest;
  let entries;
  try {
    entries = ctx.backups.tarEntries(name);
  } catch (err) {
    if (err instanceof BackupError) return sendJson(res, STATUS[err.code] ?? 400, { errors: [{ message: err.message, extensions: { code: err.code === 'INVALID' ? 'BAD_USER_INPUT' : err.code } }] });
    throw err;
  }
  const size = entries.reduce((sum, e) => sum + 512 + Math.ceil(e.size / 512) * 512, 1024);
  res.writeHead(200, {
    'content-type': 'application/x-tar',
    'content-length': String(size),
    'content-disposition': `attachment; filename="pillarbox-backup-${name}.tar"`,
    'cache-control': 'no-store',
  });
  log.message('backup downloaded', { name, by: admin.username });
  if (req.method === 'HEAD') return void res.end();
  await pipeline(Readable.from(tarStream(entries)), res);
}
