import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SETTINGS, defaultSettings } from '../../server/config/settings-schema';
import { freshclamConfig, runFreshclam } from '../../server/virus/freshclam';
import { FRESHCLAM } from '../helpers/clamd';
import { startEngine } from '../helpers/engine';
import { VIRUS_UPDATE_JOB } from '../../server/virus/virus-service';
import type { JobRun } from '../../server/jobs/run-log';

/** freshclam.conf as the settings make it, and a real (offline) freshclam run. */
describe('freshclam configuration', () => {
  const base = defaultSettings();

  it('uses the public mirror with its DNS version check by default', () => {
    const c = freshclamConfig(base, 'clamav');
    assert.match(c, /^DatabaseDirectory \/var\/lib\/clamav$/m);
    assert.match(c, /^DatabaseOwner clamav$/m);
    assert.match(c, /^DatabaseMirror database\.clamav\.net$/m);
    assert.doesNotMatch(c, /^(DNSDatabaseInfo|PrivateMirror|HTTPProxy)/m);
  });

  it('takes another mirror, a private mirror instead of the public ones, and a proxy', () => {
    assert.match(freshclamConfig({ ...base, virusDatabaseMirror: 'clamav.example.net' }, 'clamav'), /^DatabaseMirror clamav\.example\.net\nDNSDatabaseInfo no$/m);
    const priv = freshclamConfig({ ...base, virusPrivateMirror: 'https://mirror.example.net/clamav', virusUpdateProxy: 'proxy.example.net:8080' }, 'clamav');
    assert.match(priv, /^PrivateMirror https:\/\/mirror\.example\.net\/clamav$/m);
    assert.doesNotMatch(priv, /^DatabaseMirror/m);
    assert.match(priv, /^HTTPProxyServer http:\/\/proxy\.example\.net\nHTTPProxyPort 8080$/m);
    assert.doesNotMatch(priv, /^HTTPProxyUsername/m);
  });

  it('refuses settings freshclam could not use', () => {
    const check = <K extends keyof typeof SETTINGS>(key: K, value: (typeof SETTINGS)[K]['default']) => (SETTINGS[key].check as (v: unknown) => string | undefined)(value);
    assert.ok(check('virusUpdateProxy', 'not a proxy'));
    assert.equal(check('virusUpdateProxy', 'http://u:p@proxy:3128'), undefined);
    assert.ok(check('virusDatabaseMirror', 'two words'));
    assert.ok(check('virusDatabaseDir', 'relative/dir'));
    assert.ok(check('clamdAddress', 'clamd'));
    assert.equal(check('clamdAddress', '127.0.0.1:3310'), undefined);
    assert.ok(check('virusUpdateSchedule', 'twice a day'));
    assert.equal(check('virusUpdateSchedule', ''), undefined);
    assert.ok(check('virusAction', 'deliver' as never));
  });

  it('runs freshclam, which fails offline and says why', { skip: FRESHCLAM ? undefined : 'freshclam is not installed' }, async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pillarbox-freshclam-'));
    try {
      const result = await runFreshclam({ ...base, virusDatabaseDir: path.join(dir, 'db'), virusDatabaseMirror: 'http://127.0.0.1:9' }, path.join(dir, 'freshclam.conf'));
      assert.equal(result.ok, false);
      assert.notEqual(result.exitCode, 0);
      assert.match(result.output, /Update failed|Couldn't connect/);
      assert.match(fs.readFileSync(path.join(dir, 'freshclam.conf'), 'utf8'), /^DatabaseMirror http:\/\/127\.0\.0\.1:9$/m);
      const missing = await runFreshclam(base, path.join(dir, 'x.conf'), undefined, path.join(dir, 'no-such-freshclam'));
      assert.equal(missing.ok, false);
      assert.match(missing.output, /could not run/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('switching scanning on without a database starts an update at once', { skip: FRESHCLAM ? undefined : 'freshclam is not installed' }, async () => {
    const t = await startEngine({ settings: { virusDatabaseMirror: 'http://127.0.0.1:9' } });
    try {
      const dbDir = path.join(t.dataDir, 'clamav');
      fs.mkdirSync(dbDir);
      t.engine.ctx.settings.update({ virusDatabaseDir: dbDir });
      const finished = new Promise<JobRun>((resolve) => t.engine.ctx.jobs.on('finished', (run: JobRun) => run.job === VIRUS_UPDATE_JOB && resolve(run)));
      t.engine.ctx.settings.update({ virusScanEnabled: true });
      const run = await finished;
      assert.equal(run.trigger, 'manual');
      assert.equal(run.outcome, 'failed', 'offline here: the run is recorded as failed with freshclam\u2019s words');
      t.engine.ctx.settings.update({ virusScanEnabled: false });
      fs.writeFileSync(path.join(dbDir, 'local.ndb'), 'Test:0:*:00\n');
      const runs = t.engine.ctx.jobs.log.runs(VIRUS_UPDATE_JOB).length;
      t.engine.ctx.settings.update({ virusScanEnabled: true });
      await new Promise((r) => setImmediate(r));
      assert.equal(t.engine.ctx.jobs.log.runs(VIRUS_UPDATE_JOB).length, runs, 'a database is there: no extra update');
    } finally {
      await t.stop();
    }
  });
});
