import type http from 'node:http';
import type { EngineContext } from '../context';
import { type ClientEndpoint, clientEndpoints, clientHost } from '../config/client-endpoints';
import { BodyTooLargeError, escapeXml, readBody } from './http-util';

/** Thunderbird asks https://autoconfig.DOMAIN/mail/config-v1.1.xml, then https://DOMAIN/.well-known/autoconfig/mail/config-v1.1.xml. */
export const AUTOCONFIG_PATHS = new Set(['/mail/config-v1.1.xml', '/.well-known/autoconfig/mail/config-v1.1.xml']);
/** Outlook POSTs its POX request to https://DOMAIN/autodiscover/autodiscover.xml (any case). */
export const AUTODISCOVER_PATH = '/autodiscover/autodiscover.xml';

const AUTODISCOVER_REQUEST_BYTES = 16 * 1024;
const RESPONSE_SCHEMA = 'http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a';

/**
 * Mail client autoconfiguration: what a client of one of our domains should use, from the
 * settings (ports, TLS, which protocols are on) and the domain's certificate
 * (config/client-endpoints.ts, which the DNS report's SRV records follow too).
 */
export class ClientAutoconfig {
  constructor(private readonly ctx: EngineContext) {}

  /** Thunderbird's format (Mozilla's config-v1.1.xml). The domain comes from `emailaddress` or the host asked. */
  serveThunderbird(req: http.IncomingMessage, res: http.ServerResponse, url: URL): void {
    const address = url.searchParams.get('emailaddress') ?? undefined;
    const domain = this.ourDomain(address ? domainOf(address) : hostDomain(req.headers.host));
    if (!domain) return sendXml(res, 404, '<?xml version="1.0" encoding="UTF-8"?>\n<error>no mail service for this domain here</error>\n');
    const endpoints = this.endpoints(domain);
    const server = (e: ClientEndpoint, tag: 'incomingServer' | 'outgoingServer') =>
      [
        `    <${tag} type="${e.protocol === 'submission' ? 'smtp' : e.protocol}">`,
        `      <hostname>${escapeXml(e.host)}</hostname>`,
        `      <port>${e.port}</port>`,
        `      <socketType>${{ tls: 'SSL', starttls: 'STARTTLS', none: 'plain' }[e.security]}</socketType>`,
        '      <username>%EMAILADDRESS%</username>',
        '      <authentication>password-cleartext</authentication>',
        `    </${tag}>`,
      ].join('\n');
    const body = [
      '<?xml version="1.0" encoding="UTF-8"?>',
      '<clientConfig version="1.1">',
      `  <emailProvider id="${escapeXml(domain)}">`,
      `    <domain>${escapeXml(domain)}</domain>`,
      `    <displayName>${escapeXml(domain)} mail</displayName>`,
      `    <displayShortName>${escapeXml(domain)}</displayShortName>`,
      ...endpoints.filter((e) => e.protocol !== 'submission').map((e) => server(e, 'incomingServer')),
      ...endpoints.filter((e) => e.protocol === 'submission').map((e) => server(e, 'outgoingServer')),
      '  </emailProvider>',
      '</clientConfig>',
      '',
    ].join('\n');
    sendXml(res, 200, body);
  }

  /** Outlook's POX Autodiscover: the request names the address; the answer, the best server of each kind. */
  async serveAutodiscover(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    let text: string;
    try {
      text = (await readBody(req, AUTODISCOVER_REQUEST_BYTES)).toString('utf8');
    } catch (err) {
      if (err instanceof BodyTooLargeError) return sendXml(res, 413, autodiscoverError('Request too large'));
      throw err;
    }
    const address = /<EMailAddress>\s*([^<\s]+)\s*<\/EMailAddress>/i.exec(text)?.[1];
    const domain = address ? this.ourDomain(domainOf(address)) : undefined;
    if (!address || !domain) return sendXml(res, 200, autodiscoverError(address ? 'No mail service for this address here' : 'Invalid Request'));
    const best = (protocol: ClientEndpoint['protocol']) => this.endpoints(domain).find((e) => e.protocol === protocol);
    const protocol = (type: string, e: ClientEndpoint | undefined) =>
      e
        ? [
            '      <Protocol>',
            `        <Type>${type}</Type>`,
            `        <Server>${escapeXml(e.host)}</Server>`,
            `        <Port>${e.port}</Port>`,
            `        <LoginName>${escapeXml(address)}</LoginName>`,
            '        <DomainRequired>off</DomainRequired>',
            '        <SPA>off</SPA>',
            `        <SSL>${e.security === 'none' ? 'off' : 'on'}</SSL>`,
            ...(e.security === 'none' ? [] : [`        <Encryption>${e.security === 'tls' ? 'SSL' : 'TLS'}</Encryption>`]),
            '        <AuthRequired>on</AuthRequired>',
            '      </Protocol>',
          ].join('\n')
        : '';
    const body = [
      '<?xml version="1.0" encoding="utf-8"?>',
      '<Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006">',
      `  <Response xmlns="${RESPONSE_SCHEMA}">`,
      '    <Account>',
      '      <AccountType>email</AccountType>',
      '      <Action>settings</Action>',
      protocol('IMAP', best('imap')),
      protocol('POP3', best('pop3')),
      protocol('SMTP', best('submission')),
      '    </Account>',
      '  </Response>',
      '</Autodiscover>',
      '',
    ]
      .filter((line) => line !== '')
      .join('\n');
    sendXml(res, 200, body + '\n');
  }

  private endpoints(domain: string): ClientEndpoint[] {
    const names = this.ctx.tls.store.domainCertificateNames(domain);
    return clientEndpoints(this.ctx.settings.get(), this.ctx.ports, clientHost(domain, this.ctx.options.hostname, names));
  }

  /** The domain, lower case, when it is one this server receives mail for. */
  private ourDomain(domain: string | undefined): string | undefined {
    const d = domain?.toLowerCase().replace(/\.$/, '');
    return d && this.ctx.directory.domainKind(d) ? d : undefined;
  }
}

function domainOf(address: string): string | undefined {
  const at = address.lastIndexOf('@');
  return at > 0 ? address.slice(at + 1) : undefined;
}

/** The domain a request's host names: autoconfig.DOMAIN (Thunderbird's first try) or DOMAIN. */
function hostDomain(host: string | undefined): string | undefined {
  const name = host?.toLowerCase().replace(/:\d+$/, '');
  if (!name) return undefined;
  return name.startsWith('autoconfig.') ? name.slice('autoconfig.'.length) : name;
}

function autodiscoverError(message: string): string {
  return [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006">',
    `  <Response><Error Time="${new Date().toISOString().slice(11, 19)}" Id="1"><ErrorCode>600</ErrorCode><Message>${escapeXml(message)}</Message><DebugData /></Error></Response>`,
    '</Autodiscover>',
    '',
  ].join('\n');
}

function sendXml(res: http.ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'application/xml; charset=utf-8', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
