import crypto from 'node:crypto';
import { once } from 'node:events';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { pipeline } from 'node:stream/promises';
import type { Logger } from '../logs/logger';
import { fsyncDir } from '../store/durable-fs';
import {
  type AgentStatus,
  FirmwareError,
  type FirmwareRequest,
  type RequestAction,
  type SystemImage,
  IMAGE_NAME,
  MAX_IMAGE_BYTES,
  parseAgentStatus,
} from './types';

/**
 * System updates and factory resets asked for through the management API. The engine runs
 * without privileges, so it only writes a request file; the appliance's root-owned firmware
 * agent (appliance/sbin/pillarbox-firmware-agent, started by a systemd path unit watching
 * `requests/`) checks it, runs the firmware scripts at the requested time, and reports back
 * in `status.json`. Off the appliance there is no agent and no status file: requests are
 * refused with NOT_AN_APPLIANCE.
 *
 * Layout under `<data-dir>/firmware/`: `images/` uploaded or fetched system images,
 * `requests/request.json` the one pending request, `status.json` written by the agent.
 */
export class Firmware {
  readonly dir: string;
  private readonly imagesDir: string;
  private readonly requestsDir: string;
  private readonly fetching = new Map<string, { url: string; received: number; startedAt: Date }>();

  constructor(
    dataDir: string,
    private readonly log: Logger,
  ) {
    this.dir = path.join(dataDir, 'firmware');
    this.imagesDir = path.join(this.dir, 'images');
    this.requestsDir = path.join(this.dir, 'requests');
    for (const d of [this.dir, this.imagesDir, this.requestsDir]) fs.mkdirSync(d, { recursive: true, mode: 0o700 });
    // Partial uploads and downloads of an earlier run are worthless.
    for (const name of fs.readdirSync(this.imagesDir)) if (name.startsWith('.partial-')) fs.rmSync(path.join(this.imagesDir, name), { force: true });
  }

  /** What the agent last reported; undefined when no agent runs here (not an appliance). */
  agentStatus(): AgentStatus | undefined {
    try {
      return parseAgentStatus(fs.readFileSync(path.join(this.dir, 'status.json'), 'utf8'));
    } catch {
      return undefined;
    }
  }

  pendingRequest(): FirmwareRequest | undefined {
    try {
      return JSON.parse(fs.readFileSync(this.requestFile(), 'utf8')) as FirmwareRequest;
    } catch {
      return undefined;
    }
  }

  images(): SystemImage[] {
    const out: SystemImage[] = [];
    for (const name of fs.readdirSync(this.imagesDir).sort()) {
      if (!IMAGE_NAME.test(name) || name.endsWith('.sha256')) continue;
      const file = path.join(this.imagesDir, name);
      const st = fs.lstatSync(file);
      if (!st.isFile()) continue;
      let sha256: string | undefined;
      try {
        sha256 = fs.readFileSync(file + '.sha256', 'utf8').trim();
      } catch {
        sha256 = undefined;
      }
      out.push({ name, size: st.size, sha256, addedAt: st.mtime });
    }
    for (const [name, f] of this.fetching) out.push({ name, size: f.received, addedAt: f.startedAt, fetchingFrom: f.url });
    return out;
  }

  /**
   * Stores a system image from a stream (an HTTP upload), computing its SHA-256 on the way.
   * Written under a temporary name, fsynced, then renamed: a listed image is always whole.
   */
  async addImage(name: string, source: Readable, expectedSha256?: string, limit = MAX_IMAGE_BYTES): Promise<SystemImage> {
    this.checkNewName(name);
    return this.storeImage(name, source, expectedSha256, limit);
  }

  private async storeImage(name: string, source: Readable, expectedSha256: string | undefined, limit: number): Promise<SystemImage> {
    const dir = this.imagesDir;
    checkSpace(dir);
    const file = path.join(this.imagesDir, name);
    const partial = path.join(this.imagesDir, `.partial-${name}`);
    const hash = crypto.createHash('sha256');
    let size = 0;
    let out: fs.WriteStream | undefined;
    try {
      out = fs.createWriteStream(partial, { mode: 0o600, flags: 'wx' });
      await pipeline(
        source,
        async function* (chunks: AsyncIterable<Buffer>) {
          for await (const chunk of chunks) {
            size += chunk.length;
            if (size > limit) throw new FirmwareError('IMAGE_TOO_LARGE', `images are limited to ${limit} bytes`);
            if (Math.floor(size / SPACE_CHECK_BYTES) !== Math.floor((size - chunk.length) / SPACE_CHECK_BYTES)) checkSpace(dir);
            hash.update(chunk);
            yield chunk;
          }
        },
        out,
      );
      const sha256 = hash.digest('hex');
      if (expectedSha256 && expectedSha256.toLowerCase() !== sha256) {
        throw new FirmwareError('CHECKSUM_MISMATCH', `the image's SHA-256 is ${sha256}, not ${expectedSha256.toLowerCase()}`);
      }
      if (size === 0) throw new FirmwareError('BAD_IMAGE', 'the image is empty');
      const fd = await fsp.open(partial, 'r');
      await fd.sync();
      await fd.close();
      await fsp.writeFile(file + '.sha256', sha256 + '\n', { mode: 0o600 });
      await fsp.rename(partial, file);
      await fsyncDir(this.imagesDir);
      this.log.message('system image added', { name, size, sha256 });
      return { name, size, sha256, addedAt: new Date() };
    } catch (err) {
      // The destroyed stream closes its descriptor asynchronously; the space is only given back once it has.
      if (out && !out.closed) await once(out, 'close').catch(() => undefined);
      await fsp.rm(partial, { force: true });
      throw err;
    }
  }

