import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ADMIN_PASSWORD, startEngine, type TestEngine } from '../helpers/engine';
import { errorCode, gql, gqlOk, login } from './client';

interface AuditEntry {
  time: string;
  severity: string;
  text: string;
  fields: {
    mutation: string;
    user?: string;
    role?: string;
    client: string;
    operation?: string;
    arguments: Record<string, unknown>;
    outcome: 'ok' | 'failed';
    code?: string;
  };
}

const USER_PASSWORD = 'Alice-Secret-Pw-42';
const MONITOR_PASSWORD = 'Dash-Secret-Pw-77';
const WRONG_PASSWORD = 'Wrong-Guess-Pw-123';
const PROXY_PASSWORD = 'Proxy-Secret-55';
const { privateKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
const KEY_PEM = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
/** A piece of the key's base64 body: found anywhere, the key leaked. */
const KEY_PIECE = KEY_PEM.split('\n')[2].slice(0, 40);

/** The GraphQL audit trail: every mutation with who, when, from where, what; secrets never written. */
describe('GraphQL audit trail', () => {
  let t: TestEngine;
  let token: string;

  const audit = async (): Promise<AuditEntry[]> => {
    const data = await gqlOk<{ logs: { nodes: { time: string; severity: string; text: string; fields: string }[] } }>(
      t.ports.http,
      '{ logs(filter: {services: [AUDIT]}, order: OLDEST_FIRST, first: 100) { nodes { time severity text fields } } }',
      { token },
    );
    return data.logs.nodes.map((n) => ({ ...n, fields: JSON.parse(n.fields) as AuditEntry['fields'] }));
  };

  before(async () => {
    t = await startEngine();
    token = await login(t.ports.http);
  });
  after(() => t.stop());

  it('records logins, changes and refusals with who, from where, what and how it ended', async () => {
    assert.equal(errorCode(await gql(t.ports.http, 'mutation ($p: String!) { login(username: "admin", password: $p) { token } }', { variables: { p: WRONG_PASSWORD } })), 'INVALID_CREDENTIALS');
    await gqlOk(t.ports.http, `mutation AddAlice { createUser(input: {shortName: "alice", password: "${USER_PASSWORD}", quotaMb: 50}) { id } }`, { token });
    const taken = await gql(t.ports.http, `mutation { createUser(input: {shortName: "alice", password: "${USER_PASSWORD}"}) { id } }`, { token });
    assert.equal(errorCode(taken), 'NAME_TAKEN');
    await gqlOk(t.ports.http, `mutation { createAdmin(input: {username: "dash", password: "${MONITOR_PASSWORD}", role: MONITOR}) { username } }`, { token });
    const monitor = await login(t.ports.http, 'dash', MONITOR_PASSWORD);
    assert.equal(errorCode(await gql(t.ports.http, 'mutation { createUser(input: {shortName: "mallory", password: "Mallory-Pw-0001"}) { id } }', { token: monitor })), 'FORBIDDEN');
    assert.equal(errorCode(await gql(t.ports.http, 'mutation { deleteUser(input: {id: "1"}) }', {})), 'UNAUTHENTICATED');

    const entries = await audit();
    const line = (mutation: string, outcome: string) => entries.filter((e) => e.fields.mutation === mutation && e.fields.outcome === outcome);

    const [firstLogin] = line('login', 'ok');
    assert.equal(firstLogin.fields.user, 'admin');
    assert.equal(firstLogin.fields.arguments.password, '[redacted]');
    assert.equal(firstLogin.fields.arguments.username, 'admin');
    assert.match(firstLogin.fields.client, /127\.0\.0\.1$/);
    assert.ok(Math.abs(Date.parse(firstLogin.time) - Date.now()) < 60_000);

    const [wrong] = line('login', 'failed');
    assert.equal(wrong.severity, 'ERROR');
    assert.equal(wrong.fields.code, 'INVALID_CREDENTIALS');

    const [created] = line('createUser', 'ok');
    assert.equal(created.severity, 'MESSAGE');
    assert.equal(created.fields.user, 'admin');
    assert.equal(created.fields.role, 'admin');
    assert.equal(created.fields.operation, 'AddAlice');
    assert.deepEqual(created.fields.arguments, { input: { shortName: 'alice', password: '[redacted]', quotaMb: 50 } });

    const failed = line('createUser', 'failed');
    assert.deepEqual(failed.map((e) => [e.fields.user, e.fields.code]), [['admin', 'NAME_TAKEN'], ['dash', 'FORBIDDEN']]);
    assert.equal(line('deleteUser', 'failed')[0].fields.code, 'UNAUTHENTICATED');
    assert.equal(line('deleteUser', 'failed')[0].fields.user, undefined);
    assert.equal(line('createAdmin', 'ok')[0].fields.arguments.input && (line('createAdmin', 'ok')[0].fields.arguments.input as { password: string }).password, '[redacted]');

    const byDash = await gqlOk<{ logs: { nodes: { fields: string }[] } }>(t.ports.http, '{ logs(filter: {services: [AUDIT], user: "dash"}) { nodes { fields } } }', { token });
    assert.deepEqual(byDash.logs.nodes.map((n) => (JSON.parse(n.fields) as AuditEntry['fields']).mutation).sort(), ['createUser', 'login']);

    // Its own file, beside the other services' logs.
    const file = fs.readFileSync(path.join(t.dataDir, 'logs', 'audit.log'), 'utf8');
    assert.equal(file.trim().split('\n').length, entries.length);
  });

  it('redacts private keys and passwords by name and by content, on failure too', async () => {
    const r = await gql(t.ports.http, 'mutation ($c: String!, $k: String!) { importCertificate(input: {name: "bad", certificate: $c, privateKey: $k, passphrase: "Key-Passphrase-9"}) { certificate { id } } }', {
      token,
      variables: { c: KEY_PEM, k: KEY_PEM },
    });
    assert.ok(errorCode(r), 'a private key is no certificate');
    await gqlOk(t.ports.http, `mutation { updateSettings(input: {virusUpdateProxy: "http://proxyuser:${PROXY_PASSWORD}@proxy.example.test:3128"}) { virusUpdateProxy } }`, { token });
    const entries = await audit();
    const imported = entries.find((e) => e.fields.mutation === 'importCertificate')!;
    assert.equal(imported.fields.outcome, 'failed');
    assert.deepEqual(imported.fields.arguments, { input: { name: 'bad', certificate: '[redacted]', privateKey: '[redacted]', passphrase: '[redacted]' } });
    const settings = entries.find((e) => e.fields.mutation === 'updateSettings')!;
    assert.deepEqual(settings.fields.arguments, { input: { virusUpdateProxy: 'http://proxyuser:[redacted]@proxy.example.test:3128' } });
    assert.deepEqual((settings.fields as { changed?: unknown }).changed, { virusUpdateProxy: { from: '', to: 'http://proxyuser:[redacted]@proxy.example.test:3128' } });
  });

  it('no password or private key is in any log file or the log index', async () => {
    await audit(); // every entry written so far is in the index once a query has answered
    const secrets = [ADMIN_PASSWORD, USER_PASSWORD, MONITOR_PASSWORD, WRONG_PASSWORD, PROXY_PASSWORD, 'Key-Passphrase-9', KEY_PIECE];
    const logs = path.join(t.dataDir, 'logs');
    const files = fs.readdirSync(logs, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
    assert.ok(files.some((f) => f.endsWith('index.db')) && files.some((f) => f.endsWith('audit.log')));
    for (const file of files) {
      const bytes = fs.readFileSync(file);
      for (const secret of secrets) assert.equal(bytes.indexOf(secret), -1, `${path.basename(file)} holds a secret`);
    }
  });

  it('the audit trail is written whatever the levels say; at DEBUG the web log has every request, at once', async () => {
    // What the web log holds, through the index (written with the file, in the same call).
    const requests = async () =>
      (
        await gqlOk<{ logs: { nodes: { severity: string; fields: string }[] } }>(t.ports.http, '{ logs(filter: {services: [WEB], text: "GraphQL request"}, first: 500) { nodes { severity fields } } }', { token })
      ).logs.nodes.map((n) => ({ severity: n.severity, ...(JSON.parse(n.fields) as { operation?: string; user?: string }) }));
    await gqlOk(t.ports.http, 'query Quiet { settings { logLevelServer } }', { token });
    assert.equal((await requests()).length, 0, 'no request lines at the medium level');

    await gqlOk(t.ports.http, 'mutation { updateSettings(input: {logLevelServer: DEBUG}) { logLevelServer } }', { token });
    await gqlOk(t.ports.http, 'query Chatty { settings { logLevelServer } }', { token });
    const chatty = (await requests()).find((l) => l.operation === 'query Chatty');
    assert.equal(chatty?.severity, 'DEBUG');
    assert.equal(chatty?.user, 'admin');

    await gqlOk(t.ports.http, 'mutation { updateSettings(input: {logLevelServer: LOW}) { logLevelServer } }', { token });
    const count = (await requests()).length;
    await gqlOk(t.ports.http, 'mutation Later { updateSettings(input: {logLevelSmtp: HIGH}) { logLevelSmtp } }', { token });
    assert.equal((await requests()).length, count);
    const audited = (await audit()).filter((e) => e.fields.operation === 'Later');
    assert.equal(audited.length, 1, 'the audit trail ignores the levels');
    const file = fs.readFileSync(path.join(t.dataDir, 'logs', 'web.log'), 'utf8');
    assert.ok(file.includes('"operation":"query Chatty"'), 'and the file has it');
  });
});
