import { PUBLIC_OWNER } from '../store/types';
import type { Db } from '../db/database';
import type { Settings } from '../config/settings-schema';
import { parseAddress } from './address';
import { AppPasswords } from './app-passwords';
import { hashPassword, isLegacyHash, isPasswordHash, verifyPassword, type PasswordVault } from './passwords';
import { type Alias, type Domain, type DomainKind, DirectoryError, type Protocols, type Resolution, type User } from './types';

interface UserRow {
  id: number;
  short_name: string;
  full_name: string;
  password_hash: string;
  password_secret: string | null;
  mail_enabled: number;
  forward_to: string;
  quota_mb: number;
  protocols: Protocols;
  store_location: string;
  groups: string;
  created_at: string;
}

export interface CreateUserInput {
  shortName: string;
  password: string;
  fullName?: string;
  names?: string[];
  mailEnabled?: boolean;
  forwardTo?: string[];
  quotaMb?: number;
  protocols?: Protocols;
  storeLocation?: string;
  groups?: string[];
}

export type UpdateUserInput = Partial<Omit<CreateUserInput, 'password'>> & { password?: string };

const SHORT_NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/i;
const MAX_ALIAS_DEPTH = 10;

/**
 * Users, domains and aliases, and the one place that decides where an address goes.
 * Protocol servers ask it to authenticate and to resolve recipients; they never read
 * these tables themselves.
 */
export class Directory {
  private readonly authCache = new Map<string, { userId: number; appPasswordId: number | undefined; expires: number }>();
  /** Users' app passwords, which authenticate() accepts beside the mail password. */
  readonly appPasswords: AppPasswords;

  constructor(
    private readonly db: Db,
    private readonly settings: () => Readonly<Settings>,
    private readonly vault: PasswordVault,
  ) {
    this.appPasswords = new AppPasswords(db);
  }

  // ---- domains -------------------------------------------------------------------------

  domains(): Domain[] {
    return (this.db.prepare('SELECT name, kind, created_at FROM domains ORDER BY name').all() as {
      name: string;
      kind: DomainKind;
      created_at: string;
    }[]).map((r) => ({ name: r.name, kind: r.kind, createdAt: r.created_at }));
  }

  domainKind(domain: string): DomainKind | undefined {
    const row = this.db.prepare('SELECT kind FROM domains WHERE name = ?').get(normalizeDomain(domain)) as
      | { kind: DomainKind }
      | undefined;
    return row?.kind;
  }

