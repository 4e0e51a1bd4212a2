import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { getNamedType, isEnumType, isInputObjectType, isInterfaceType, isObjectType, type GraphQLArgument, type GraphQLInputField, type GraphQLField } from 'graphql';
import { schemaText } from '../../graphql/print-schema';
import { apiSchema } from '../../graphql/schema';
import { enumName } from '../../graphql/enums';

type AnyField = GraphQLField<unknown, unknown> | GraphQLInputField | GraphQLArgument;

/** Every field, input field and argument of the API, by "Type.field" or "Type.field(arg)". */
function everyField(): [string, AnyField][] {
  const out: [string, AnyField][] = [];
  for (const type of Object.values(apiSchema().getTypeMap())) {
    if (type.name.startsWith('__') || !(isObjectType(type) || isInputObjectType(type) || isInterfaceType(type))) continue;
    for (const field of Object.values(type.getFields())) {
      out.push([`${type.name}.${field.name}`, field]);
      for (const arg of 'args' in field ? field.args : []) out.push([`${type.name}.${field.name}(${arg.name})`, arg]);
    }
  }
  return out;
}

/** "a, b or c" of lower-case words, "one of", or "a = …; b = …": a description listing values. */
const LISTS_VALUES = [/(?:^|[\s(:])[a-z][a-z0-9-]*(?:, [a-z][a-z0-9-]*)+,? or [a-z][a-z0-9-]*\b/, /\bone of\b/i, /(?:^|[\s(;,])[a-z][a-z0-9-]* = [^=]*[;,] [a-z][a-z0-9-]* = /];

/** Free text whose description lists kinds of thing, not values. */
const FREE_TEXT = new Set([
  'CreateListInput.domain',
  'Settings.alertRecipient',
  'UpdateSettingsInput.alertRecipient',
  'Settings.junkRedirectTo',
  'UpdateSettingsInput.junkRedirectTo',
  'StartImapMigrationInput.password',
]);

describe('graphql/schema.graphql', () => {
  it('is the schema the code builds (run `npm run schema` after changing the API)', () => {
    // Compiled tests run from dist/tests/graphql; the checked-in file is in the source tree.
    const file = path.resolve(__dirname, '../../../graphql/schema.graphql');
    assert.equal(fs.readFileSync(file, 'utf8'), schemaText());
  });

  it('has the operations the quick start uses', () => {
    const text = schemaText();
    for (const signature of [
      /login\(password: String!, username: String!\): LoginPayload!/,
      /createUser\(input: CreateUserInput!\): User!/,
      /addVirtualDomain\(input: DomainNameInput!\): Domain!/,
      /createAlias\(input: CreateAliasInput!\): Alias!/,
      /updateSettings\(input: UpdateSettingsInput!\): Settings!/,
      /\busers\(/,
    ]) {
      assert.match(text, signature);
    }
  });

  it('has no String field whose description lists a closed set of values (those are upper-case enums)', () => {
    const suspects = everyField()
      .filter(([name, field]) => getNamedType(field.type).name === 'String' && !FREE_TEXT.has(name))
      .filter(([, field]) => LISTS_VALUES.some((re) => re.test(field.description ?? '')))
      .map(([name, field]) => `${name}: ${field.description}`);
    assert.deepEqual(suspects, []);
  });

  it('gives every closed set of values an enum', () => {
    const byName = new Map(everyField());
    const expect: Record<string, string> = {
      'Settings.junkPermissiveness': 'JunkPermissiveness',
      'UpdateSettingsInput.junkPermissiveness': 'JunkPermissiveness',
      'Settings.junkAction': 'JunkAction',
      'UpdateSettingsInput.junkAction': 'JunkAction',
      'Settings.virusAction': 'VirusAction',
      'UpdateSettingsInput.virusAction': 'VirusAction',
      'Settings.junkAcceptedLanguages': 'JunkLanguage',
      'Settings.tlsProfile': 'TlsProfile',
      'Settings.selfSignedKeyType': 'SelfSignedKeyType',
      'Settings.acmeChallenge': 'AcmeChallenge',
      'Settings.mtaStsMode': 'MtaStsMode',
      'Settings.smtpSsl': 'SslPolicy',
      'Settings.logLevelSmtp': 'LogLevel',
      'ServiceStatus.connectionList(protocol)': 'ConnectionProtocol',
      'Subscription.connectionEvents(protocols)': 'ConnectionProtocol',
      'ClientConnection.protocol': 'ConnectionProtocol',
      'ClientConnection.listener': 'ListenerName',
      'ConnectionCount.protocol': 'ConnectionProtocol',
      'Listener.name': 'ListenerName',
      'LogArchiveType.service': 'LogService',
      'ImportChange.kind': 'ImportKind',
      'ImportChange.action': 'ImportAction',
      'Certificate.keyAlgorithm': 'KeyAlgorithm',
      'DnsRecordCheck.type': 'DnsRecordType',
      'Appliance.runningSlot': 'SystemSlot',
      'MessageCountSeries.label': 'MessageCountLabel',
      'Mailbox.specialUse': 'MailboxSpecialUse',
    };
    for (const [field, enumType] of Object.entries(expect)) {
      const found = byName.get(field);
      assert.ok(found, `${field} exists`);
      assert.equal(getNamedType(found.type).name, enumType, field);
    }
  });

  it('spells every enum value in upper case', () => {
    for (const type of Object.values(apiSchema().getTypeMap())) {
      if (!isEnumType(type) || type.name.startsWith('__')) continue;
      for (const value of type.getValues()) assert.match(value.name, /^[A-Z][A-Z0-9_]*$/, `${type.name}.${value.name}`);
    }
  });

  it('names stored values in upper case with words joined by "_"', () => {
    assert.equal(enumName('rsa-2048'), 'RSA_2048');
    assert.equal(enumName('tls-alpn-01'), 'TLS_ALPN_01');
    assert.equal(enumName('sieveLegacy'), 'SIEVE_LEGACY');
    assert.equal(enumName('\\Sent'), 'SENT');
    assert.equal(enumName('Ed25519'), 'ED25519');
    assert.equal(enumName('central-european'), 'CENTRAL_EUROPEAN');
  });
});
