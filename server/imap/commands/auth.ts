import { SaslExchange, type SaslMechanism, verifySasl } from '../../directory/sasl';
import type { User } from '../../directory/types';
import { loginAllowed, passwordAuthAllowed, saslMechanisms } from '../session/capabilities';
import { type CommandResult, type CommandSpec, NOT_AUTHENTICATED, bad, no, ok } from '../session/command-types';
import type { ImapSession } from '../session/imap-session';

const KNOWN_MECHANISMS: SaslMechanism[] = ['PLAIN', 'LOGIN', 'CRAM-MD5'];

/** Common end of LOGIN and AUTHENTICATE: throttle failures, check service access, log. */
async function finishLogin(s: ImapSession, user: User | undefined, attempted: string, method: string): Promise<CommandResult> {
  const remote = s.conn.remoteAddress;
  if (!user) {
    s.authFailures++;
    s.log.message('login failed', { user: attempted.slice(0, 256), method, remote });
    await s.ctx.authThrottle.failed(remote);
    if (s.authFailures >= s.ctx.authThrottle.maxFailuresPerSession) {
      await s.write('* BYE Too many authentication failures\r\n');
      s.state = 'logout';
    }
    return no('Authentication failed', 'AUTHENTICATIONFAILED');
  }
  if (!s.ctx.directory.canUse(user, 'imap')) {
    s.log.message('login refused: IMAP not allowed for this user', { user: user.shortName, method, remote });
    return no('This account may not use IMAP', 'AUTHORIZATIONFAILED');
  }
  s.ctx.authThrottle.succeeded(remote);
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
      const user = await s.ctx.directory.authenticate(username, password);
      return finishLogin(s, user, username, 'LOGIN');
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
      const user = await verifySasl(s.ctx.directory, step.credentials);
      return finishLogin(s, user, step.credentials.username, `AUTHENTICATE ${known}`);
    },
  },
};
