import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GraphQLError } from 'graphql';
import { SettingsError } from '../../server/config/settings';
import { DirectoryError } from '../../server/directory/types';
import { LogHub } from '../../server/logs/logger';
import { StoreError } from '../../server/store/types';
import { ApiError, formatApiError, toApiError } from '../../graphql/errors';

const codeOf = (err: unknown) => (err as GraphQLError).extensions?.code;

describe('API error mapping', () => {
  it('maps the engine\u2019s error classes to coded GraphQL errors', () => {
    assert.equal(codeOf(toApiError(new DirectoryError('NAME_TAKEN', 'taken'))), 'NAME_TAKEN');
    assert.equal(codeOf(toApiError(new DirectoryError('USER_NOT_FOUND', 'no user'))), 'NOT_FOUND');
    assert.equal(codeOf(toApiError(new DirectoryError('DOMAIN_EXISTS', 'exists'))), 'NAME_TAKEN');
    assert.equal(codeOf(toApiError(new StoreError('NONEXISTENT', 'gone'))), 'NOT_FOUND');
    assert.equal(codeOf(toApiError(new StoreError('INVALID', 'bad'))), 'BAD_USER_INPUT');
    const setting = toApiError(new SettingsError('maxLineLength', 'must be from 1000 to 1048576')) as GraphQLError;
    assert.equal(setting.extensions.code, 'INVALID_SETTING');
    assert.equal(setting.extensions.field, 'maxLineLength');
  });

  it('hides unexpected errors behind INTERNAL_SERVER_ERROR and logs them', () => {
    const hub = new LogHub(undefined);
    const logged: string[] = [];
    hub.on('entry', (e: { text: string; error?: string }) => logged.push(`${e.text} ${e.error}`));
    const original = new GraphQLError('boom', { originalError: new Error('SQLITE_BUSY: secret detail') });
    const formatted = formatApiError({ message: 'boom', extensions: { stacktrace: ['at x'] } }, original, hub.logger('web'));
    assert.deepEqual(formatted.extensions, { code: 'INTERNAL_SERVER_ERROR' });
    assert.doesNotMatch(formatted.message, /SQLITE/);
    assert.match(logged.join('\n'), /SQLITE_BUSY/);
  });

  it('passes coded errors through without stack traces', () => {
    const err = new ApiError('NOT_FOUND', 'user 7 does not exist');
    const formatted = formatApiError({ message: err.message, extensions: { code: 'NOT_FOUND', stacktrace: ['at y'] } }, err, new LogHub(undefined).logger('web'));
    assert.deepEqual(formatted.extensions, { code: 'NOT_FOUND' });
    assert.equal(formatted.message, 'user 7 does not exist');
  });
});
