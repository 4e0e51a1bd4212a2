import crypto from 'node:crypto';
import type http from 'node:http';
import { cmsSign } from '../certs/forge-parts';
import { type ClientEndpoint, clientEndpoints, clientHost } from '../config/client-endpoints';
import type { EngineContext } from '../context';
import type { Logger } from '../logs/logger';
import { parseAddress } from '../directory/address';
import { bearerToken, escapeXml, sendJson } from './http-util';

export const MOBILECONFIG_PATH = '/mobileconfig/';

/**
 * GET /mobileconfig/ADDRESS: an Apple configuration profile that sets up Mail on macOS and
 * iOS for one user's address, signed (CMS) with the certificate the domain's clients see, so
 * the device shows who made it. It holds no password: the device asks for it. For a
 * management login (admin or monitor), and for a mail user's login (role USER) for the user's
 * own addresses only.
 */
export function sendMobileconfig(ctx: EngineContext, log: Logger, req: http.IncomingMessage, res: http.ServerResponse, rest: string): void {
  const token = bearerToken(req.headers.authorization);
  const account = token ? ctx.admins.verifyToken(token) : undefined;
  const session = token && !account ? ctx.userSessions.verifyToken(token) : undefined;
  if (!account && !session) return sendJson(res, 401, { errors: [{ message: 'log in first: send "Authorization: Bearer <token>"', extensions: { code: 'UNAUTHENTICATED' } }] });
  const address = decodeURIComponent(rest.replace(/\.mobileconfig$/, '')).toLowerCase();
  const parsed = parseAddress(address);
  const user = parsed ? ctx.directory.loginUser(address) : undefined;
  if (!parsed || !user) return sendJson(res, 404, { errors: [{ message: `no user has the address ${address}`, extensions: { code: 'NOT_FOUND' } }] });
  if (session && session.user.id !== user.id) return sendJson(res, 403, { errors: [{ message: 'a mail user may download only the profile of their own addresses', extensions: { code: 'FORBIDDEN' } }] });
  const host = clientHost(parsed.domain, ctx.options.hostname, ctx.tls.store.domainCertificateNames(parsed.domain));
  const endpoints = clientEndpoints(ctx.settings.get(), ctx.ports, host);
  const incoming = endpoints.find((e) => e.protocol === 'imap' && user.protocols !== 'pop') ?? endpoints.find((e) => e.protocol === 'pop3' && user.protocols !== 'imap');
  const outgoing = endpoints.find((e) => e.protocol === 'submission');
  if (!incoming || !outgoing) return sendJson(res, 409, { errors: [{ message: 'the settings offer this user no way to read or send mail', extensions: { code: 'NOT_CONFIGURED' } }] });
  const store = ctx.tls.store;
  const signer = store.pair(store.idForServerName(parsed.domain) ?? store.idForService('https'));
  const profile = cmsSign().cmsSign(Buffer.from(mailProfile(address, user.fullName, ctx.options.hostname, incoming, outgoing)), signer.cert, signer.key);
  res.writeHead(200, {
    'content-type': 'application/x-apple-aspen-config',
    'content-disposition': `attachment; filename="${address.replace(/[^a-z0-9@._-]/g, '_')}.mobileconfig"`,
    'content-length': String(profile.length),
    'cache-control': 'no-store',
  });
  log.message('mail profile downloaded', { address, by: account?.username ?? `user:${session?.user.shortName}` });
  res.end(req.method === 'HEAD' ? undefined : profile);
}

/** The profile's property list: one com.apple.mail.managed payload (Apple's Configuration Profile Reference). */
export function mailProfile(address: string, fullName: string, serverHost: string, incoming: ClientEndpoint, outgoing: ClientEndpoint): string {
  // Stable identifiers, so that installing a newer profile for the same address replaces the old one.
  const id = `${reverseDomain(serverHost)}.pillarbox.mail.${address}`;
  const uuid = (salt: string) => {
    const h = crypto.createHash('sha256').update(`${salt}\0${id}`).digest('hex');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`.toUpperCase();
  };
  const mail: PlistDict = {
    EmailAccountDescription: address,
    EmailAccountName: fullName || address,
    EmailAccountType: incoming.protocol === 'imap' ? 'EmailTypeIMAP' : 'EmailTypePOP',
    EmailAddress: address,
    IncomingMailServerAuthentication: 'EmailAuthPassword',
    IncomingMailServerHostName: incoming.host,
    IncomingMailServerPortNumber: incoming.port,
    IncomingMailServerUseSSL: incoming.security !== 'none',
    IncomingMailServerUsername: address,
    OutgoingMailServerAuthentication: 'EmailAuthPassword',
    OutgoingMailServerHostName: outgoing.host,
    OutgoingMailServerPortNumber: outgoing.port,
    OutgoingMailServerUseSSL: outgoing.security !== 'none',
    OutgoingMailServerUsername: address,
    OutgoingPasswordSameAsIncomingPassword: true,
    PayloadDescription: `Mail account ${address}`,
    PayloadDisplayName: address,
    PayloadIdentifier: `${id}.account`,
    PayloadType: 'com.apple.mail.managed',
    PayloadUUID: uuid('account'),
    PayloadVersion: 1,
  };
  const profile: PlistDict = {
    PayloadContent: [mail],
    PayloadDescription: `Sets up Mail for ${address} on ${serverHost}.`,
    PayloadDisplayName: `Mail: ${address}`,
    PayloadIdentifier: id,
    PayloadOrganization: serverHost,
    PayloadRemovalDisallowed: false,
    PayloadType: 'Configuration',
    PayloadUUID: uuid('profile'),
    PayloadVersion: 1,
  };
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">',
    '<plist version="1.0">',
    plistValue(profile, ''),
    '</plist>',
    '',
  ].join('\n');
}

type PlistValue = string | number | boolean | PlistValue[] | PlistDict;
interface PlistDict {
  [key: string]: PlistValue;
}

function plistValue(v: PlistValue, indent: string): string {
  if (typeof v === 'string') return `${indent}<string>${escapeXml(v)}</string>`;
  if (typeof v === 'number') return `${indent}<integer>${Math.trunc(v)}</integer>`;
  if (typeof v === 'boolean') return `${indent}<${v}/>`;
  if (Array.isArray(v)) return [`${indent}<array>`, ...v.map((x) => plistValue(x, indent + '  ')), `${indent}</array>`].join('\n');
  return [`${indent}<dict>`, ...Object.entries(v).flatMap(([k, x]) => [`${indent}  <key>${escapeXml(k)}</key>`, plistValue(x, indent + '  ')]), `${indent}</dict>`].join('\n');
}

function reverseDomain(host: string): string {
  return host.toLowerCase().split('.').reverse().join('.');
}
