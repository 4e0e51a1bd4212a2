import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN_PASSWORD, type TestEngine, startEngine } from '../helpers/engine';
import { errorCode, gql, gqlOk, login } from './client';

describe('GraphQL authentication and roles', () => {
  let t: TestEngine;
  let port: number;
  let adminToken: string;

  before(async () => {
    t = await startEngine();
    port = t.ports.http;
    adminToken = await login(port);
  });
  after(() => t.stop());

  it('login gives a bearer token with its role and expiry', async () => {
    const data = await gqlOk<{ login: { token: string; expiresAt: string; role: string } }>(
      port,
      `mutation { login(username: "admin", password: "${ADMIN_PASSWORD}") { token expiresAt role } }`,
    );
    assert.ok(data.login.token.length >= 32);
    assert.equal(data.login.role, 'ADMIN');
    assert.ok(Date.parse(data.login.expiresAt) > Date.now());
    const me = await gqlOk<{ me: { username: string; role: string } }>(port, '{ me { username role } }', { token: data.login.token });
    assert.deepEqual(me.me, { username: 'admin', role: 'ADMIN' });
  });

  it('a wrong password gives INVALID_CREDENTIALS with HTTP 200 and no token', async () => {
    const r = await gql(port, 'mutation { login(username: "admin", password: "wrong-password") { token } }');
    assert.equal(r.status, 200);
    assert.equal(errorCode(r), 'INVALID_CREDENTIALS');
    assert.equal(r.data, null);
    const unknown = await gql(port, 'mutation { login(username: "nobody", password: "whatever1") { token } }');
    assert.equal(errorCode(unknown), 'INVALID_CREDENTIALS');
    assert.equal(unknown.errors?.[0].message, r.errors?.[0].message, 'unknown user and wrong password look the same');
  });

  it('every other operation needs a token: UNAUTHENTICATED without one or with a bad one', async () => {
    for (const query of ['{ users { totalCount } }', '{ settings { smtpEnabled } }', '{ serviceStatus { running } }', '{ me { username } }']) {
      const r = await gql(port, query);
      assert.equal(r.status, 200, query);
      assert.equal(errorCode(r), 'UNAUTHENTICATED', query);
      assert.ok(!JSON.stringify(r).includes('stacktrace'));
    }
    const bad = await gql(port, '{ users { totalCount } }', { token: 'not-a-real-token' });
    assert.equal(errorCode(bad), 'UNAUTHENTICATED');
    const mutation = await gql(port, 'mutation { addVirtualDomain(input: {name: "sneaky.test"}) { name } }');
    assert.equal(errorCode(mutation), 'UNAUTHENTICATED');
    assert.equal(t.engine.ctx.directory.domainKind('sneaky.test'), undefined);
  });

  it('the monitor role reads but cannot mutate (FORBIDDEN)', async () => {
    const created = await gqlOk<{ createAdmin: { username: string; role: string } }>(
      port,
      'mutation { createAdmin(input: {username: "watcher", password: "watcher-password", role: MONITOR}) { username role } }',
      { token: adminToken },
    );
    assert.deepEqual(created.createAdmin, { username: 'watcher', role: 'MONITOR' });
    const token = await login(port, 'watcher', 'watcher-password');

    const read = await gqlOk<{ settings: { smtpEnabled: boolean }; users: { totalCount: number } }>(
      port,
      '{ settings { smtpEnabled } users { totalCount } }',
      { token },
    );
    assert.equal(read.settings.smtpEnabled, true);

    const mutations = [
      'mutation { createUser(input: {shortName: "mallory", password: "password123"}) { id } }',
      'mutation { updateSettings(input: {holdOutbound: true}) { holdOutbound } }',
      'mutation { addVirtualDomain(input: {name: "monitor.test"}) { name } }',
      'mutation { createAlias(input: {alias: "sales", targets: ["postmaster"]}) { alias } }',
      'mutation { createAdmin(input: {username: "evil", password: "evil-password"}) { id } }',
    ];
    for (const m of mutations) {
      const r = await gql(port, m, { token });
      assert.equal(r.status, 200, m);
      assert.equal(errorCode(r), 'FORBIDDEN', m);
    }
    assert.equal(t.engine.ctx.directory.userByName('mallory'), undefined);
    assert.equal(t.engine.ctx.settings.get().holdOutbound, false);
    assert.equal(t.engine.ctx.directory.domainKind('monitor.test'), undefined);

    // A monitor may still end its own session.
    assert.deepEqual(await gqlOk(port, 'mutation { logout }', { token }), { logout: true });
    assert.equal(errorCode(await gql(port, '{ me { username } }', { token })), 'UNAUTHENTICATED');
  });

  it('logout revokes the token', async () => {
    const token = await login(port);
    await gqlOk(port, 'mutation { logout }', { token });
    assert.equal(errorCode(await gql(port, '{ me { username } }', { token })), 'UNAUTHENTICATED');
  });

  it('manages admin accounts: list, duplicate, weak password, password change, delete', async () => {
    const dup = await gql(port, 'mutation { createAdmin(input: {username: "ADMIN", password: "another-password"}) { id } }', {
      token: adminToken,
    });
    assert.equal(errorCode(dup), 'NAME_TAKEN');
    const weak = await gql(port, 'mutation { createAdmin(input: {username: "ops", password: "short"}) { id } }', { token: adminToken });
    assert.equal(errorCode(weak), 'WEAK_PASSWORD');

    await gqlOk(port, 'mutation { createAdmin(input: {username: "ops", password: "ops-password-1"}) { id } }', { token: adminToken });
    const list = await gqlOk<{ admins: { totalCount: number; nodes: { username: string; role: string }[] } }>(
      port,
      '{ admins { totalCount nodes { username role } } }',
      { token: adminToken },
    );
    assert.ok(list.admins.nodes.some((a) => a.username === 'ops' && a.role === 'ADMIN'));
    assert.equal(list.admins.totalCount, list.admins.nodes.length);

    const opsToken = await login(port, 'ops', 'ops-password-1');
    await gqlOk(port, 'mutation { setAdminPassword(input: {username: "ops", password: "ops-password-2"}) }', { token: adminToken });
    assert.equal(errorCode(await gql(port, '{ me { username } }', { token: opsToken })), 'UNAUTHENTICATED', 'old tokens end');
    await login(port, 'ops', 'ops-password-2');

    const self = await gql(port, 'mutation { deleteAdmin(input: {username: "admin"}) }', { token: adminToken });
    assert.equal(errorCode(self), 'NOT_ALLOWED');
    await gqlOk(port, 'mutation { deleteAdmin(input: {username: "ops"}) }', { token: adminToken });
    const gone = await gql(port, 'mutation { deleteAdmin(input: {username: "ops"}) }', { token: adminToken });
    assert.equal(errorCode(gone), 'NOT_FOUND');
  });
});
