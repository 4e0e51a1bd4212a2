import type http from 'node:http';
import type { EngineContext } from '../context';
import { FirmwareError } from '../firmware/types';
import type { Logger } from '../logs/logger';
import { bearerToken, sendJson } from './http-util';

export const IMAGE_UPLOAD_PREFIX = '/firmware/images/';

/**
 * PUT /firmware/images/NAME: a system image for a later update, streamed to disk (GraphQL
 * has no good way to carry gigabytes). Admin bearer token required; `?sha256=` (or an
 * `x-sha256` header) makes the engine refuse a copy that arrived damaged.
 */
export async function receiveImage(ctx: EngineContext, log: Logger, req: http.IncomingMessage, res: http.ServerResponse, encodedName: string, url: URL): Promise<void> {
  const token = bearerToken(req.headers.authorization);
  const admin = token ? ctx.admins.verifyToken(token) : undefined;
  if (!admin) return refuse(req, res, 401, 'UNAUTHENTICATED', 'log in first: send "Authorization: Bearer <token>"');
  if (admin.role !== 'admin') return refuse(req, res, 403, 'FORBIDDEN', 'uploading a system image needs the admin role');
  let name: string;
  try {
    name = decodeURIComponent(encodedName);
  } catch {
    return refuse(req, res, 400, 'BAD_IMAGE_NAME', 'the image name in the URL is not valid percent-encoding');
  }
  const header = req.headers['x-sha256'];
  const sha256 = url.searchParams.get('sha256') ?? (typeof header === 'string' ? header : undefined);
  if (sha256 !== undefined && !/^[0-9a-fA-F]{64}$/.test(sha256)) return refuse(req, res, 400, 'BAD_USER_INPUT', 'sha256 must be 64 hexadecimal digits');
  try {
    const image = await ctx.firmware.addImage(name, req, sha256);
    log.message('system image uploaded', { name, size: image.size, by: admin.username });
    sendJson(res, 201, { name: image.name, size: image.size, sha256: image.sha256 });
  } catch (err) {
    if (!(err instanceof FirmwareError)) throw err;
    const status = err.code === 'IMAGE_TOO_LARGE' ? 413 : err.code === 'IMAGE_EXISTS' ? 409 : err.code === 'INSUFFICIENT_SPACE' ? 507 : 400;
    refuse(req, res, status, err.code, err.message);
  }
}

/** Answers with a coded error and stops reading the body, closing the connection after. */
function refuse(req: http.IncomingMessage, res: http.ServerResponse, status: number, code: string, message: string): void {
  sendJson(res, status, { errors: [{ message, extensions: { code } }] }, { connection: 'close' });
  req.resume();
}
