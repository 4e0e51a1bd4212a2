import type { Settings } from './settings-schema';

/** How a mail client secures a connection: TLS from the first byte, STARTTLS, or not at all. */
export const CLIENT_SECURITIES = ['tls', 'starttls', 'none'] as const;
export type ClientSecurity = (typeof CLIENT_SECURITIES)[number];
/** What a mail client uses a server for. */
export const CLIENT_PROTOCOLS = ['imap', 'pop3', 'submission'] as const;
export type ClientProtocol = (typeof CLIENT_PROTOCOLS)[number];

/** One server a mail client may use, as autoconfiguration and SRV records advertise it. */
export interface ClientEndpoint {
  protocol: ClientProtocol;
  /** The listener it is (imaps, imap, pop3s, pop3, smtps, submission). */
  listener: string;
  host: string;
  port: number;
  security: ClientSecurity;
}

/**
 * The servers a mail client of `domain` should use, best first (RFC 8314: implicit TLS before
 * STARTTLS), following the settings: a protocol that is off is left out, and so is a way in
 * where a password could not be used (no TLS while plain-text passwords are refused).
 * `ports` are the listeners' ports; `host` is the name to connect to (see clientHost).
 */
export function clientEndpoints(settings: Settings, ports: Record<string, number | undefined>, host: string): ClientEndpoint[] {
  const out: ClientEndpoint[] = [];
  const add = (protocol: ClientEndpoint['protocol'], listener: string, security: ClientSecurity) => {
    const port = ports[listener];
    if (port) out.push({ protocol, listener, host, port, security });
  };
  const plainAllowed = settings.allowPlaintextAuthWithoutTls;
  const readers: [boolean, ClientEndpoint['protocol'], string, string][] = [
    [settings.imapEnabled, 'imap', 'imaps', 'imap'],
    [settings.popEnabled, 'pop3', 'pop3s', 'pop3'],
  ];
  for (const [enabled, protocol, implicit, plain] of readers) {
    if (!enabled) continue;
    if (settings.imapPopSsl !== 'off') {
      add(protocol, implicit, 'tls');
      add(protocol, plain, 'starttls');
    } else if (plainAllowed) add(protocol, plain, 'none');
  }
  if (settings.smtpEnabled) {
    // Submission on 587 always offers STARTTLS; 465 runs while smtpSsl is not off.
    if (settings.smtpSsl !== 'off') add('submission', 'smtps', 'tls');
    add('submission', 'submission', 'starttls');
  }
  return out;
}

/**
 * The host name clients of `domain` should connect to: `mail.DOMAIN` or `DOMAIN` when the
 * domain has a certificate of its own (picked by SNI) that names it, so the client sees a
 * certificate for the name it was told; otherwise the server's host name.
 */
export function clientHost(domain: string, serverHost: string, domainCertificateNames: string[] | undefined): string {
  if (domainCertificateNames) {
    for (const candidate of [`mail.${domain}`, domain]) if (domainCertificateNames.some((n) => nameCovers(n, candidate))) return candidate;
  }
  return serverHost;
}

/** Whether a certificate name (maybe a wildcard, `*.example.com`) covers a host name. */
function nameCovers(certName: string, host: string): boolean {
  const name = certName.toLowerCase();
  const h = host.toLowerCase();
  if (!name.startsWith('*.')) return name === h;
  const dot = h.indexOf('.');
  return dot > 0 && h.slice(dot + 1) === name.slice(2);
}
