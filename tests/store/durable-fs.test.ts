import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fsyncDir, keepDirOpen, removeFile } from '../../server/store/durable-fs';
import { linkOrCopy } from '../../server/store/message-files';

/** The directories this process has open (its descriptors that point at `dir`). */
function openDescriptorsOf(dir: string): number {
  return fs.readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return fs.readlinkSync(`/proc/self/fd/${fd}`) === dir;
    } catch {
      return false; // closed while we looked (readdir's own descriptor)
    }
  }).length;
}

describe('durable files: the calls an inbound message makes', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'pillarbox-durable-'));
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  it('keeps a directory open for its syncs while held, once for all holders, and closes it when the last lets go', async () => {
    const dir = fs.mkdtempSync(path.join(root, 'spool-'));
    const first = keepDirOpen(dir);
    const second = keepDirOpen(dir);
    assert.equal(openDescriptorsOf(dir), 1);
    await Promise.all([fsyncDir(dir), fsyncDir(dir), fsyncDir(dir)]);
    assert.equal(openDescriptorsOf(dir), 1, 'the syncs used the kept descriptor');
    first();
    first(); // letting go twice counts once
    assert.equal(openDescriptorsOf(dir), 1);
    const sync = fsyncDir(dir);
    second();
    await sync;
    // The close runs on the thread pool after the last sync: wait for it.
    for (let i = 0; i < 100 && openDescriptorsOf(dir) > 0; i++) await new Promise((r) => setImmediate(r));
    assert.equal(openDescriptorsOf(dir), 0);
    await fsyncDir(dir); // and syncs open it for themselves again
  });

  it('links into a directory that does not exist yet, and still refuses a missing source', async () => {
    const source = path.join(root, 'source.eml');
    fs.writeFileSync(source, 'Subject: x\r\n\r\nbody\r\n');
    const target = path.join(root, 'store', '7', '12', 'message.eml');
    await linkOrCopy(source, target);
    assert.equal(fs.statSync(target).ino, fs.statSync(source).ino);
    await linkOrCopy(source, path.join(root, 'store', '7', '12', 'second.eml'));
    await assert.rejects(linkOrCopy(path.join(root, 'missing.eml'), path.join(root, 'store', '8', '1', 'm.eml')), { code: 'ENOENT' });
  });

  it('removes a file with one unlink; a file already gone is no error, other failures are', async () => {
    const file = path.join(root, 'gone.eml');
    fs.writeFileSync(file, 'x');
    await removeFile(file);
    assert.equal(fs.existsSync(file), false);
    await removeFile(file);
    await removeFile(path.join(root, 'no-such-dir', 'x'));
    // Any other failure is still one: a directory is not unlinked.
    await assert.rejects(removeFile(fs.mkdtempSync(path.join(root, 'dir-'))), { code: 'EISDIR' });
  });
});
