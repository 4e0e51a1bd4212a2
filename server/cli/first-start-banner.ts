import type { BootstrapOptions } from '../config/bootstrap';

/**
 * Where an administrator reaches the console and the playground. The plain HTTP listener
 * serves them unless it faces the Internet (httpPublic: it only redirects there), when HTTPS
 * does. A wildcard bind names the host instead; an IPv6 address goes in brackets; a scheme's
 * own port is left out.
 */
export function managementUrls(
  options: Pick<BootstrapOptions, 'bind' | 'hostname' | 'httpPublic'>,
  ports: Partial<Record<'http' | 'https', number>>,
): { console: string; playground: string } {
  const secure = !!options.httpPublic && !!ports.https;
  const port = secure ? ports.https : ports.http;
  const wildcard = options.bind === '0.0.0.0' || options.bind === '::' || options.bind === '';
  const host = wildcard ? options.hostname : options.bind.includes(':') ? `[${options.bind}]` : options.bind;
  const defaultPort = secure ? 443 : 80;
  const base = `${secure ? 'https' : 'http'}://${host}${port === defaultPort ? '' : `:${port}`}`;
  return { console: `${base}/`, playground: `${base}/playground` };
}

/** Printed once, at the first start, when the engine made up the admin password. */
export function firstStartBanner(
  account: { username: string; password: string },
  options: Pick<BootstrapOptions, 'bind' | 'hostname' | 'httpPublic'>,
  ports: Partial<Record<'http' | 'https', number>>,
): string {
  const urls = managementUrls(options, ports);
  return (
    `\nFirst start: the management account is "${account.username}" with password:\n\n    ${account.password}\n\n` +
    `Open the admin console at ${urls.console}\n` +
    `(the GraphQL playground is at ${urls.playground})\n\n`
  );
}
