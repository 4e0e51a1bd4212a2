import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type net from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type TestEngine, startEngine } from '../helpers/engine';
import { errorCode, gql, gqlOk, login } from './client';

const sha256 = (b: Buffer) => crypto.createHash('sha256').update(b).digest('hex');

interface ApplianceData {
  appliance: {
    available: boolean;
    runningSlot: string | null;
    history: string[];
    pendingRequest: { id: string; action: string; image: string | null; state: string; notBefore: string } | null;
    lastRequest: { id: string; state: string; message: string } | null;
    images: { name: string; size: number; sha256: string | null; fetchingFrom: string | null }[];
  };
}
const APPLIANCE = '{ appliance { available runningSlot history pendingRequest { id action image state notBefore } lastRequest { id state message } images { name size sha256 fetchingFrom } } }';

/** Updates and factory reset through GraphQL: images in, requests out, the agent's status back. */
describe('GraphQL appliance updates', () => {
  let t: TestEngine;
  let token: string;
  const firmwareDir = () => path.join(t.dataDir, 'firmware');
  const upload = (name: string, body: Buffer, options: { token?: string; sha?: string } = {}) =>
    fetch(`http://127.0.0.1:${t.ports.http}/firmware/images/${encodeURIComponent(name)}${options.sha ? `?sha256=${options.sha}` : ''}`, {
      method: 'PUT',
      headers: options.token === '' ? {} : { authorization: `Bearer ${options.token ?? token}` },
      body,
    });
  const appliance = async () => (await gqlOk<ApplianceData>(t.ports.http, APPLIANCE, { token })).appliance;

  before(async () => {
    t = await startEngine();
    token = await login(t.ports.http);
  });
  after(() => t.stop());

  it('off the appliance: not available, and requests are refused with NOT_AN_APPLIANCE', async () => {
    const a = await appliance();
    assert.equal(a.available, false);
    assert.equal(a.runningSlot, null);
    const r = await gql(t.ports.http, 'mutation { scheduleSystemRollback(input: {}) { id } }', { token });
    assert.equal(errorCode(r), 'NOT_AN_APPLIANCE');
  });

  it('uploads an image over HTTP PUT, checked against its SHA-256; refuses bad names, damage and strangers', async () => {
    const image = crypto.randomBytes(300_000);
    assert.equal((await upload('x.raw.zst', image, { token: '' })).status, 401);
    const damaged = await upload('x.raw.zst', image, { sha: sha256(Buffer.from('other')) });
    assert.equal(damaged.status, 400);
    assert.equal(((await damaged.json()) as { errors: { extensions: { code: string } }[] }).errors[0].extensions.code, 'CHECKSUM_MISMATCH');
    assert.equal((await upload('../escape', image)).status, 400);
    assert.equal((await upload('.hidden', image)).status, 400);
    const badEncoding = await fetch(`http://127.0.0.1:${t.ports.http}/firmware/images/%E0%A4%A`, { method: 'PUT', headers: { authorization: `Bearer ${token}` }, body: image });
    assert.equal(badEncoding.status, 400);
    assert.deepEqual((await appliance()).images, [], 'nothing kept from refused uploads');
    const ok = await upload('pillarbox-new.raw.zst', image, { sha: sha256(image) });
    assert.equal(ok.status, 201);
    assert.equal((await upload('pillarbox-new.raw.zst', image)).status, 409, 'no overwriting');
    assert.deepEqual((await appliance()).images, [{ name: 'pillarbox-new.raw.zst', size: image.length, sha256: sha256(image), fetchingFrom: null }]);
    assert.deepEqual(fs.readFileSync(path.join(firmwareDir(), 'images', 'pillarbox-new.raw.zst')), image);
  });

  it('fetches an image from a URL; a failed download leaves nothing', async () => {
    const image = crypto.randomBytes(200_000);
    const server = http.createServer((req, res) => {
      if (req.url === '/img') res.end(image);
      else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const started = await gqlOk<{ fetchSystemImage: { name: string; fetchingFrom: string } }>(
        t.ports.http,
        `mutation { fetchSystemImage(input: {name: "fetched.raw.zst", url: "http://127.0.0.1:${port}/img", sha256: "${sha256(image)}"}) { name fetchingFrom } }`,
        { token },
      );
      assert.equal(started.fetchSystemImage.fetchingFrom, `http://127.0.0.1:${port}/img`);
      await until(async () => (await appliance()).images.some((i) => i.name === 'fetched.raw.zst' && i.sha256 === sha256(image)));
      await gqlOk(t.ports.http, `mutation { fetchSystemImage(input: {name: "missing.raw.zst", url: "http://127.0.0.1:${port}/nothing"}) { name } }`, { token });
      await until(async () => !(await appliance()).images.some((i) => i.name === 'missing.raw.zst'));
      const bad = await gql(t.ports.http, 'mutation { fetchSystemImage(input: {name: "f", url: "file:///etc/passwd"}) { name } }', { token });
      assert.equal(errorCode(bad), 'BAD_URL');
    } finally {
      server.close();
    }
  });

  it('on the appliance: writes one request for the agent, refuses a second, cancels; reads the agent status', async () => {
    // What pillarbox-firmware-agent writes at boot.
    const status = { updatedAt: new Date().toISOString(), runningSlot: 'A', defaultSlot: 'A', trialSlot: '', systemVersion: '0.1.0', history: ['2026-12-01T00:00:00Z confirmed: slot A'] };
    fs.writeFileSync(path.join(firmwareDir(), 'status.json'), JSON.stringify(status));
    assert.equal((await appliance()).available, true);
    assert.equal((await appliance()).runningSlot, 'A');

    const missing = await gql(t.ports.http, 'mutation { scheduleSystemUpdate(input: {image: "nope"}) { id } }', { token });
    assert.equal(errorCode(missing), 'NO_SUCH_IMAGE');
    const at = new Date(Date.now() + 3600_000);
    const made = await gqlOk<{ scheduleSystemUpdate: { id: string; action: string; state: string } }>(
      t.ports.http,
      `mutation { scheduleSystemUpdate(input: {image: "pillarbox-new.raw.zst", at: "${at.toISOString()}"}) { id action state } }`,
      { token },
    );
    assert.equal(made.scheduleSystemUpdate.action, 'UPDATE');
    assert.equal(made.scheduleSystemUpdate.state, 'PENDING');
    const request = JSON.parse(fs.readFileSync(path.join(firmwareDir(), 'requests', 'request.json'), 'utf8')) as Record<string, unknown>;
    assert.equal(request.id, made.scheduleSystemUpdate.id);
    assert.equal(request.action, 'update');
    assert.equal(request.image, 'pillarbox-new.raw.zst');
    assert.equal(request.sha256, sha256(fs.readFileSync(path.join(firmwareDir(), 'images', 'pillarbox-new.raw.zst'))));
    assert.equal(request.notBefore, Math.floor(at.getTime() / 1000));

    assert.equal(errorCode(await gql(t.ports.http, 'mutation { scheduleSystemRollback(input: {}) { id } }', { token })), 'REQUEST_PENDING');
    assert.equal(errorCode(await gql(t.ports.http, 'mutation { deleteSystemImage(input: {name: "pillarbox-new.raw.zst"}) }', { token })), 'REQUEST_PENDING');
    assert.equal((await appliance()).pendingRequest?.id, made.scheduleSystemUpdate.id);

    // The agent took it up and is waiting for its time.
    fs.writeFileSync(
      path.join(firmwareDir(), 'status.json'),
      JSON.stringify({ ...status, lastRequest: { id: made.scheduleSystemUpdate.id, action: 'update', state: 'scheduled', message: 'scheduled for later', at: status.updatedAt } }),
    );
    assert.equal((await appliance()).pendingRequest?.state, 'SCHEDULED');

    const cancelled = await gqlOk<{ cancelFirmwareRequest: { state: string } }>(t.ports.http, 'mutation { cancelFirmwareRequest { state } }', { token });
    assert.equal(cancelled.cancelFirmwareRequest.state, 'CANCELLED');
    assert.equal(fs.existsSync(path.join(firmwareDir(), 'requests', 'request.json')), false);
    assert.equal(errorCode(await gql(t.ports.http, 'mutation { cancelFirmwareRequest { state } }', { token })), 'NO_REQUEST');
  });

  it('factory reset needs ERASE typed in; the monitor role can read but not ask', async () => {
    const r = await gql(t.ports.http, 'mutation { scheduleFactoryReset(input: {confirm: "yes"}) { id } }', { token });
    assert.equal(errorCode(r), 'BAD_USER_INPUT');
    await t.engine.ctx.admins.create('watcher', 'watcher-password-1', 'monitor');
    const monitor = await login(t.ports.http, 'watcher', 'watcher-password-1');
    assert.equal((await gqlOk<ApplianceData>(t.ports.http, APPLIANCE, { token: monitor })).appliance.available, true);
    assert.equal(errorCode(await gql(t.ports.http, 'mutation { scheduleFactoryReset(input: {confirm: "ERASE"}) { id } }', { token: monitor })), 'FORBIDDEN');
    assert.equal((await upload('m.raw', Buffer.from('x'), { token: monitor })).status, 403);
    const reset = await gqlOk<{ scheduleFactoryReset: { action: string } }>(t.ports.http, 'mutation { scheduleFactoryReset(input: {confirm: "ERASE"}) { action } }', { token });
    assert.equal(reset.scheduleFactoryReset.action, 'FACTORY_RESET');
    await gqlOk(t.ports.http, 'mutation { cancelFirmwareRequest { id } }', { token });
    await gqlOk(t.ports.http, 'mutation { deleteSystemImage(input: {name: "pillarbox-new.raw.zst"}) }', { token });
    assert.ok(!(await appliance()).images.some((i) => i.name === 'pillarbox-new.raw.zst'));
  });
});

/** Waits for a condition the engine reaches on its own (a background download). */
async function until(check: () => Promise<boolean>, limitMs = 10_000): Promise<void> {
  const end = Date.now() + limitMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