  /** Downloads an image from an http(s) URL in the background; it is listed (growing) while it arrives. */
  fetchImage(name: string, url: string, expectedSha256: string | undefined, fetchFn: typeof fetch = fetch): Promise<SystemImage> {
    this.checkNewName(name);
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new FirmwareError('BAD_URL', `${url} is not a URL`);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new FirmwareError('BAD_URL', 'only http and https URLs can be fetched');
    const progress = { url: parsed.href, received: 0, startedAt: new Date() };
    this.fetching.set(name, progress);
    const done = (async () => {
      try {
        const res = await fetchFn(parsed.href, { redirect: 'follow' });
        if (!res.ok || !res.body) throw new FirmwareError('FETCH_FAILED', `${parsed.href} answered ${res.status} ${res.statusText}`);
        const body = Readable.fromWeb(res.body as WebReadableStream<Uint8Array>);
        body.on('data', (c: Buffer) => (progress.received += c.length));
        return await this.storeImage(name, body, expectedSha256, MAX_IMAGE_BYTES);
      } catch (err) {
        this.log.error('system image download failed', { name, url: parsed.href, error: String(err) });
        throw err instanceof FirmwareError ? err : new FirmwareError('FETCH_FAILED', `could not fetch ${parsed.href}: ${String(err)}`);
      } finally {
        this.fetching.delete(name);
      }
    })();
    done.catch(() => undefined);
    return done;
  }

  deleteImage(name: string): void {
    this.checkName(name);
    const file = path.join(this.imagesDir, name);
    if (!fs.existsSync(file)) throw new FirmwareError('NO_SUCH_IMAGE', `there is no image called ${name}`);
    if (this.pendingRequest()?.image === name) throw new FirmwareError('REQUEST_PENDING', `a pending update uses ${name}; cancel it first`);
    fs.rmSync(file, { force: true });
    fs.rmSync(file + '.sha256', { force: true });
    this.log.message('system image deleted', { name });
  }

  /** Asks the agent for an update, rollback or factory reset, now or at `notBefore`. */
  request(action: RequestAction, options: { image?: string; notBefore?: Date; by: string }): FirmwareRequest {
    if (!this.agentStatus()) throw new FirmwareError('NOT_AN_APPLIANCE', 'no firmware agent answers here: system updates and factory resets work on the Pillarbox appliance only');
    if (this.pendingRequest()) throw new FirmwareError('REQUEST_PENDING', 'another request is pending; cancel it first');
    let sha256: string | undefined;
    if (action === 'update') {
      const image = this.images().find((i) => i.name === options.image && !i.fetchingFrom);
      if (!image || !image.sha256) throw new FirmwareError('NO_SUCH_IMAGE', `there is no complete image called ${options.image ?? ''}`);
      sha256 = image.sha256;
    }
    const request: FirmwareRequest = {
      id: crypto.randomUUID(),
      action,
      image: action === 'update' ? options.image : undefined,
      sha256,
      notBefore: Math.floor((options.notBefore ?? new Date()).getTime() / 1000),
      requestedBy: options.by,
      requestedAt: new Date().toISOString(),
    };
    const tmp = path.join(this.dir, `.request-${request.id}.json`);
    fs.writeFileSync(tmp, JSON.stringify(request) + '\n', { mode: 0o600 });
    fs.renameSync(tmp, this.requestFile());
    this.log.message('firmware request made', { id: request.id, action, image: request.image, notBefore: request.notBefore, by: options.by });
    return request;
  }

  /** Withdraws the pending request, if the agent has not started on it. */
  cancel(by: string): FirmwareRequest {
    const pending = this.pendingRequest();
    if (!pending) throw new FirmwareError('NO_REQUEST', 'no request is pending');
    fs.rmSync(this.requestFile(), { force: true });
    this.log.message('firmware request cancelled', { id: pending.id, action: pending.action, by });
    return pending;
  }

  private checkName(name: string): void {
    if (!IMAGE_NAME.test(name) || name.endsWith('.sha256')) {
      throw new FirmwareError('BAD_IMAGE_NAME', 'an image name is 1-100 letters, digits, dots, dashes and underscores, not starting with a dot');
    }
  }

  private checkNewName(name: string): void {
    this.checkName(name);
    if (fs.existsSync(path.join(this.imagesDir, name)) || this.fetching.has(name)) throw new FirmwareError('IMAGE_EXISTS', `an image called ${name} exists; delete it first`);
  }

  private requestFile(): string {
    return path.join(this.requestsDir, 'request.json');
  }
}

/** How often (in bytes received) an upload checks the space left. */
const SPACE_CHECK_BYTES = 16 * 1024 * 1024;

/**
 * Images share the data partition with the mail: an upload stops while a tenth of the file
 * system (at least 64 MiB) is still free, so mail can always be stored.
 */
function checkSpace(dir: string): void {
  const st = fs.statfsSync(dir);
  const reserve = Math.max(64 * 1024 * 1024, (st.blocks * st.bsize) / 10);
  if (st.bavail * st.bsize < reserve) {
    throw new FirmwareError('INSUFFICIENT_SPACE', `the data partition is nearly full (${Math.round((st.bavail * st.bsize) / 1048576)} MiB free); images may not take the space mail needs`);
  }
}
