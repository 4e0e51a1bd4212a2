import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { Firmware } from '../../server/firmware/firmware';
import { LogHub } from '../../server/logs/logger';

/** A small file system of its own (tmpfs, as root), so "nearly full" can be reached for real. */
const canMount = process.getuid?.() === 0;

describe('system images never take the space mail needs', { skip: canMount ? undefined : 'needs root to mount a small tmpfs' }, () => {
  let dir: string;
  let logs: LogHub;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pillarbox-fw-space-'));
    const r = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=80m', 'tmpfs', dir]);
    assert.equal(r.status, 0, r.stderr.toString());
    logs = new LogHub(path.join(dir, 'logs'));
  });
  after(async () => {
    await logs.close();
    // A lazy unmount as the fallback: the directory must go even when something still holds the tmpfs.
    if (spawnSync('umount', [dir]).status !== 0) {
      const lazy = spawnSync('umount', ['-l', dir]);
      if (lazy.status !== 0) {
        // Cleanup is not what this test checks: leave the small tmpfs behind, and say so.
        console.warn(`could not unmount ${dir}: ${lazy.stderr.toString().trim()}`);
        return;
      }
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('stops an upload while 64 MiB are still free, keeping nothing of it; a smaller one fits', async () => {
    const firmware = new Firmware(dir, logs.logger('server'));
    const big = Readable.from((function* () {
      for (let i = 0; i < 40; i++) yield crypto.randomBytes(1024 * 1024);
    })());
    await assert.rejects(firmware.addImage('too-big.raw', big), { code: 'INSUFFICIENT_SPACE' });
    assert.deepEqual(firmware.images(), []);
    assert.deepEqual(fs.readdirSync(path.join(dir, 'firmware', 'images')), [], 'the partial file is gone');
    const small = await firmware.addImage('fits.raw', Readable.from([crypto.randomBytes(4 * 1024 * 1024)]));
    assert.equal(small.size, 4 * 1024 * 1024);
  });
});
