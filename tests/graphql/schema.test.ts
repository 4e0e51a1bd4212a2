import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { schemaText } from '../../graphql/print-schema';

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
});
