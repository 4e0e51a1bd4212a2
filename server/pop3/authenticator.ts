import { SaslExchange, type SaslMechanism, type SaslStep, saslSecret, verifyApop, verifySasl } from '../directory/sasl';
import type { User } from '../directory/types';
import { isPasswordMechanism } from './auth-policy';
import type { SessionIo } from './session-io';

const MECHANISMS: readonly SaslMechanism[] = ['PLAIN', 'LOGIN', 'CRAM-MD5'];

/**
 * The AUTHORIZATION state's login commands: USER/PASS and APOP (RFC 1939), AUTH
 * (RFC 5034). Credentials are checked here; what happens after a good login is the
 * session's business (`onLogin`), which answers the client itself.
 */
export class Authenticator {
  private pendingUser?: string;
  private sasl?: SaslExchange;
  private failures = 0;

  constructor(
    private readonly io: SessionIo,
    /** The greeting's APOP timestamp, if the greeting had one. */
    private readonly apopTimestamp: string | undefined,
    private readonly onLogin: (user: User, method: string) => Promise<void>,
  ) {}

  /** True while an AUTH exchange waits for the client's next line. */
  get inExchange(): boolean {
    return this.sasl !== undefined;
  }

  /** Drops state that must not survive STLS (RFC 2595 section 4: forget what was said before). */
  forget(): void {
    this.pendingUser = undefined;
    this.sasl = undefined;
  }

  user(arg: string): void {
    const policy = this.io.policy();
    this.pendingUser = undefined;
    if (!policy.userPassEnabled) return this.io.reply('-ERR [AUTH] USER/PASS authentication is disabled');
    if (!policy.passwordsAllowed) return this.io.reply(`-ERR ${policy.needTlsMessage}`);
    if (!arg) return this.io.reply('-ERR USER needs a user name');
    // Always +OK: the answer must not tell whether the name exists.
    this.pendingUser = arg;
    this.io.reply('+OK');
  }

  async pass(arg: string): Promise<void> {
    const username = this.pendingUser;
    this.pendingUser = undefined;
    if (username === undefined) return this.io.reply('-ERR send USER first');
    const policy = this.io.policy();
    if (!policy.userPassEnabled || !policy.passwordsAllowed) return this.io.reply(`-ERR ${policy.needTlsMessage}`);
    await this.check(username, 'USER', () => this.io.ctx.directory.authenticate(username, arg), arg);
  }

  async apop(args: string[]): Promise<void> {
    if (!this.io.policy().apopEnabled || !this.apopTimestamp) return this.io.reply('-ERR [AUTH] APOP is not available');
    if (args.length !== 2) return this.io.reply('-ERR usage: APOP name digest');
    const timestamp = this.apopTimestamp;
    await this.check(args[0], 'APOP', () => verifyApop(this.io.ctx.directory, args[0], timestamp, args[1]));
  }

  async auth(args: string[]): Promise<void> {
    const policy = this.io.policy();
    if (args.length === 0) {
      // Not in RFC 5034, but older clients ask this way (as Dovecot and Cyrus answer).
      const lines = ['+OK', ...policy.usableMechanisms(), '.'];
      return this.io.reply(lines.join('\r\n'));
    }
    const name = args[0].toUpperCase() as SaslMechanism;
    if (!MECHANISMS.includes(name) || !policy.enabledMechanisms().includes(name) || policy.tlsRequiredFirst) {
      return this.io.reply('-ERR [AUTH] Unsupported authentication mechanism');
    }
    if (isPasswordMechanism(name) && !policy.passwordsAllowed) return this.io.reply(`-ERR ${policy.needTlsMessage}`);
    if (args.length > 2) return this.io.reply('-ERR usage: AUTH mechanism [initial-response]');
    const exchange = new SaslExchange(name, this.io.ctx.options.hostname);
    await this.step(exchange, exchange.start(args[1]));
  }

  /** A client line while an AUTH exchange is under way. */
  async continueExchange(line: string): Promise<void> {
    const exchange = this.sasl;
    if (!exchange) return;
    if (line.trim() === '*') {
      this.sasl = undefined;
      return this.io.reply('-ERR Authentication cancelled');
    }
    await this.step(exchange, exchange.next(line));
  }

  /** An over-long line ends an exchange, as any malformed response would. */
  abortExchange(): void {
    this.sasl = undefined;
  }

  private async step(exchange: SaslExchange, step: SaslStep): Promise<void> {
    if (step.type === 'challenge') {
      this.sasl = exchange;
      return this.io.reply(`+ ${step.base64}`);
    }
    this.sasl = undefined;
    if (step.type === 'error') return this.failed(`AUTH ${exchange.mechanism}`, undefined, step.message);
    const credentials = step.credentials;
    await this.check(credentials.username, `AUTH ${exchange.mechanism}`, () => verifySasl(this.io.ctx.directory, credentials), saslSecret(credentials));
  }

  /**
   * Checks credentials through the shared throttle (which may refuse without checking,
   * delays failures and logs them), then concludes or answers the failure.
   */
  private async check(username: string, method: string, verify: () => Promise<User | undefined> | User | undefined, secret?: string): Promise<void> {
    const { ctx, conn } = this.io;
    const outcome = await ctx.authThrottle.attempt({ service: 'pop3', client: conn.remoteAddress, username }, verify, {
      secret,
      fields: { method, conn: conn.id },
    });
    if (this.io.closed) return;
    if (outcome.status === 'ok') return this.conclude(outcome.value, method);
    this.failures++;
    const closing = outcome.close || this.failures >= ctx.authThrottle.maxFailuresPerSession;
    if (outcome.status === 'failed') {
      this.io.reply(closing ? '-ERR [AUTH] Authentication failed; too many failures, closing the connection' : '-ERR [AUTH] Authentication failed');
    } else {
      const whose = outcome.status === 'locked' ? ' to this account' : '';
      this.io.reply(`-ERR [SYS/TEMP] Too many failed logins${whose} from your address; try again in ${outcome.retryAfterSeconds} seconds`);
    }
    if (closing) this.io.close();
  }

  private async conclude(user: User, method: string): Promise<void> {
    if (this.io.closed) return;
    if (!this.io.ctx.directory.canUse(user, 'pop')) {
      this.io.log.message('POP login refused: mail access not enabled for the user', this.fields(method, user.shortName));
      this.failures++;
      this.io.reply('-ERR [AUTH] POP access is not enabled for this account');
      if (this.failures >= this.io.ctx.authThrottle.maxFailuresPerSession) this.io.close();
      return;
    }
    await this.onLogin(user, method);
  }

  /** A malformed SASL exchange: no credentials to check, but it counts towards closing the session. */
  private async failed(method: string, username: string | undefined, detail?: string): Promise<void> {
    this.failures++;
    this.io.log.message('POP login failed', { ...this.fields(method, username), ...(detail ? { detail } : {}) });
    if (this.io.closed) return;
    if (this.failures >= this.io.ctx.authThrottle.maxFailuresPerSession) {
      this.io.reply('-ERR [AUTH] Authentication failed; too many failures, closing the connection');
      this.io.close();
      return;
    }
    this.io.reply(detail ? `-ERR [AUTH] Authentication failed: ${detail}` : '-ERR [AUTH] Authentication failed');
  }

  private fields(method: string, username: string | undefined): Record<string, unknown> {
    return { method, user: username, ip: this.io.conn.remoteAddress, conn: this.io.conn.id, tls: this.io.conn.secure };
  }
}
