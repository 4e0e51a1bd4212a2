import fs from 'node:fs';
import type http from 'node:http';
import { pipeline } from 'node:stream/promises';
import type { EngineContext } from '../context';
import { LogArchiveError } from '../logs/log-archive';
import type { Logger } from '../logs/logger';
import { bearerToken, sendJson } from './http-util';

/**
 * GET /logs/archive/NAME: one compressed log archive, for an account that may read the logs
 * (any management role: the same entries are readable through the `logs` query).
 */
export async function sendLogArchive(ctx: EngineContext, log: Logger, req: http.IncomingMessage, res: http.ServerResponse, encodedName: string): Promise<void> {
  const token = bearerToken(req.headers.authorization);
  const admin = token ? ctx.admins.verifyToken(token) : undefined;
  if (!admin) return sendJson(res, 401, { errors: [{ message: 'log in first: send "Authorization: Bearer <token>"', extensions: { code: 'UNAUTHENTICATED' } }] });
  let file: string;
  let name: string;
  try {
    name = decodeURIComponent(encodedName);
    file = ctx.logArchives.file(name);
  } catch (err) {
    if (err instanceof LogArchiveError) return sendJson(res, err.code === 'NOT_FOUND' ? 404 : 400, { errors: [{ message: err.message, extensions: { code: err.code } }] });
    if (err instanceof URIError) return sendJson(res, 400, { errors: [{ message: 'the archive name in the URL is not valid percent-encoding', extensions: { code: 'BAD_USER_INPUT' } }] });
    throw err;
  }
  const size = fs.statSync(file).size;
  res.writeHead(200, {
    'content-type': 'application/gzip',
    'content-length': String(size),
    'content-disposition': `attachment; filename="${name}"`,
    'cache-control': 'no-store',
  });
  log.message('log archive downloaded', { name, by: admin.username });
  if (req.method === 'HEAD') return void res.end();
  await pipeline(fs.createReadStream(file), res);
}
