import type { Db } from '../db/database';
import type { UserJunkTables } from '../junk/user-tables';
import type { MailStore } from '../store/store';
import { type MailboxUsage, biggestMailboxes } from '../store/usage';
import type { CreateUserInput, Directory, UpdateUserInput } from './directory';
import { DirectoryError, type User } from './types';
import { type UsagePageQuery, type UsagePageRow, usagePage } from './usage-page';

/**
 * User lifecycle across the directory and the store: a new user gets INBOX and the
 * special-use folders; a deleted user's mail files are removed.
 */
export class Accounts {
  constructor(
    private readonly directory: Directory,
    private readonly store: MailStore,
    private readonly db: Db,
    private readonly junkTables?: UserJunkTables,
  ) {}

  async create(input: CreateUserInput): Promise<User> {
    if (input.storeLocation) this.checkStoreLocation(input.storeLocation);
    const user = await this.directory.createUser(input);
    this.store.ensureDefaultMailboxes(user.id);
    return user;
  }

  async update(id: number, patch: UpdateUserInput): Promise<User> {
    if (patch.storeLocation) this.checkStoreLocation(patch.storeLocation);
    return this.directory.updateUser(id, patch);
  }

  private checkStoreLocation(name: string): void {
    if (!this.store.locationRoots().some((l) => l.name === name)) {
      throw new DirectoryError('INVALID_STORE_LOCATION', `no mail store location named "${name}"`, 'storeLocation');
    }
  }

  async delete(id: number): Promise<void> {
    const user = this.directory.user(id);
    if (!user) throw new DirectoryError('USER_NOT_FOUND', `no user with id ${id}`);
    this.directory.deleteUser(id);
    await this.store.removeUserFiles(id, user.storeLocation);
    this.junkTables?.remove(id);
  }

  /**
   * The addresses mail reaches the user at: the short name and the plain additional names at
   * every local domain, and the additional names that are full addresses.
   */
  addressesOf(user: User): string[] {
    const domains = this.directory.domains().filter((d) => d.kind === 'local').map((d) => d.name);
    const plain = [user.shortName, ...user.names.filter((n) => !n.includes('@'))];
    const full = user.names.filter((n) => n.includes('@'));
    return [...new Set([...domains.flatMap((d) => plain.map((n) => `${n}@${d}`)), ...full].map((a) => a.toLowerCase()))];
  }

  /** Quota in bytes (0 = unlimited) and current usage. */
  quota(user: User): QuotaUse {
    return quotaUse(user, this.store.usage(user.id));
  }

  /** The largest mailboxes of the server, biggest first. */
  biggestMailboxes(limit: number): MailboxUsage[] {
    return biggestMailboxes(this.db, limit);
  }

  /**
   * A page of users with their quota and usage (the seed's Accounts pane), sorted, searched and
   * cut in SQL from the users' running totals: a page of 10,000 users reads its own rows.
   */
  usagePage(q: UsagePageQuery): { rows: (UsagePageRow & { quota: QuotaUse })[]; total: number; more: boolean } {
    const page = usagePage(this.db, q);
    return { ...page, rows: page.rows.map((r) => ({ ...r, quota: quotaUse(r, { bytes: r.usedBytes, messages: r.usedMessages }) })) };
  }
}

export interface QuotaUse {
  /** 0 = unlimited. */
  limitBytes: number;
  usedBytes: number;
  messages: number;
  /** usedBytes as a percentage of limitBytes, to one decimal; undefined when unlimited. */
  percent: number | undefined;
}

function quotaUse(user: Pick<User, 'quotaMb'>, usage: { bytes: number; messages: number }): QuotaUse {
  const limitBytes = user.quotaMb * 1024 * 1024;
  return { limitBytes, usedBytes: usage.bytes, messages: usage.messages, percent: limitBytes > 0 ? Math.round((usage.bytes / limitBytes) * 1000) / 10 : undefined };
}
