import { HIERARCHY_SEPARATOR, StoreError } from './types';

/** A name a mailbox may have (and so a subscription): 1 to 512 characters, no empty levels, no wildcards or controls. */
export function checkMailboxName(name: string): void {
  if (!name || name.length > 512) throw new StoreError('INVALID', 'mailbox names must be 1 to 512 characters');
  if (name.startsWith(HIERARCHY_SEPARATOR) || name.endsWith(HIERARCHY_SEPARATOR) || name.includes('//')) {
    throw new StoreError('INVALID', `"${name}" is not a valid mailbox name`);
  }
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  if (/[\x00-\x1f\x7f*%]/.test(name)) throw new StoreError('INVALID', 'mailbox names may not contain control characters, * or %');
}
