import crypto from 'node:crypto';

export type MtaStsMode = 'none' | 'testing' | 'enforce';

/** How long senders may cache the policy (RFC 8461 3.2): a week, so a change of host reaches them soon. */
export const MTA_STS_MAX_AGE_SECONDS = 604_800;

/** The host that serves a domain's policy (RFC 8461 3.3). */
export const MTA_STS_HOST_PREFIX = 'mta-sts.';
export const MTA_STS_PATH = '/.well-known/mta-sts.txt';

/** The policy text for the MX hosts (RFC 8461 3.2), CRLF line ends. */
export function mtaStsPolicy(mode: Exclude<MtaStsMode, 'none'>, mxHosts: string[]): string {
  return ['version: STSv1', `mode: ${mode}`, ...mxHosts.map((h) => `mx: ${h}`), `max_age: ${MTA_STS_MAX_AGE_SECONDS}`, ''].join('\r\n');
}

/** The policy's id for the TXT record: changes whenever the policy text does (RFC 8461 3.1: 1-32 letters and digits). */
export function mtaStsId(policy: string): string {
  return crypto.createHash('sha256').update(policy).digest('hex').slice(0, 20);
}

/**
 * The policy to serve at https://REQUEST_HOST/.well-known/mta-sts.txt, or undefined when the
 * host is not mta-sts.<one of our domains> or MTA-STS is off.
 */
export function mtaStsPolicyForHost(requestHost: string, mode: MtaStsMode, ownDomains: string[], mxHost: string): string | undefined {
  if (mode === 'none') return undefined;
  const host = requestHost.toLowerCase().replace(/:\d+$/, '').replace(/\.$/, '');
  if (!host.startsWith(MTA_STS_HOST_PREFIX)) return undefined;
  const domain = host.slice(MTA_STS_HOST_PREFIX.length);
  return ownDomains.some((d) => d.toLowerCase() === domain) ? mtaStsPolicy(mode, [mxHost]) : undefined;
}
