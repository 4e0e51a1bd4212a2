import { SaslExchange, type SaslMechanism, saslSecret, verifySasl } from '../../directory/sasl';
import type { User } from '../../directory/types';
import { loginAllowed, passwordAuthAllowed, saslMechanisms } from '../session/capabilities';
import { type CommandResult, type CommandSpec, NOT_AUTHENTICATED, bad, no, ok } from '../session/command-types';
import type { ImapSession } from '../session/imap-session';

const KNOWN_MECHANISMS: SaslMechanism[] = ['PLAIN', 'LOGIN', 'CRAM-MD5'];

/**
 * Common end of LOGIN and AUTHENTICATE: the shared throttle decides whether the
 * credentials are checked at all and delays a failure; then service access, log.
 */
async function finishLogin(
  s: ImapSession,
  attempted: string,
  method: string,
  verify: () => Promise<User | undefined> | User | undefined,
  secret?: string,
): Promise<CommandResult> {
  const remote = s.conn.remoteAddress;
  const outcome = await s.ctx.authThrottle.attempt({ service: 'imap', client: remote, username: attempted }, verify, { secret, fields: { method } });
  if (outcome.status !== 'ok') {
    s.authFailures++;
    if (outcome.close || s.authFailures >= s.ctx.authThrottle.maxFailuresPerSession) {
      await s.write('* BYE Too many authentication failures\r\n');
      s.state = 'logout';
    }
    if (outcome.status === 'failed') return no('Authentication failed', 'AUTHENTICATIONFAILED');
    const wait = outcome.retryAfterSeconds > 90 ? `${Math.ceil(outcome.retryAfterSeconds / 60)} minutes` : `${outcome.retryAfterSeconds} seconds`;
    return no(
      outcome.status === 'locked'
        ? `Too many failed logins to this account from your address; try again in ${wait}`
        : `Too many failed logins from your address; try again in ${wait}`,
      'UNAVAILABLE',
    );
  }
  const user = outcome.value;
  if (!s.ctx.directory.canUse(user, 'imap')) {
    s.log.message('login refused: IMAP not allowed for this user', { user: user.shortName, method, remote });
    return no('This account may not use IMAP', 'AUTHORIZATIONFAILED');
  }
  s.loggedIn(user);
  s.log.message('login', { user: user.shortName, method, remote, tls: s.secure });
  return ok('Logged in', `CAPABILITY ${s.capabilities().join(' ')}`);
}

export const authCommands: Record<string, CommandSpec> = {
  STARTTLS: {
    states: NOT_AUTHENTICATED,
    async run(s, args, call) {
      args.end();
      if (s.secure) return bad('TLS is already active');
      if (s.settings.imapPopSsl === 'off') return no('STARTTLS is not available');
      await s.write(`${call.tag} OK Begin TLS negotiation now\r\n`);
      try {
        await s.startTls();
      } catch (err) {
        s.log.event('STARTTLS handshake failed', { remote: s.conn.remoteAddress, error: String(err) });
        s.close();
      }
      return { status: 'OK', text: '', answered: true };
    },
  },

  LOGIN: {
    states: NOT_AUTHENTICATED,
    async run(s, args) {
      args.sp();
      const username = args.astring().toString('utf8');
      args.sp();
      const password = args.astring().toString('utf8');
      args.end();
      if (!s.settings.imapAuthClear) return no('LOGIN is disabled; use AUTHENTICATE', 'CANNOT');
      if (!loginAllowed(s.settings, s.secure)) return no('Use STARTTLS or port 993 before logging in', 'PRIVACYREQUIRED');
      return finishLogin(s, username, 'LOGIN', () => s.ctx.directory.authenticate(username, password), password);
    },
  },

  AUTHENTICATE: {
    states: NOT_AUTHENTICATED,
    async run(s, args) {
      args.sp();
      const mechanism = args.atom().toUpperCase();
      let initial: string | undefined;
      if (!args.atEnd()) {
        args.sp();
        initial = args.restOfLine().trim();
      }
      args.end();
      const known = KNOWN_MECHANISMS.find((m) => m === mechanism);
      if (!known) return no(`Unsupported authentication mechanism ${mechanism.slice(0, 20)}`, 'CANNOT');
      if (!saslMechanisms(s.settings, s.secure).includes(known)) {
        if (known !== 'CRAM-MD5' && !passwordAuthAllowed(s.settings, s.secure)) {
          return no('Use STARTTLS or port 993 before logging in', 'PRIVACYREQUIRED');
        }
        return no(`Authentication mechanism ${known} is disabled`, 'CANNOT');
      }
      const exchange = new SaslExchange(known, s.ctx.options.hostname);
      let step = exchange.start(initial);
      while (step.type === 'challenge') {
        await s.write(`+ ${step.base64}\r\n`);
        const line = await s.readLine();
        if (line.kind === 'closed') return bad('Connection closed');
        if (line.kind === 'too-long') return bad('Authentication response too long');
        const text = line.line.toString('latin1').trim();
        if (text === '*') return bad('Authentication cancelled');
        step = exchange.next(text);
      }
      if (step.type === 'error') return bad(`Authentication failed: ${step.message}`);
      const credentials = step.credentials;
      return finishLogin(s, credentials.username, `AUTHENTICATE ${known}`, () => verifySasl(s.ctx.directory, credentials), saslSecret(credentials));
    },
  },
};
