import type { Settings } from '../../config/settings-schema';

export type SaslName = 'PLAIN' | 'LOGIN' | 'CRAM-MD5';

/** Where a session stands, for what it may be offered. */
export interface SecurityState {
  secure: boolean;
  authenticated: boolean;
}

/** Password mechanisms (LOGIN, PLAIN, AUTH=LOGIN) are allowed only over TLS unless the administrator says otherwise. */
export function passwordAuthAllowed(s: Readonly<Settings>, secure: boolean): boolean {
  if (secure) return true;
  if (s.imapPopSsl === 'require') return false;
  return s.allowPlaintextAuthWithoutTls;
}

export function loginAllowed(s: Readonly<Settings>, secure: boolean): boolean {
  return s.imapAuthClear && passwordAuthAllowed(s, secure);
}

/** SASL mechanisms offered now. CRAM-MD5 never shows the password, so it is allowed before TLS unless TLS is required. */
export function saslMechanisms(s: Readonly<Settings>, secure: boolean): SaslName[] {
  const out: SaslName[] = [];
  if (passwordAuthAllowed(s, secure)) {
    if (s.imapAuthPlain) out.push('PLAIN');
    if (s.imapAuthLogin) out.push('LOGIN');
  }
  if (s.imapAuthCramMd5 && (secure || s.imapPopSsl !== 'require')) out.push('CRAM-MD5');
  return out;
}

/** Largest message APPEND accepts, in bytes. */
export function appendLimit(s: Readonly<Settings>): number {
  // Without the size limit, literals are still capped: they are held in memory while read.
  return (s.maxMessageSizeEnabled ? s.maxMessageSizeMb : 100) * 1024 * 1024;
}

export function capabilities(s: Readonly<Settings>, state: SecurityState): string[] {
  // Both revisions: a session speaks IMAP4rev1 until the client sends ENABLE IMAP4rev2 (RFC 9051 section 6.3.1).
  const caps = ['IMAP4rev1', 'IMAP4rev2'];
  if (!state.authenticated) {
    if (!state.secure && s.imapPopSsl !== 'off') caps.push('STARTTLS');
    if (!loginAllowed(s, state.secure)) caps.push('LOGINDISABLED');
    for (const m of saslMechanisms(s, state.secure)) caps.push(`AUTH=${m}`);
    caps.push('SASL-IR');
  }
  caps.push(
    // RFC 7888: before login only small non-synchronising literals (LITERAL-), any size after.
    state.authenticated ? 'LITERAL+' : 'LITERAL-',
    'ID',
    'ENABLE',
    'IDLE',
    'NAMESPACE',
    'UIDPLUS',
    'MOVE',
    'UNSELECT',
    'CHILDREN',
    'LIST-EXTENDED',
    'LIST-STATUS',
    'SPECIAL-USE',
    'BINARY',
    'MULTIAPPEND',
    'UTF8=ACCEPT',
    'COMPRESS=DEFLATE',
    'STATUS=SIZE',
    'QUOTA',
    'ACL',
    'RIGHTS=texk',
    'QUOTA=RES-STORAGE',
    'NOTIFY',
    'URLAUTH',
    'URLAUTH=BINARY',
    'CATENATE',
    'CONDSTORE',
    'QRESYNC',
    'ESEARCH',
    'SEARCHRES',
    'CONTEXT=SEARCH',
    'CONTEXT=SORT',
    'ESORT',
    'SORT',
    'SORT=DISPLAY',
    'THREAD=ORDEREDSUBJECT',
    'THREAD=REFERENCES',
    `APPENDLIMIT=${appendLimit(s)}`,
  );
  return caps;
}
