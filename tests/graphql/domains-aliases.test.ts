import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { type TestEngine, startEngine } from '../helpers/engine';
import { errorCode, gql, gqlOk, login } from './client';

describe('GraphQL domains and aliases', () => {
  let t: TestEngine;
  let port: number;
  let token: string;
  let bobId: number;

  before(async () => {
    t = await startEngine({ users: [{ shortName: 'bob', password: 'bob-password' }, { shortName: 'alice', password: 'alice-password' }] });
    port = t.ports.http;
    token = await login(port);
    bobId = t.engine.ctx.directory.userByName('bob')?.id ?? 0;
  });
  after(() => t.stop());

  it('addVirtualDomain: the directory then resolves bob@thatdomain to bob', async () => {
    assert.deepEqual(t.engine.ctx.directory.resolve('bob@thatdomain.test'), { kind: 'remote' });
    const r = await gqlOk<{ addVirtualDomain: { name: string; kind: string } }>(
      port,
      'mutation { addVirtualDomain(input: {name: "ThatDomain.test"}) { name kind createdAt } }',
      { token },
    );
    assert.deepEqual({ ...r.addVirtualDomain, createdAt: undefined }, { name: 'thatdomain.test', kind: 'VIRTUAL_DOMAIN', createdAt: undefined });
    assert.deepEqual(t.engine.ctx.directory.resolve('bob@thatdomain.test'), { kind: 'local', users: [bobId], remote: [] });

    const list = await gqlOk<{ domains: { nodes: { name: string; kind: string }[] } }>(port, '{ domains { nodes { name kind } } }', { token });
    assert.ok(list.domains.nodes.some((d) => d.name === 'thatdomain.test' && d.kind === 'VIRTUAL_DOMAIN'));
    assert.ok(list.domains.nodes.some((d) => d.name === 'mail.example.test' && d.kind === 'LOCAL'));
  });

  it('virtual hosts, local domains, bad names, duplicates and removal', async () => {
    await gqlOk(port, 'mutation { addVirtualHost(input: {name: "hosted.test"}) { name } }', { token });
    assert.equal(t.engine.ctx.directory.domainKind('hosted.test'), 'virtual-host');
    await gqlOk(port, 'mutation { addLocalDomain(input: {name: "other.test"}) { name } }', { token });
    assert.equal(t.engine.ctx.directory.domainKind('other.test'), 'local');

    assert.equal(errorCode(await gql(port, 'mutation { addVirtualDomain(input: {name: "not a domain"}) { name } }', { token })), 'INVALID_DOMAIN');
    assert.equal(errorCode(await gql(port, 'mutation { addVirtualDomain(input: {name: "hosted.test"}) { name } }', { token })), 'NAME_TAKEN');

    assert.deepEqual(await gqlOk(port, 'mutation { removeDomain(input: {name: "other.test"}) }', { token }), { removeDomain: true });
    assert.equal(t.engine.ctx.directory.domainKind('other.test'), undefined);
    assert.equal(errorCode(await gql(port, 'mutation { removeDomain(input: {name: "other.test"}) }', { token })), 'NOT_FOUND');
  });

  it('createAlias delivers to its targets; updateAlias and deleteAlias change that', async () => {
    const r = await gqlOk<{ createAlias: { alias: string; targets: string[]; system: boolean } }>(
      port,
      'mutation { createAlias(input: {alias: "sales", targets: ["bob", "alice"]}) { alias targets system } }',
      { token },
    );
    assert.deepEqual(r.createAlias, { alias: 'sales', targets: ['bob', 'alice'], system: false });
    const aliceId = t.engine.ctx.directory.userByName('alice')?.id;
    const resolved = t.engine.ctx.directory.resolve('sales@mail.example.test');
    assert.equal(resolved.kind, 'local');
    assert.deepEqual(resolved.kind === 'local' ? [...resolved.users].sort() : [], [bobId, aliceId].sort());

    assert.equal(errorCode(await gql(port, 'mutation { createAlias(input: {alias: "bob", targets: ["alice"]}) { alias } }', { token })), 'NAME_TAKEN');
    assert.equal(
      errorCode(await gql(port, 'mutation { createAlias(input: {alias: "x", targets: ["not an address"]}) { alias } }', { token })),
      'INVALID_ADDRESS',
    );

    await gqlOk(port, 'mutation { updateAlias(input: {alias: "sales", targets: ["alice"]}) { targets } }', { token });
    assert.deepEqual(t.engine.ctx.directory.resolve('sales@mail.example.test'), { kind: 'local', users: [aliceId], remote: [] });

    const list = await gqlOk<{ aliases: { totalCount: number; nodes: { alias: string }[] } }>(port, '{ aliases(search: "sal") { totalCount nodes { alias } } }', {
      token,
    });
    assert.deepEqual(list.aliases.nodes.map((a) => a.alias), ['sales']);

    assert.deepEqual(await gqlOk(port, 'mutation { deleteAlias(input: {alias: "sales"}) }', { token }), { deleteAlias: true });
    assert.deepEqual(t.engine.ctx.directory.resolve('sales@mail.example.test'), { kind: 'unknown' });
    assert.equal(errorCode(await gql(port, 'mutation { deleteAlias(input: {alias: "postmaster"}) }', { token })), 'NOT_ALLOWED');
    assert.equal(errorCode(await gql(port, 'mutation { updateAlias(input: {alias: "nope", targets: ["bob"]}) { alias } }', { token })), 'NOT_FOUND');
  });

  it('importAliases replaces the table from aliases(5) text, all or nothing', async () => {
    const text = '# team aliases\nteam: bob,\n  alice\nhelp: bob\npostmaster: alice\n';
    assert.deepEqual(await gqlOk(port, 'mutation ($text: String!) { importAliases(input: {text: $text}) { imported } }', { token, variables: { text } }), {
      importAliases: { imported: 3 },
    });
    const names = t.engine.ctx.directory.aliases().map((a) => a.alias);
    assert.deepEqual(names, ['abuse', 'help', 'postmaster', 'team']);
    assert.deepEqual(t.engine.ctx.directory.alias('team')?.targets, ['bob', 'alice']);

    const bad = await gql(port, 'mutation { importAliases(input: {text: "good: bob\\nthis line is wrong\\n"}) { imported } }', { token });
    assert.equal(errorCode(bad), 'INVALID_ALIAS_FILE');
    assert.deepEqual(t.engine.ctx.directory.aliases().map((a) => a.alias), names, 'nothing changed');
  });
});
