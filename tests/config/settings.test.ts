import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase } from '../../server/db/database';
import { SettingsError, SettingsService } from '../../server/config/settings';
import { SETTINGS, type Settings } from '../../server/config/settings-schema';

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

  it('refuse malformed hosts, ports, networks and config-file text (issue 17)', () => {
    const db = openDatabase(path.join(dir, 'hosts.sqlite'));
    const settings = new SettingsService(db);
    const refused = (patch: Partial<Settings>) => {
      const [key] = Object.keys(patch);
      assert.throws(() => settings.update(patch), (e: Error) => e instanceof SettingsError && e.key === key, JSON.stringify(patch));
    };
    for (const relayHost of ['127.0.0.1:', ':25', 'smtp.example.net:0', 'smtp.example.net:65536', 'a:b:25', '2001:db8::1:25', '[2001:db8::1]:', 'bad host']) {
      refused({ relayHost });
    }
    refused({ relayAllowedHosts: ['10.0.0.0/'] });
    refused({ relayAllowedHosts: ['10.0.0.0/-0'] });
    refused({ refusedHosts: ['192.168.1'] });
    refused({ rblServers: ['..'] });
    refused({ junkSpamdAddress: 'spamd:99999' });
    refused({ clamdAddress: '127.0.0.1:' });
    refused({ virusDatabaseMirror: 'a..b' });
    refused({ virusPrivateMirror: 'mirror.example:0' });
    refused({ virusUpdateProxy: 'proxy.example:' });
    // freshclam.conf takes these decoded, one per line: a line break would add a directive.
    refused({ virusUpdateProxy: 'http://a%0AOnUpdateExecute%20id:b@proxy.example:3128' });
    refused({ virusDatabaseDir: '/var/lib/clamav\nOnUpdateExecute id' });
    refused({ junkSubjectTag: '[JUNK]\r\nBcc: someone@example.com' });
    refused({ virusNotify: 'postmaster\u0000' });
    assert.deepEqual(settings.update({}), []);

    const good: Partial<Settings> = {
      relayHost: '[2001:db8::25]:587',
      relayAllowedHosts: ['192.168.40.0/21', '10.1.0.0/255.255.0.0', '2001:db8::/32', 'example.com'],
      rblServers: ['zen.spamhaus.org'],
      junkSpamdAddress: '[::1]:783',
      clamdAddress: 'clamd.internal:3310',
      virusPrivateMirror: 'mirror.internal:8080',
      virusUpdateProxy: 'http://user:p%40ss@[2001:db8::3]:3128',
    };
    assert.deepEqual(settings.update(good).sort(), Object.keys(good).sort());
    for (const relayHost of ['', 'smtp.example.net', 'smtp.example.net:587', '[192.0.2.10]:2525', '127.0.0.1:2525']) {
      settings.update({ relayHost });
      assert.equal(settings.value('relayHost'), relayHost);
    }
    db.close();
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
