import type { MailStore } from '../store/store';
import type { CreateUserInput, Directory, UpdateUserInput } from './directory';
import { DirectoryError, type User } from './types';

/**
 * User lifecycle across the directory and the store: a new user gets INBOX and the
 * special-use folders; a deleted user's mail files are removed.
 */
export class Accounts {
  constructor(
    private readonly directory: Directory,
    private readonly store: MailStore,
  ) {}

  async create(input: CreateUserInput): Promise<User> {
    if (input.storeLocation) this.store.locationRoot(input.storeLocation);
    const user = await this.directory.createUser(input);
    this.store.ensureDefaultMailboxes(user.id);
    return user;
  }

  async update(id: number, patch: UpdateUserInput): Promise<User> {
    if (patch.storeLocation) this.store.locationRoot(patch.storeLocation);
    return this.directory.updateUser(id, patch);
  }

  async delete(id: number): Promise<void> {
    const user = this.directory.user(id);
    if (!user) throw new DirectoryError('USER_NOT_FOUND', `no user with id ${id}`);
    this.directory.deleteUser(id);
    await this.store.removeUserFiles(id, user.storeLocation);
  }

  /** Quota in bytes (0 = unlimited) and current usage. */
  quota(user: User): { limitBytes: number; usedBytes: number; messages: number } {
    const usage = this.store.usage(user.id);
    return { limitBytes: user.quotaMb * 1024 * 1024, usedBytes: usage.bytes, messages: usage.messages };
  }
}
