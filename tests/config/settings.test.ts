import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase } from '../../server/db/database';
import { SettingsError, SettingsService } from '../../server/config/settings';
import { SETTINGS } from '../../server/config/settings-schema';

describe('settings', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pillarbox-settings-'));
  const file = path.join(dir, 'db.sqlite');

  it('start from the seed\u2019s defaults', () => {
    const s = new SettingsService(openDatabase(file)).get();
    assert.equal(s.maxMessageSizeMb, 10);
    assert.equal(s.imapMaxConnections, 32);
    assert.equal(s.smtpAuthPlain, false);
    assert.equal(s.popAuthApop, false);
    assert.equal(s.allowPlaintextAuthWithoutTls, false, 'the one unsafe 2005 default is changed');
  });

  it('validate every value before writing anything, and persist across restarts', () => {
    const db = openDatabase(file);
    const settings = new SettingsService(db);
    const changes: string[][] = [];
    settings.on('change', (keys: string[]) => changes.push(keys));
    assert.throws(() => settings.update({ maxMessageSizeMb: 20, imapMaxConnections: 0 }), (e: Error) => e instanceof SettingsError && e.key === 'imapMaxConnections');
    assert.equal(settings.value('maxMessageSizeMb'), 10, 'nothing changed');
    assert.throws(() => settings.update({ smtpSsl: 'sometimes' as never }), SettingsError);
    assert.throws(() => settings.update({ holdOutbound: 'yes' as never }), /must be a boolean/);
    assert.deepEqual(settings.update({ maxMessageSizeMb: 20, holdOutbound: true }), ['maxMessageSizeMb', 'holdOutbound']);
    assert.deepEqual(changes, [['maxMessageSizeMb', 'holdOutbound']]);
    db.close();
    const reopened = new SettingsService(openDatabase(file));
    assert.equal(reopened.value('maxMessageSizeMb'), 20);
    assert.equal(reopened.value('holdOutbound'), true);
  });

  it('every setting names its seed counterpart and is described', () => {
    for (const [key, spec] of Object.entries(SETTINGS)) {
      assert.ok(spec.seedName && spec.description, key);
    }
  });

  it('the administrator\u2019s settings page lists every setting', () => {
    const doc = fs.readFileSync(path.join(__dirname, '..', '..', '..', 'docs', 'settings.md'), 'utf8');
    for (const key of Object.keys(SETTINGS)) assert.ok(doc.includes(`\`${key}\``), `docs/settings.md lists ${key}`);
  });
});
