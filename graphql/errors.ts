import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { SettingsError } from '../server/config/settings';
import { DirectoryError } from '../server/directory/types';
import { StoreError } from '../server/store/types';
import { FirmwareError } from '../server/firmware/types';
import { CertError } from '../server/certs/cert-errors';
import { isDiskFull } from '../server/db/storage-faults';
import { BackupError } from '../server/backup/manifest';
import { ListError } from '../server/lists/types';
import { JunkPreferenceError } from '../server/junk/user-preferences';
import type { Logger } from '../server/logs/logger';

/**
 * An expected failure: a GraphQL error with a machine-readable `extensions.code` and a
 * message meant for the administrator. docs/graphql.md lists every code.
 */
export class ApiError extends GraphQLError {
  constructor(code: string, message: string, extensions: Record<string, unknown> = {}) {
    super(message, { extensions: { ...extensions, code } });
  }
}

export const unauthenticated = () =>
  new ApiError('UNAUTHENTICATED', 'log in first: send "Authorization: Bearer <token>" (mutation login gives a token)');
export const forbidden = (message = 'the monitor role is read-only; this needs the admin role') => new ApiError('FORBIDDEN', message);
/** A mail user (role USER) asked for something that is not theirs to ask. */
export const forbiddenToUsers = () => forbidden('a mail user may only use the operations on their own account (role USER); this one needs a management account');
export const notFound = (what: string) => new ApiError('NOT_FOUND', `${what} does not exist`);
export const badInput = (message: string, field?: string) =>
  new ApiError('BAD_USER_INPUT', message, field ? { field } : {});

/** Directory codes that clients see under a more general name. */
const DIRECTORY_CODES: Record<string, string> = {
  USER_NOT_FOUND: 'NOT_FOUND',
  ALIAS_NOT_FOUND: 'NOT_FOUND',
  DOMAIN_EXISTS: 'NAME_TAKEN',
  INVALID_QUOTA: 'BAD_USER_INPUT',
  INVALID_STORE_LOCATION: 'BAD_USER_INPUT',
  INVALID_CURSOR: 'BAD_USER_INPUT',
  INVALID_NAME: 'BAD_USER_INPUT',
};

const STORE_CODES: Record<StoreError['code'], string> = {
  NONEXISTENT: 'NOT_FOUND',
  ALREADYEXISTS: 'NAME_TAKEN',
  INVALID: 'BAD_USER_INPUT',
  OVERQUOTA: 'OVER_QUOTA',
  CANNOT: 'NOT_ALLOWED',
  INUSE: 'IN_USE',
};

/** Certificate codes that clients see under a general name; the others (KEY_MISMATCH, BROKEN_CHAIN…) pass as they are. */
const CERT_CODES: Partial<Record<CertError['code'], string>> = {
  CERTIFICATE_NOT_FOUND: 'NOT_FOUND',
  INVALID_INPUT: 'BAD_USER_INPUT',
};

/** Backup codes that clients see under a general name; the others (NOT_CONFIGURED, BUSY…) pass as they are. */
const BACKUP_CODES: Partial<Record<BackupError['code'], string>> = {
  INVALID: 'BAD_USER_INPUT',
  DISK_FULL: 'INSUFFICIENT_SPACE',
};

/**
 * Turns the engine's own error classes into API errors; anything else is returned
 * unchanged (and later hidden by `formatApiError` if it is not a GraphQL error).
 */
export function toApiError(err: unknown): unknown {
  if (err instanceof GraphQLError) return err;
  if (err instanceof DirectoryError) return new ApiError(DIRECTORY_CODES[err.code] ?? err.code, err.message, err.field ? { field: err.field } : {});
  if (err instanceof StoreError) return new ApiError(STORE_CODES[err.code] ?? 'BAD_USER_INPUT', err.message);
  if (err instanceof FirmwareError) return new ApiError(err.code, err.message);
  if (err instanceof CertError) return new ApiError(CERT_CODES[err.code] ?? err.code, err.message);
  if (err instanceof BackupError) return new ApiError(BACKUP_CODES[err.code] ?? err.code, err.message);
  if (err instanceof ListError) return new ApiError(err.code === 'LIST_NOT_FOUND' ? 'NOT_FOUND' : err.code, err.message, err.field ? { field: err.field } : {});
  if (err instanceof JunkPreferenceError) return new ApiError('BAD_USER_INPUT', err.message, { field: err.field });
  if (err instanceof SettingsError) return new ApiError('INVALID_SETTING', err.message, { field: err.key });
  if (isDiskFull(err)) return new ApiError('INSUFFICIENT_SPACE', 'the server\'s disk is full; free space (or add a store location) and try again');
  return err;
}

/**
 * The last word on what a client sees: errors that carry a code pass (without stack
 * traces); anything unexpected is logged and reported as INTERNAL_SERVER_ERROR.
 */
export function formatApiError(formatted: GraphQLFormattedError, original: unknown, log: Logger): GraphQLFormattedError {
  const cause = original instanceof GraphQLError && original.originalError ? original.originalError : original;
  if (isDiskFull(cause)) log.error('management API: the disk is full', { error: String(cause), path: formatted.path?.join('.') });
  const mapped = toApiError(cause);
  if (mapped instanceof GraphQLError) {
    const extensions = { ...(mapped === cause ? formatted.extensions : mapped.extensions) };
    delete extensions.stacktrace;
    if (!extensions.code) extensions.code = 'INTERNAL_SERVER_ERROR';
    return { message: mapped === cause ? formatted.message : mapped.message, locations: formatted.locations, path: formatted.path, extensions };
  }
  log.error('management API: unexpected error', { error: String(cause), path: formatted.path?.join('.') });
  return {
    message: 'internal error; the server log has the details',
    locations: formatted.locations,
    path: formatted.path,
    extensions: { code: 'INTERNAL_SERVER_ERROR' },
  };
}