  addDomain(name: string, kind: DomainKind): Domain {
    const domain = normalizeDomain(name);
    if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/.test(domain)) {
      throw new DirectoryError('INVALID_DOMAIN', `"${name}" is not a valid domain name`, 'name');
    }
    if (this.domainKind(domain)) throw new DirectoryError('DOMAIN_EXISTS', `${domain} is already a local domain`, 'name');
    const createdAt = new Date().toISOString();
    this.db.prepare('INSERT INTO domains (name, kind, created_at) VALUES (?, ?, ?)').run(domain, kind, createdAt);
    return { name: domain, kind, createdAt };
  }

  removeDomain(name: string): boolean {
    return this.db.prepare('DELETE FROM domains WHERE name = ?').run(normalizeDomain(name)).changes > 0;
  }

  // ---- users ---------------------------------------------------------------------------

  /** Every user, by short name; the additional names in one query for all (10,000 users list in tens of ms, not a query each). */
  users(): User[] {
    const rows = this.db.prepare('SELECT * FROM users WHERE short_name <> ? ORDER BY short_name').all(PUBLIC_OWNER) as UserRow[];
    const names = namesByUser(this.db.prepare('SELECT user_id AS userId, name FROM user_names ORDER BY name').all());
    return rows.map((r) => this.toUser(r, names.get(r.id) ?? []));
  }

  /** Several users by id in two queries (a page of the accounts list: 100 users, not 200 queries); ids of no user are left out. */
  usersByIds(ids: readonly number[]): Map<number, User> {
    const list = JSON.stringify(ids);
    const rows = this.db.prepare('SELECT * FROM users WHERE id IN (SELECT value FROM json_each(?)) AND short_name <> ?').all(list, PUBLIC_OWNER) as UserRow[];
    const names = namesByUser(this.db.prepare('SELECT user_id AS userId, name FROM user_names WHERE user_id IN (SELECT value FROM json_each(?)) ORDER BY name').all(list));
    return new Map(rows.map((r) => [r.id, this.toUser(r, names.get(r.id) ?? [])]));
  }

  user(id: number): User | undefined {
    const row = this.db.prepare('SELECT * FROM users WHERE id = ? AND short_name <> ?').get(id, PUBLIC_OWNER) as UserRow | undefined;
    return row && this.toUser(row);
  }

  /** By short name, additional short name, or full address bound to a user. */
  userByName(name: string): User | undefined {
    if (name.toLowerCase() === PUBLIC_OWNER) return undefined;
    const row = this.db.prepare('SELECT * FROM users WHERE short_name = ?').get(name) as UserRow | undefined;
    if (row) return this.toUser(row);
    const alt = this.db.prepare('SELECT user_id FROM user_names WHERE name = ?').get(name) as
      | { user_id: number }
      | undefined;
    return alt ? this.user(alt.user_id) : undefined;
  }

  async createUser(input: CreateUserInput): Promise<User> {
    this.checkPassword(input.password);
    this.checkNewUser(input);
    const hash = await hashPassword(input.password);
    const secret = this.wantsReversible() ? this.vault.seal(input.password) : null;
    return this.insertUser(input, hash, secret);
  }

  /**
   * Creates a user whose password is already hashed (`$scrypt$…`, as hashPassword makes),
   * synchronously, so that an import can create many in one transaction of its own.
   */
  createUserWithHash(input: Omit<CreateUserInput, 'password'>, passwordHash: string): User {
    if (!isPasswordHash(passwordHash)) throw new DirectoryError('INVALID_PASSWORD', 'the password hash is neither this server\'s ($scrypt$) nor SHA-crypt ($5$, $6$)');
    this.checkNewUser(input);
    return this.insertUser(input, passwordHash, null);
  }

  private checkNewUser(input: Omit<CreateUserInput, 'password'>): void {
    this.checkShortName(input.shortName);
    this.checkQuota(input.quotaMb);
    for (const name of input.names ?? []) if (name.trim()) this.checkAdditionalName(name.trim());
    this.checkForwardTo(input.forwardTo ?? []);
  }

  private insertUser(input: Omit<CreateUserInput, 'password'>, hash: string, secret: string | null): User {
    const names = (input.names ?? []).map((n) => n.trim()).filter(Boolean);
    const id = this.db.transaction(() => {
      this.assertNameFree(input.shortName, 'shortName');
      for (const name of names) this.assertNameFree(name, 'names');
      const result = this.db
        .prepare(
          `INSERT INTO users (short_name, full_name, password_hash, password_secret, mail_enabled, forward_to,
             quota_mb, protocols, store_location, groups, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          input.shortName,
          input.fullName ?? '',
          hash,
          secret,
          input.mailEnabled === false ? 0 : 1,
          JSON.stringify(input.forwardTo ?? []),
          input.quotaMb ?? 0,
          input.protocols ?? 'both',
          input.storeLocation ?? 'default',
          JSON.stringify(input.groups ?? []),
          new Date().toISOString(),
        );
      const userId = Number(result.lastInsertRowid);
      const insertName = this.db.prepare('INSERT INTO user_names (name, user_id) VALUES (?, ?)');
      for (const name of names) insertName.run(name, userId);
      this.adoptOrphanSystemAliases(input.shortName);
      return userId;
    })();
    return this.user(id) as User;
  }

  /**
   * A user's own forwarding (self-service): only while the administrator lets users set it
   * (usersMaySetForwarding), at most 20 addresses, each checked as an administrator's would be.
   */
  async setOwnForwarding(id: number, addresses: string[]): Promise<User> {
    if (!this.settings().usersMaySetForwarding) throw new DirectoryError('NOT_ALLOWED', 'the administrator does not let users set forwarding (setting usersMaySetForwarding)');
    const forwardTo = addresses.map((a) => a.trim()).filter(Boolean);
    if (forwardTo.length > 20) throw new DirectoryError('BAD_USER_INPUT', 'at most 20 forwarding addresses', 'forwardTo');
    return this.updateUser(id, { forwardTo });
  }

  async updateUser(id: number, patch: UpdateUserInput): Promise<User> {
    if (patch.password !== undefined) this.checkPassword(patch.password);
    if (!this.user(id)) throw new DirectoryError('USER_NOT_FOUND', `no user with id ${id}`);
    const { password, ...rest } = patch;
    const hash = password !== undefined ? await hashPassword(password) : undefined;
    const secret = password !== undefined && this.wantsReversible() ? this.vault.seal(password) : null;
    return this.updateUserWithHash(id, rest, hash === undefined ? undefined : { hash, secret });
  }

  /** Changes a user, with a password already hashed if it changes; synchronous, for imports in one transaction. */
  updateUserWithHash(id: number, patch: Omit<UpdateUserInput, 'password'>, password?: { hash: string; secret: string | null }): User {
    const existing = this.user(id);
    if (!existing) throw new DirectoryError('USER_NOT_FOUND', `no user with id ${id}`);
    if (password && !isPasswordHash(password.hash)) throw new DirectoryError('INVALID_PASSWORD', 'the password hash is neither this server\'s ($scrypt$) nor SHA-crypt ($5$, $6$)');
    if (patch.shortName !== undefined) this.checkShortName(patch.shortName);
    this.checkQuota(patch.quotaMb);
    if (patch.forwardTo) this.checkForwardTo(patch.forwardTo);
    const names = patch.names?.map((n) => n.trim()).filter(Boolean);
    for (const name of names ?? []) this.checkAdditionalName(name);
    this.db.transaction(() => {
      if (patch.shortName !== undefined && patch.shortName.toLowerCase() !== existing.shortName.toLowerCase()) {
        this.assertNameFree(patch.shortName, 'shortName', id);
      }
      if (names) {
        this.db.prepare('DELETE FROM user_names WHERE user_id = ?').run(id);
        for (const name of names) this.assertNameFree(name, 'names', id);
        const insertName = this.db.prepare('INSERT INTO user_names (name, user_id) VALUES (?, ?)');
        for (const name of names) insertName.run(name, id);
      }
      const set: string[] = [];
      const values: unknown[] = [];
      const column = (sql: string, value: unknown) => {
        set.push(sql);
        values.push(value);
      };
      if (patch.shortName !== undefined) column('short_name = ?', patch.shortName);
      if (patch.fullName !== undefined) column('full_name = ?', patch.fullName);
      if (patch.mailEnabled !== undefined) column('mail_enabled = ?', patch.mailEnabled ? 1 : 0);
      if (patch.forwardTo !== undefined) column('forward_to = ?', JSON.stringify(patch.forwardTo));
      if (patch.quotaMb !== undefined) column('quota_mb = ?', patch.quotaMb);
      if (patch.protocols !== undefined) column('protocols = ?', patch.protocols);
      if (patch.storeLocation !== undefined) column('store_location = ?', patch.storeLocation);
      if (patch.groups !== undefined) column('groups = ?', JSON.stringify(patch.groups));
      if (password) {
        column('password_hash = ?', password.hash);
        column('password_secret = ?', password.secret);
      }
      if (set.length) this.db.prepare(`UPDATE users SET ${set.join(', ')} WHERE id = ?`).run(...values, id);
    })();
    this.authCache.clear();
    return this.user(id) as User;
  }

  deleteUser(id: number): boolean {
    this.authCache.clear();
    return this.db.prepare('DELETE FROM users WHERE id = ? AND short_name <> ?').run(id, PUBLIC_OWNER).changes > 0;
  }

  // ---- aliases -------------------------------------------------------------------------

  aliases(): Alias[] {
    return (this.db.prepare('SELECT * FROM aliases ORDER BY alias').all() as {
      alias: string;
      targets: string;
      system: number;
      created_at: string;
    }[]).map((r) => ({ alias: r.alias, targets: JSON.parse(r.targets), system: !!r.system, createdAt: r.created_at }));
  }

  alias(name: string): Alias | undefined {
    return this.aliases().find((a) => a.alias.toLowerCase() === name.toLowerCase());
  }

  createAlias(alias: string, targets: string[], system = false): Alias {
    const name = alias.trim();
    this.checkAliasName(name);
    const cleaned = this.checkTargets(targets);
    this.db.transaction(() => {
      this.assertNameFree(name, 'alias');
      this.db
        .prepare('INSERT INTO aliases (alias, targets, system, created_at) VALUES (?, ?, ?, ?)')
        .run(name, JSON.stringify(cleaned), system ? 1 : 0, new Date().toISOString());
    })();
    return this.alias(name) as Alias;
  }

  updateAlias(alias: string, targets: string[]): Alias {
    const cleaned = this.checkTargets(targets);
    const changed = this.db.prepare('UPDATE aliases SET targets = ? WHERE alias = ?').run(JSON.stringify(cleaned), alias);
    if (!changed.changes) throw new DirectoryError('ALIAS_NOT_FOUND', `no alias "${alias}"`);
    return this.alias(alias) as Alias;
  }

  deleteAlias(alias: string): boolean {
    return this.db.prepare('DELETE FROM aliases WHERE alias = ?').run(alias).changes > 0;
  }

  /**
   * Replaces the alias table with Postfix aliases(5) text: `name: target, target`.
   * Lines starting with whitespace continue the previous entry; # starts a comment.
   */
  importAliasFile(text: string): number {
    const entries: [string, string[]][] = [];
    for (const logical of text.replace(/\r/g, '').replace(/\n[ \t]+/g, ' ').split('\n')) {
      const line = logical.replace(/#.*$/, '').trim();
      if (!line) continue;
      const m = /^("[^"]+"|[^\s:]+)\s*:\s*(.*)$/.exec(line);
      if (!m) throw new DirectoryError('INVALID_ALIAS_FILE', `cannot read alias line: ${line}`);
      entries.push([m[1].replace(/^"|"$/g, ''), m[2].split(',').map((t) => t.trim()).filter(Boolean)]);
    }
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM aliases WHERE system = 0').run();
      for (const [alias, targets] of entries) {
        const existing = this.alias(alias);
        if (existing) this.updateAlias(alias, targets);
        else this.createAlias(alias, targets);
      }
    })();
    return entries.length;
  }

  // ---- resolution ----------------------------------------------------------------------

  /**
   * Where mail for `address` goes: local users (after alias expansion and forwarding),
   * remote addresses reached through aliases or forwards, unknown, or not ours.
   */
  resolve(address: string): Resolution {
    const parsed = parseAddress(address);
    if (!parsed) return { kind: 'unknown' };
    const kind = this.domainKind(parsed.domain);
    if (!kind) return { kind: 'remote' };
    const users = new Set<number>();
    const remote = new Set<string>();
    const result = this.expand(address, users, remote, [], 0);
    if (result !== 'ok') {
      if (result === 'unknown') {
        const catchAll = this.settings().catchAllAccount;
        if (catchAll && this.expand(this.qualify(catchAll), users, remote, [], 0) === 'ok') {
          return { kind: 'local', users: [...users], remote: [...remote] };
        }
        return { kind: 'unknown' };
      }
      return { kind: 'loop', chain: result.chain };
    }
    return { kind: 'local', users: [...users], remote: [...remote] };
  }

  private expand(
    address: string,
    users: Set<number>,
    remote: Set<string>,
    chain: string[],
    depth: number,
  ): 'ok' | 'unknown' | { chain: string[] } {
    const parsed = parseAddress(address);
    if (!parsed) return 'unknown';
    const key = `${parsed.local.toLowerCase()}@${parsed.domain}`;
    if (chain.includes(key) || depth > MAX_ALIAS_DEPTH) return { chain: [...chain, key] };
    const kind = this.domainKind(parsed.domain);
    if (!kind) {
      remote.add(address);
      return 'ok';
    }
    const next = [...chain, key];
    const target = this.lookupLocal(parsed.local, parsed.domain, kind);
    if (!target) return 'unknown';
    if (target.type === 'alias') {
      let any = false;
      for (const t of target.targets) {
        const r = this.expand(this.qualify(t), users, remote, next, depth + 1);
        if (typeof r === 'object') return r;
        if (r === 'ok') any = true;
      }
      return any ? 'ok' : 'unknown';
    }
    const user = target.user;
    if (!user.mailEnabled) return 'unknown';
    if (user.forwardTo.length > 0) {
      for (const forward of user.forwardTo) {
        // A forward that names the user itself means "keep a copy here too".
        const f = this.qualify(forward);
        const fp = parseAddress(f);
        const self = fp && this.domainKind(fp.domain) && this.lookupLocal(fp.local, fp.domain, this.domainKind(fp.domain) as DomainKind);
        if (self && self.type === 'user' && self.user.id === user.id) {
          users.add(user.id);
          continue;
        }
        const r = this.expand(f, users, remote, next, depth + 1);
        if (typeof r === 'object') return r;
      }
      return 'ok';
    }
    users.add(user.id);
    return 'ok';
  }

  /**
   * Lookup order: full address first (virtual hosts and full-address aliases), then,
   * for the host's own domains and virtual domains, the local part; a `+detail`
   * suffix is tried without its detail last. postmaster@ any local domain falls back
   * to the system postmaster alias, as RFC 5321 section 4.5.1 requires.
   */
  private lookupLocal(
    local: string,
    domain: string,
    kind: DomainKind,
  ): { type: 'alias'; targets: string[] } | { type: 'user'; user: User } | undefined {
    const candidates = [`${local}@${domain}`];
    if (kind !== 'virtual-host') candidates.push(local);
    const plus = local.indexOf('+');
    if (plus > 0) {
      const base = local.slice(0, plus);
      candidates.push(`${base}@${domain}`);
      if (kind !== 'virtual-host') candidates.push(base);
    }
    if (local.toLowerCase() === 'postmaster') candidates.push('postmaster');
    for (const name of candidates) {
      const alias = this.db.prepare('SELECT targets FROM aliases WHERE alias = ?').get(name) as
        | { targets: string }
        | undefined;
      if (alias) return { type: 'alias', targets: JSON.parse(alias.targets) };
      if (!name.includes('@') && name.toLowerCase() !== PUBLIC_OWNER) {
        const row = this.db.prepare('SELECT * FROM users WHERE short_name = ?').get(name) as UserRow | undefined;
        if (row) return { type: 'user', user: this.toUser(row) };
      }
      const alt = this.db.prepare('SELECT user_id FROM user_names WHERE name = ?').get(name) as
        | { user_id: number }
        | undefined;
      if (alt) return { type: 'user', user: this.user(alt.user_id) as User };
    }
    return undefined;
  }

  /**
   * Qualifies a bare name (an alias target or forward such as "bob") with the primary
   * local domain: bare names always mean local users and aliases, also when the alias
   * itself belongs to a virtual host.
   */
  private qualify(target: string): string {
    if (target.includes('@')) return target;
    const local = this.domains().find((d) => d.kind === 'local')?.name ?? 'localhost';
    return `${target}@${local}`;
  }

  // ---- sender addresses ----------------------------------------------------------------

  /**
   * Whether `address` is one of the user's own: the short name or an additional name
   * at a local or virtual domain, a full address bound to the user, or an alias
   * (directly or through other aliases) that points to the user. The catch-all account
   * does not make every unknown address its own.
   */
  addressBelongsTo(address: string, userId: number): boolean {
    const parsed = parseAddress(address);
    const kind = parsed && this.domainKind(parsed.domain);
    if (!parsed || !kind) return false;
    return this.namesUser(parsed.local, parsed.domain, kind, userId, 0);
  }

  private namesUser(local: string, domain: string, kind: DomainKind, userId: number, depth: number): boolean {
    if (depth > MAX_ALIAS_DEPTH) return false;
    const target = this.lookupLocal(local, domain, kind);
    if (!target) return false;
    if (target.type === 'user') return target.user.id === userId;
    return target.targets.some((t) => {
      const p = parseAddress(this.qualify(t));
      const k = p && this.domainKind(p.domain);
      return !!p && !!k && this.namesUser(p.local, p.domain, k, userId, depth + 1);
    });
  }

  // ---- authentication ------------------------------------------------------------------

  /** Verifies a password (the mail password or an app password); the user may give a short name, an additional name or a full address. */
  async authenticate(username: string, password: string): Promise<User | undefined> {
    return (await this.verifyLogin(username, password))?.user;
  }

  /**
   * The one password check of every service: the mail password, else one of the user's app
   * passwords (then `appPasswordId` says which, for its last-used time and for the sessions
   * it may open).
   */
  async verifyLogin(username: string, password: string): Promise<{ user: User; appPasswordId?: number } | undefined> {
    const user = this.loginUser(username);
    if (!user) {
      await hashPassword(password); // same cost as a real check, so timing does not reveal names
      return undefined;
    }
    const row = this.db.prepare('SELECT password_hash FROM users WHERE id = ?').get(user.id) as { password_hash: string };
    const cacheKey = `${user.id}\0${row.password_hash}\0${password}`;
    const cached = this.authCache.get(cacheKey);
    if (cached && cached.expires > Date.now()) {
      if (cached.appPasswordId === undefined) return { user };
      // A revoked app password stops working at once, cache or not.
      if (this.appPasswords.exists(cached.appPasswordId)) {
        this.appPasswords.touch(cached.appPasswordId);
        return { user, appPasswordId: cached.appPasswordId };
      }
      this.authCache.delete(cacheKey);
    }
    let appPasswordId: number | undefined;
    if (await verifyPassword(password, row.password_hash)) {
      if (isLegacyHash(row.password_hash)) {
        // An imported SHA-crypt hash gives way to ours at the first login that proves the password.
        const hash = await hashPassword(password);
        this.db.prepare('UPDATE users SET password_hash = ?, password_secret = ? WHERE id = ? AND password_hash = ?').run(hash, this.wantsReversible() ? this.vault.seal(password) : null, user.id, row.password_hash);
      }
    } else {
      appPasswordId = await this.appPasswords.match(user.id, password);
      if (appPasswordId === undefined) return undefined;
    }
    // Verified logins are remembered for a while, as Dovecot's auth cache does, so busy
    // clients that log in for every check do not pay the scrypt cost each time.
    if (this.authCache.size > 10000) this.authCache.clear();
    this.authCache.set(cacheKey, { userId: user.id, appPasswordId, expires: Date.now() + 5 * 60_000 });
    return appPasswordId === undefined ? { user } : { user, appPasswordId };
  }

  /** Whether `password` is the user's mail password itself (not an app password): what changing it asks for. */
  async verifyMailPassword(userId: number, password: string): Promise<boolean> {
    const row = this.db.prepare('SELECT password_hash FROM users WHERE id = ?').get(userId) as { password_hash: string } | undefined;
    return row !== undefined && (await verifyPassword(password, row.password_hash));
  }

  loginUser(username: string): User | undefined {
    const name = username.trim();
    const direct = this.userByName(name);
    if (direct) return direct;
    const parsed = parseAddress(name);
    if (parsed && this.domainKind(parsed.domain)) {
      const r = this.lookupLocal(parsed.local, parsed.domain, this.domainKind(parsed.domain) as DomainKind);
      if (r?.type === 'user') return r.user;
    }
    return undefined;
  }

  /** The plain password, for CRAM-MD5 and APOP; undefined unless stored reversibly. */
  plainPassword(userId: number): string | undefined {
    const row = this.db.prepare('SELECT password_secret FROM users WHERE id = ?').get(userId) as
      | { password_secret: string | null }
      | undefined;
    return row?.password_secret ? this.vault.open(row.password_secret) : undefined;
  }

  /**
   * Service access, exactly as the seed's table: with "allow only users and groups below"
   * on, a listed user gets the General tab's POP/IMAP settings (whatever the user record
   * says); everyone else, and everyone when the restriction is off, gets the user record.
   */
  canUse(user: User, protocol: 'pop' | 'imap' | 'smtp'): boolean {
    const s = this.settings();
    const listed =
      s.serviceAccessRestricted &&
      s.serviceAccessAllowed.some(
        (entry) => entry.toLowerCase() === user.shortName.toLowerCase() || user.groups.some((g) => g.toLowerCase() === entry.toLowerCase()),
      );
    const serviceOn = protocol === 'pop' ? s.popEnabled : protocol === 'imap' ? s.imapEnabled : s.smtpEnabled;
    if (listed) return serviceOn;
    if (!user.mailEnabled) return false;
    if (protocol === 'smtp') return true;
    return serviceOn && (user.protocols === 'both' || user.protocols === protocol);
  }

  /** When the user was last sent a quota warning or over-quota notice. */
  quotaWarnedAt(userId: number): Date | undefined {
    const row = this.db.prepare('SELECT quota_warned_at FROM users WHERE id = ?').get(userId) as
      | { quota_warned_at: string | null }
      | undefined;
    return row?.quota_warned_at ? new Date(row.quota_warned_at) : undefined;
  }

  markQuotaWarned(userId: number, at = new Date()): void {
    this.db.prepare('UPDATE users SET quota_warned_at = ? WHERE id = ?').run(at.toISOString(), userId);
  }

  // ---- first start ---------------------------------------------------------------------

  /** The seed's Setup Assistant: host name and its domain are local; postmaster and abuse exist. */
  ensureDefaults(hostname: string, domain: string | undefined): void {
    this.db.transaction(() => {
      for (const name of [hostname, domain]) {
        if (name && !this.domainKind(name)) this.addDomain(name, 'local');
      }
      if (!this.alias('postmaster')) this.createAlias('postmaster', [], true);
      if (!this.alias('abuse')) this.createAlias('abuse', ['postmaster'], true);
    })();
  }

  /** The first mail user receives postmaster mail until the administrator says otherwise. */
  private adoptOrphanSystemAliases(shortName: string): void {
    const postmaster = this.alias('postmaster');
    if (postmaster && postmaster.targets.length === 0) {
      this.db.prepare('UPDATE aliases SET targets = ? WHERE alias = ?').run(JSON.stringify([shortName]), 'postmaster');
    }
  }

  // ---- validation ----------------------------------------------------------------------

  private wantsReversible(): boolean {
    const s = this.settings();
    return s.smtpAuthCramMd5 || s.imapAuthCramMd5 || s.popAuthCramMd5 || s.popAuthApop;
  }

  private checkShortName(name: string): void {
    if (!SHORT_NAME.test(name)) {
      throw new DirectoryError(
        'INVALID_SHORT_NAME',
        `"${name}" is not a valid short name (letters, digits, dot, dash, underscore; up to 64)`,
        'shortName',
      );
    }
  }

  private checkAdditionalName(name: string, field = 'names'): void {
    const parsed = parseAddress(name);
    if (name.includes('@') ? !parsed || !SHORT_NAME.test(parsed.local) : !SHORT_NAME.test(name)) {
      throw new DirectoryError('INVALID_SHORT_NAME', `"${name}" is not a valid short name or address`, field);
    }
  }

  private checkAliasName(name: string): void {
    this.checkAdditionalName(name, 'alias');
  }

  private checkPassword(password: string): void {
    if (password.length < 8) throw new DirectoryError('WEAK_PASSWORD', 'passwords need at least 8 characters', 'password');
    if (password.length > 1024) throw new DirectoryError('INVALID_PASSWORD', 'passwords are limited to 1024 characters', 'password');
  }

  /** A quota in MB: 0 = unlimited; whole and not negative, for every caller (GraphQL, tools, imports). */
  private checkQuota(quotaMb: number | undefined): void {
    if (quotaMb === undefined) return;
    if (!Number.isSafeInteger(quotaMb) || quotaMb < 0) throw new DirectoryError('INVALID_QUOTA', 'quotaMb must be a whole number of megabytes, 0 or more (0 = unlimited)', 'quotaMb');
  }

  private checkForwardTo(addresses: string[]): void {
    for (const a of addresses) {
      if (!parseAddress(a) && !SHORT_NAME.test(a)) {
        throw new DirectoryError('INVALID_ADDRESS', `"${a}" is not a valid forwarding address`, 'forwardTo');
      }
    }
  }

  private checkTargets(targets: string[]): string[] {
    const cleaned = targets.map((t) => t.trim()).filter(Boolean);
    for (const t of cleaned) {
      if (!parseAddress(t) && !SHORT_NAME.test(t)) throw new DirectoryError('INVALID_ADDRESS', `"${t}" is not a valid alias target`, 'targets');
    }
    return cleaned;
  }

  /** Short names, additional names and aliases share one namespace. */
  private assertNameFree(name: string, field: string, exceptUser?: number): void {
    const user = this.db.prepare('SELECT id FROM users WHERE short_name = ?').get(name) as { id: number } | undefined;
    const alt = this.db.prepare('SELECT user_id FROM user_names WHERE name = ?').get(name) as { user_id: number } | undefined;
    const alias = this.db.prepare('SELECT alias FROM aliases WHERE alias = ?').get(name);
    if ((user && user.id !== exceptUser) || (alt && alt.user_id !== exceptUser) || alias) {
      throw new DirectoryError('NAME_TAKEN', `"${name}" is already used by a user or alias`, field);
    }
  }

  private toUser(row: UserRow, knownNames?: string[]): User {
    const names =
      knownNames ??
      (this.db.prepare('SELECT name FROM user_names WHERE user_id = ? ORDER BY name').all(row.id) as {
        name: string;
      }[]).map((r) => r.name);
    return {
      id: row.id,
      shortName: row.short_name,
      names,
      fullName: row.full_name,
      mailEnabled: !!row.mail_enabled,
      forwardTo: JSON.parse(row.forward_to),
      quotaMb: row.quota_mb,
      protocols: row.protocols,
      storeLocation: row.store_location,
      groups: JSON.parse(row.groups),
      hasReversiblePassword: !!row.password_secret,
      createdAt: row.created_at,
    };
  }
}

/** Additional names (rows of user_id and name, in name order) grouped by user. */
function namesByUser(rows: unknown[]): Map<number, string[]> {
  const names = new Map<number, string[]>();
  for (const r of rows as { userId: number; name: string }[]) {
    const list = names.get(r.userId);
    if (list) list.push(r.name);
    else names.set(r.userId, [r.name]);
  }
  return names;
}

function normalizeDomain(name: string): string {
  return name.trim().toLowerCase().replace(/\.$/, '');
}
