import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { startEngine, type TestEngine } from '../helpers/engine';
import { errorCode, gql, gqlOk, login } from '../graphql/client';
import { parsePythonAssignments } from '../../server/lists/python-literals';

const exec = promisify(execFile);
const CLI = path.join(__dirname, '..', '..', 'server', 'cli', 'pillarbox.js');
const FIXTURES = path.join(__dirname, '..', '..', '..', 'tests', 'lists', 'fixtures');
const fixture = (name: string) => fs.readFileSync(path.join(FIXTURES, name), 'latin1');

/** Issue 11's Mailman 2 import: config_list -o settings and list_members files, by GraphQL and by the CLI. */
describe('importing a Mailman 2.1 list', () => {
  let t: TestEngine;
  let token: string;

  before(async () => {
    t = await startEngine({ users: [{ shortName: 'owner', password: 'owner-password-1' }], settings: { listsEnabled: true } });
    token = await login(t.ports.http);
  });
  after(() => t?.stop());

  it('reads the Python literals config_list writes, and nothing else', () => {
    const v = parsePythonAssignments(`# c\na = 'x\\'y' "z"\nb = [1, 2.5, (True, None), {'k': u'\\u00e9'}]\nc = """two\nlines"""\nd = '\\xc3\\xa9'\n`);
    assert.deepEqual([...v], [['a', "x'yz"], ['b', [1, 2.5, [true, null], { k: '\u00e9' }]], ['c', 'two\nlines'], ['d', '\u00e9']]);
    assert.throws(() => parsePythonAssignments('a = __import__("os").system("true")\n'), /line 1: a value expected/);
    assert.throws(() => parsePythonAssignments("a = 'open\n"), /line 1: a string is not closed on its line/);
  });

  it('creates the list with its settings and members over GraphQL, reporting what it did not take over', async () => {
    const r = await gqlOk<{
      importMailmanList: {
        list: Record<string, unknown>;
        added: string[];
        skippedMembers: { address: string; reason: string }[];
        skippedSettings: { name: string; reason: string }[];
        unreadableLines: string[];
      };
    }>(
      t.ports.http,
      `mutation ($c: String!, $all: String!, $plain: String!, $bounce: String!) { importMailmanList(input: { domain: "example.test", config: $c,
        members: [{ kind: ALL, text: $all }, { kind: DIGEST_PLAIN, text: $plain }, { kind: NOMAIL_BYBOUNCE, text: $bounce }] }) {
        list { address name description info owners moderators replyTo maxMessageKb nonMemberAction senderRules { pattern action } bans subscriptionApproval roster
          subjectPrefix messageFooter filterContent filterMimeTypes passMimeTypes digestVolumeFrequency bounceScoreThreshold dmarcMitigation language memberCount }
        added skippedMembers { address reason } skippedSettings { name reason } unreadableLines } }`,
      { token, variables: { c: fixture('mailman-dev.cfg'), all: fixture('dev-members.txt'), plain: fixture('dev-plain-digest.txt'), bounce: fixture('dev-nomail-bybounce.txt') } },
    );
    const { list, added, skippedSettings, unreadableLines } = r.importMailmanList;
    assert.deepEqual(list, {
      address: 'dev@example.test',
      name: 'Dev',
      description: 'Developers of the caf\u00e9 project',
      info: 'Talk about the code.\nBe kind: \'quotes\' and "double" ones.',
      owners: ['owner@example.test', 'Second.Owner@partner.test'],
      moderators: ['mod@example.test'],
      replyTo: 'LIST',
      maxMessageKb: 100,
      nonMemberAction: 'REJECT',
      senderRules: [
        { pattern: 'boss@partner.test', action: 'ACCEPT' },
        { pattern: '^.*@trusted\\.test$', action: 'ACCEPT' },
        { pattern: '^.*@spam\\.test$', action: 'DISCARD' },
      ],
      bans: ['troll@example.net', '^.*@banned\\.test$'],
      subscriptionApproval: true,
      roster: 'OWNERS',
      subjectPrefix: '',
      messageFooter: '_______________________________________________\n%(real_name)s mailing list\n%(real_name)s@%(host_name)s\n%(web_page_url)slistinfo%(cgiext)s/%(_internal_name)s',
      filterContent: true,
      filterMimeTypes: ['image', 'application/x-msdownload'],
      passMimeTypes: ['multipart/mixed', 'multipart/alternative', 'text/plain'],
      digestVolumeFrequency: 'DAILY',
      bounceScoreThreshold: 4,
      dmarcMitigation: 'MUNGE_FROM',
      language: 'DE',
      memberCount: 4,
    });
    assert.deepEqual(added, ['ann@example.test', 'bob@example.test', 'carol@remote.test', 'dave@remote.test']);
    assert.deepEqual(unreadableLines, ['not an address']);
    assert.deepEqual(
      skippedSettings.map((s) => s.name),
      ['anonymous_list', 'accept_these_nonmembers: @otherlist', 'discard_these_nonmembers: ^(a)\\1$', 'topics', 'available_languages', 'send_reminders'],
    );
    assert.match(skippedSettings[2].reason, /not a valid regular expression/);
    const m = await gqlOk<{ listMembers: { nodes: { address: string; name: string; digest: string; delivery: string }[] } }>(t.ports.http, '{ listMembers(list: "dev@example.test") { nodes { address name digest delivery } } }', { token });
    assert.deepEqual(m.listMembers.nodes, [
      { address: 'ann@example.test', name: '', digest: 'OFF', delivery: 'ENABLED' },
      { address: 'bob@example.test', name: 'Bob Jones', digest: 'OFF', delivery: 'ENABLED' },
      { address: 'carol@remote.test', name: '', digest: 'PLAIN', delivery: 'ENABLED' },
      { address: 'dave@remote.test', name: '', digest: 'OFF', delivery: 'BY_BOUNCES' },
    ]);
    const bad = await gql(t.ports.http, `mutation { importMailmanList(input: { domain: "example.test", name: "x", config: "owner = os.system('x')" }) { added } }`, { token });
    assert.equal(errorCode(bad), 'INVALID_SETTING');
  });

  it('the CLI does the same and prints what it did not take over', async () => {
    const { stdout } = await exec(process.execPath, [CLI, 'lists', 'import', '--domain', 'example.test', '--name', 'dev2', '--config', path.join(FIXTURES, 'mailman-dev.cfg'), '--members', path.join(FIXTURES, 'dev-members.txt'), '--members', `digest=plain:${path.join(FIXTURES, 'dev-plain-digest.txt')}`, '--data-dir', t.dataDir]);
    assert.match(stdout, /^list dev2@example\.test created: 4 member\(s\) added$/m);
    assert.match(stdout, /^member line not read: not an address$/m);
    assert.match(stdout, /^setting not taken over: topics: no equivalent in Pillarbox$/m);
    const l = await gqlOk<{ list: { memberCount: number; dmarcMitigation: string } }>(t.ports.http, '{ list(address: "dev2@example.test") { memberCount dmarcMitigation } }', { token });
    assert.deepEqual(l.list, { memberCount: 4, dmarcMitigation: 'MUNGE_FROM' });
  });
});
