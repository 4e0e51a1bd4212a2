import type { Settings } from '../config/settings-schema';
import type { SaslMechanism } from '../directory/sasl';

/**
 * Which ways of logging in a POP3 client may use right now, from the settings and
 * whether the connection is encrypted. Read on every command, so a settings change
 * applies to open sessions too.
 */
export class AuthPolicy {
  constructor(
    private readonly s: Readonly<Settings>,
    private readonly secure: boolean,
  ) {}

  /** imapPopSsl "require": nothing but CAPA, STLS and QUIT before TLS. */
  get tlsRequiredFirst(): boolean {
    return this.s.imapPopSsl === 'require' && !this.secure;
  }

  get stlsOffered(): boolean {
    return !this.secure && this.s.imapPopSsl !== 'off';
  }

  /** Methods that send the password itself (USER/PASS, PLAIN, LOGIN). */
  get passwordsAllowed(): boolean {
    return !this.tlsRequiredFirst && (this.secure || this.s.allowPlaintextAuthWithoutTls);
  }

  get userPassEnabled(): boolean {
    return this.s.popAuthClear;
  }

  get apopEnabled(): boolean {
    return this.s.popAuthApop && !this.tlsRequiredFirst;
  }

  /** Mechanisms switched on in the settings, whether or not usable on this connection. */
  enabledMechanisms(): SaslMechanism[] {
    const out: SaslMechanism[] = [];
    if (this.s.popAuthPlain) out.push('PLAIN');
    if (this.s.popAuthLogin) out.push('LOGIN');
    if (this.s.popAuthCramMd5) out.push('CRAM-MD5');
    return out;
  }

  /** Mechanisms a client may use now (advertised in CAPA SASL). */
  usableMechanisms(): SaslMechanism[] {
    if (this.tlsRequiredFirst) return [];
    return this.enabledMechanisms().filter((m) => m === 'CRAM-MD5' || this.passwordsAllowed);
  }

  /** What to tell a client that tried a password method too early. */
  get needTlsMessage(): string {
    return this.stlsOffered
      ? '[AUTH] Plaintext authentication disallowed on non-secure connections; use STLS first'
      : '[AUTH] Plaintext authentication disallowed on non-secure connections; use POP3 over TLS';
  }
}

export function isPasswordMechanism(m: SaslMechanism): boolean {
  return m === 'PLAIN' || m === 'LOGIN';
}
