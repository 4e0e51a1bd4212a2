import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SETTINGS } from '../../server/config/settings-schema';
import { type TestEngine, startEngine } from '../helpers/engine';
import { errorCode, gql, gqlOk, login } from './client';

describe('GraphQL settings', () => {
  let t: TestEngine;
  let port: number;
  let token: string;

  before(async () => {
    t = await startEngine();
    port = t.ports.http;
    token = await login(port);
  });
  after(() => t.stop());

  it('settings has every setting, with enums for SSL policies and log levels', async () => {
    const keys = Object.keys(SETTINGS);
    const selection = keys.map((k) => (k === 'storeLocations' ? 'storeLocations { name path }' : k)).join(' ');
    const data = await gqlOk<{ settings: Record<string, unknown> }>(port, `{ settings { ${selection} } }`, { token });
    assert.deepEqual(Object.keys(data.settings).sort(), [...keys].sort());
    const current = t.engine.ctx.settings.get();
    assert.equal(data.settings.smtpSsl, current.smtpSsl.toUpperCase());
    assert.equal(data.settings.logLevelSmtp, current.logLevelSmtp.toUpperCase());
    assert.equal(data.settings.maxMessageSizeMb, current.maxMessageSizeMb);
    assert.deepEqual(data.settings.serviceAccessAllowed, current.serviceAccessAllowed);
  });

  it('updateSettings changes values, enums included, and the engine sees them', async () => {
    const changes: string[][] = [];
    const onChange = (changed: string[]) => changes.push(changed);
    t.engine.ctx.settings.on('change', onChange);
    try {
      const data = await gqlOk<{ updateSettings: Record<string, unknown> }>(
        port,
        'mutation { updateSettings(input: {maxMessageSizeMb: 25, smtpSsl: REQUIRE, logLevelJunk: HIGH, mailAdministrators: ["bob"], storeLocations: [{name: "fast", path: "/srv/fast"}]}) { maxMessageSizeMb smtpSsl logLevelJunk mailAdministrators storeLocations { name path } } }',
        { token },
      );
      assert.deepEqual(data.updateSettings, {
        maxMessageSizeMb: 25,
        smtpSsl: 'REQUIRE',
        logLevelJunk: 'HIGH',
        mailAdministrators: ['bob'],
        storeLocations: [{ name: 'fast', path: '/srv/fast' }],
      });
    } finally {
      t.engine.ctx.settings.off('change', onChange);
    }
    const s = t.engine.ctx.settings.get();
    assert.equal(s.maxMessageSizeMb, 25);
    assert.equal(s.smtpSsl, 'require');
    assert.equal(s.logLevelJunk, 'high');
    assert.deepEqual(s.storeLocations, [{ name: 'fast', path: '/srv/fast' }]);
    assert.deepEqual(changes.flat().sort(), ['logLevelJunk', 'mailAdministrators', 'maxMessageSizeMb', 'smtpSsl', 'storeLocations']);
  });

  it('a bad value gives INVALID_SETTING naming the field, and changes nothing', async () => {
    const before = structuredClone(t.engine.ctx.settings.get());
    const r = await gql(port, 'mutation { updateSettings(input: {holdOutbound: true, maxMessageSizeMb: 0}) { holdOutbound } }', { token });
    assert.equal(r.status, 200);
    assert.equal(errorCode(r), 'INVALID_SETTING');
    assert.equal(r.errors?.[0].extensions?.field, 'maxMessageSizeMb');
    assert.match(r.errors?.[0].message ?? '', /maxMessageSizeMb/);
    assert.deepEqual(t.engine.ctx.settings.get(), before);

    const nulled = await gql(port, 'mutation { updateSettings(input: {smtpEnabled: null}) { smtpEnabled } }', { token });
    assert.equal(errorCode(nulled), 'INVALID_SETTING');
    assert.equal(nulled.errors?.[0].extensions?.field, 'smtpEnabled');
    assert.deepEqual(t.engine.ctx.settings.get(), before);
  });

  it('a relay host without its port is INVALID_SETTING from the settings layer (issue 17)', async () => {
    const before = structuredClone(t.engine.ctx.settings.get());
    const r = await gql(port, 'mutation { updateSettings(input: {relayHost: "127.0.0.1:"}) { relayHost } }', { token });
    assert.equal(r.status, 200);
    assert.equal(errorCode(r), 'INVALID_SETTING');
    assert.equal(r.errors?.[0].extensions?.field, 'relayHost');
    assert.match(r.errors?.[0].message ?? '', /relayHost: must be a host or host:port/);
    assert.deepEqual(t.engine.ctx.settings.get(), before);
    const ok = await gqlOk<{ updateSettings: { relayHost: string } }>(port, 'mutation { updateSettings(input: {relayHost: "[2001:db8::25]:587"}) { relayHost } }', { token });
    assert.equal(ok.updateSettings.relayHost, '[2001:db8::25]:587');
    await gqlOk(port, 'mutation { updateSettings(input: {relayHost: ""}) { relayHost } }', { token });
  });

  it('settingDescriptions lists every setting with its default as JSON', async () => {
    const data = await gqlOk<{ settingDescriptions: { key: string; default: string; seedName: string; description: string }[] }>(
      port,
      '{ settingDescriptions { key default seedName description } }',
      { token },
    );
    assert.equal(data.settingDescriptions.length, Object.keys(SETTINGS).length);
    const size = data.settingDescriptions.find((d) => d.key === 'maxMessageSizeMb');
    assert.equal(size?.default, '10');
    assert.equal(size?.seedName, SETTINGS.maxMessageSizeMb.seedName);
    // Defaults of closed sets are in the API's words: what updateSettings takes.
    assert.equal(data.settingDescriptions.find((d) => d.key === 'smtpSsl')?.default, '"USE"');
    assert.equal(data.settingDescriptions.find((d) => d.key === 'selfSignedKeyType')?.default, '"RSA_2048"');
    assert.equal(data.settingDescriptions.find((d) => d.key === 'junkAcceptedLanguages')?.default, '["ALL"]');
  });

  it('closed sets are upper-case enums on the way in and out; the engine keeps its lower-case values', async () => {
    const fields = 'junkPermissiveness junkAction virusAction tlsProfile acmeChallenge mtaStsMode junkAcceptedLanguages';
    const before = await gqlOk<{ settings: Record<string, unknown> }>(port, `{ settings { ${fields} } }`, { token });
    assert.deepEqual(before.settings, {
      junkPermissiveness: 'MODERATE',
      junkAction: 'DELIVER',
      virusAction: 'QUARANTINE',
      tlsProfile: 'INTERMEDIATE',
      acmeChallenge: 'HTTP_01',
      mtaStsMode: 'NONE',
      junkAcceptedLanguages: ['ALL'],
    });
    const changed = await gqlOk<{ updateSettings: Record<string, unknown> }>(
      port,
      `mutation { updateSettings(input: {junkPermissiveness: MOST, junkAction: REDIRECT, junkRedirectTo: "postmaster", virusAction: BOUNCE,
         acmeChallenge: TLS_ALPN_01, mtaStsMode: TESTING, junkAcceptedLanguages: [WESTERN, CENTRAL_EUROPEAN]}) { ${fields} } }`,
      { token },
    );
    assert.deepEqual(changed.updateSettings, {
      junkPermissiveness: 'MOST',
      junkAction: 'REDIRECT',
      virusAction: 'BOUNCE',
      tlsProfile: 'INTERMEDIATE',
      acmeChallenge: 'TLS_ALPN_01',
      mtaStsMode: 'TESTING',
      junkAcceptedLanguages: ['WESTERN', 'CENTRAL_EUROPEAN'],
    });
    const stored = t.engine.ctx.settings.get();
    assert.deepEqual(
      [stored.junkPermissiveness, stored.junkAction, stored.virusAction, stored.acmeChallenge, stored.mtaStsMode, stored.junkAcceptedLanguages],
      ['most', 'redirect', 'bounce', 'tls-alpn-01', 'testing', ['western', 'central-european']],
    );

    // The lower-case strings of before are refused by validation, and nothing changes.
    const old = await gql(port, 'mutation { updateSettings(input: {junkAction: "bounce", junkPermissiveness: LEAST}) { junkAction } }', { token });
    assert.equal(errorCode(old), 'GRAPHQL_VALIDATION_FAILED');
    assert.equal(t.engine.ctx.settings.get().junkPermissiveness, 'most');

    // A language family stored before the enum existed, which the engine never knew, is left out.
    t.engine.ctx.settings.update({ junkAcceptedLanguages: ['western', 'klingon'] });
    const shown = await gqlOk<{ settings: { junkAcceptedLanguages: string[] } }>(port, '{ settings { junkAcceptedLanguages } }', { token });
    assert.deepEqual(shown.settings.junkAcceptedLanguages, ['WESTERN']);

    await gqlOk(
      port,
      'mutation { updateSettings(input: {junkPermissiveness: MODERATE, junkAction: DELIVER, virusAction: QUARANTINE, acmeChallenge: HTTP_01, mtaStsMode: NONE, junkAcceptedLanguages: [ALL]}) { junkAction } }',
      { token },
    );
  });
});
