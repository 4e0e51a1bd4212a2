/**
 * One POP3 session per maildrop at a time (RFC 1939 section 8: the server locks the
 * maildrop). A second login for the same user is answered with [IN-USE] (RFC 2449).
 */
export class MailboxLocks<Owner> {
  private readonly owners = new Map<number, Owner>();

  acquire(userId: number, owner: Owner): boolean {
    const current = this.owners.get(userId);
    if (current !== undefined && current !== owner) return false;
    this.owners.set(userId, owner);
    return true;
  }

  release(userId: number, owner: Owner): void {
    if (this.owners.get(userId) === owner) this.owners.delete(userId);
  }
}
