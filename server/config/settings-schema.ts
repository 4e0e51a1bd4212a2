import cron from 'node-cron';
import path from 'node:path';
import { LOG_LEVELS, type LogLevel } from '../logs/logger';
import { HostList } from '../net/host-list';
import { hasControlCharacters, hostPortProblem, isHostName, isPlainIp } from '../net/host-port';
import { socketAddressProblem } from '../net/socket-address';
import { KEY_TYPES, type KeyType } from '../certs/keys';
import { TLS_PROFILES, type TlsProfile } from '../certs/tls-profiles';

/**
 * Every setting the engine knows, with its default and the seed's name for it.
 * docs/settings.md is the administrator's view of this table; keep them together.
 */
export const SSL_POLICIES = ['require', 'use', 'off'] as const;
export type SslPolicy = (typeof SSL_POLICIES)[number];
/** "Least permissive" flags mildly suspicious mail; "most permissive" only blatant junk. */
export const PERMISSIVENESS_LEVELS = ['least', 'moderate', 'most'] as const;
export type Permissiveness = (typeof PERMISSIVENESS_LEVELS)[number];
/** What happens to junk: the seed's Bounced, Deleted, Delivered and Redirected. */
export const JUNK_ACTIONS = ['deliver', 'bounce', 'delete', 'redirect', 'quarantine'] as const;
export type JunkAction = (typeof JUNK_ACTIONS)[number];
/** Where the Bayes filter keeps what it learns: one table for everyone, or one per user (as mox does) with the global one as fallback. */
export const JUNK_TOKEN_TABLES = ['global', 'per-user'] as const;
export type JunkTokenTables = (typeof JUNK_TOKEN_TABLES)[number];
/** What happens to infected mail: the seed's Bounced, Deleted and Quarantined. */
export const VIRUS_ACTIONS = ['bounce', 'delete', 'quarantine'] as const;
export type VirusAction = (typeof VIRUS_ACTIONS)[number];
/** How the ACME CA checks that this server answers for a name. */
export const ACME_CHALLENGES = ['http-01', 'tls-alpn-01'] as const;
export type AcmeChallenge = (typeof ACME_CHALLENGES)[number];
export const MTA_STS_MODES = ['none', 'testing', 'enforce'] as const;
export type MtaStsMode = (typeof MTA_STS_MODES)[number];

export interface StoreLocation {
  name: string;
  path: string;
}

export interface Settings {
  // General tab
  smtpEnabled: boolean;
  smtpAllowIncoming: boolean;
  popEnabled: boolean;
  imapEnabled: boolean;
  imapMaxConnections: number;
  imapMaxCommandsPerSecond: number;
  relayHost: string;
  holdOutbound: boolean;
  blockInbound: boolean;
  copyUndeliverableTo: string;
  catchAllAccount: string;
  archiveCopyTo: string;
  // Mailing Lists tab
  listsEnabled: boolean;
  // Relay tab
  relayRestricted: boolean;
  relayAllowedHosts: string[];
  refuseHostsEnabled: boolean;
  refusedHosts: string[];
  rblEnabled: boolean;
  rblServers: string[];
  // Filters tab: junk mail
  junkScanEnabled: boolean;
  junkPermissiveness: Permissiveness;
  junkAction: JunkAction;
  junkTagSubject: boolean;
  junkSubjectTag: string;
  junkEncapsulate: boolean;
  junkRedirectTo: string;
  junkNotify: string;
  junkAcceptedLanguages: string[];
  junkAcceptedLocales: string[];
  junkSpamdEnabled: boolean;
  junkSpamdAddress: string;
  // Security (Advanced tab)
  smtpAuthCramMd5: boolean;
  smtpAuthPlain: boolean;
  smtpAuthLogin: boolean;
  imapAuthClear: boolean;
  imapAuthPlain: boolean;
  imapAuthLogin: boolean;
  imapAuthCramMd5: boolean;
  popAuthClear: boolean;
  popAuthApop: boolean;
  popAuthPlain: boolean;
  popAuthLogin: boolean;
  popAuthCramMd5: boolean;
  smtpSsl: SslPolicy;
  imapPopSsl: SslPolicy;
  allowPlaintextAuthWithoutTls: boolean;
  tlsProfile: TlsProfile;
  selfSignedKeyType: KeyType;
  // Quotas tab
  maxMessageSizeEnabled: boolean;
  maxMessageSizeMb: number;
  diskReserveMb: number;
  // Monitoring
  metricsListen: string;
  alertRecipient: string;
  alertDiskFreeMb: number;
  alertQueueMessages: number;
  alertQueueAgeHours: number;
  alertJobFailures: number;
  alertVirusDatabaseAgeDays: number;
  quotaWarningsEnabled: boolean;
  quotaWarningPercent: number;
  quotaWarningIntervalDays: number;
  quotaWarningMessage: string;
  overQuotaNoticeEnabled: boolean;
  overQuotaMessage: string;
  disableMailboxOverQuota: boolean;
  // Other tab (logging)
  logLevelServer: LogLevel;
  logLevelSmtp: LogLevel;
  logLevelImapPop: LogLevel;
  logLevelJunk: LogLevel;
  logLevelJobs: LogLevel;
  logArchiveDays: number;
  logArchiveKeepDays: number;
  logArchiveSchedule: string;
  // Backup (issue 13)
  backupDirectory: string;
  backupSchedule: string;
  backupKeep: number;
  // Access
  serviceAccessRestricted: boolean;
  serviceAccessAllowed: string[];
  mailAdministrators: string[];
  // Mail store (Advanced tab, Database)
  storeLocations: StoreLocation[];
  // Limits (not in the seed; a server on today's Internet needs them)
  smtpMaxConnections: number;
  maxConnectionsPerIp: number;
  smtpEarlyTalkerWaitMs: number;
  smtpGreetingPassHours: number;
  popMaxConnections: number;
  maxLineLength: number;
  maxRecipientsPerMessage: number;
  authFailureDelayMs: number;
  authMaxFailures: number;
  authThrottleMaxDelaySeconds: number;
  authLockoutFailures: number;
  authLockoutMinutes: number;
  maxUnauthenticatedPerIp: number;
  unauthenticatedConnectionsPercent: number;
  loginTimeoutSeconds: number;
  localDeliveryLifetimeHours: number;
  // Sieve and ManageSieve
  sieveFileintoCreatesMailbox: boolean;
  sieveMaxScriptsPerUser: number;
  sieveMaxStoragePerUserKb: number;
  sieveMaxRunMs: number;
  manageSieveLegacyPortEnabled: boolean;
  manageSieveLegacyPort: number;
  // Filters tab: viruses, and the scheduled jobs (server/jobs/, server/virus/)
  virusScanEnabled: boolean;
  virusAction: VirusAction;
  virusNotify: string;
  virusNotifyRecipient: boolean;
  clamdAddress: string;
  virusUpdateSchedule: string;
  virusDatabaseMirror: string;
  virusPrivateMirror: string;
  virusUpdateProxy: string;
  virusDatabaseDir: string;
  junkTrainingSchedule: string;
  junkLearnFromMailboxes: boolean;
  junkTokenTables: JunkTokenTables;
  // Self-service (issue 18): what mail users may change themselves through the API's USER role
  usersMaySetForwarding: boolean;
  sieveVacationPruneSchedule: string;
  acmeDirectoryUrl: string;
  acmeContactEmail: string;
  acmeChallenge: AcmeChallenge;
  mtaStsMode: MtaStsMode;
  certificateRenewalSchedule: string;
  repairSchedule: string;
  listBounceSchedule: string;
  listDigestSchedule: string;
  listModerationSchedule: string;
  // Sender authentication (not in the seed): sender addresses, DKIM, SPF/DKIM/DMARC checks
  smtpRestrictSenderAddresses: boolean;
  dkimSigningEnabled: boolean;
  dkimEd25519Signature: boolean;
  inboundAuthChecks: boolean;
  dmarcRejectFailures: boolean;
  relayHostUsername: string;
}

export type SettingKey = keyof Settings;

/** The settings an update changed, as services are told of them. */
export type ChangedSettings = ReadonlySet<SettingKey>;

export interface SettingSpec<K extends SettingKey = SettingKey> {
  default: Settings[K];
  seedName: string;
  description: string;
  /** Extra validation beyond the type; returns an error message or undefined. */
  check?: (value: Settings[K]) => string | undefined;
}

const positive = (max: number) => (v: number) =>
  Number.isInteger(v) && v > 0 && v <= max ? undefined : `must be a whole number from 1 to ${max}`;
const nonNegative = (max: number) => (v: number) =>
  Number.isInteger(v) && v >= 0 && v <= max ? undefined : `must be a whole number from 0 to ${max}`;
/** A check that the value is one of a closed set: "must be a, b or c". */
const oneOf =
  <V extends string>(values: readonly V[]) =>
  (v: V) =>
    values.includes(v) ? undefined : `must be ${values.slice(0, -1).join(', ')} or ${values[values.length - 1]}`;
const ssl = oneOf(SSL_POLICIES);
const level = (v: LogLevel) => (LOG_LEVELS.includes(v) ? undefined : 'must be low, medium, high or debug');
const hostList = (v: string[]) => {
  const invalid = new HostList(v).invalid;
  return invalid.length ? `not an address, network, host or domain: ${invalid.join(', ')}` : undefined;
};
const address = (v: string) =>
  v === '' || (/^[^\s@,]+(@[^\s@,]+)?$/.test(v) && !hasControlCharacters(v)) ? undefined : 'must be a user name, alias or address';
/** Text that ends up on one line of a config file or a header: no line breaks or other control characters. */
const oneLine = (v: string) => (hasControlCharacters(v) ? 'must be one line without control characters' : undefined);
const absolutePath = (v: string) => (v.startsWith('/') && !hasControlCharacters(v) ? undefined : 'must be an absolute path (one line, no control characters)');
/** An http or https URL with a host, in printable ASCII (percent-encode the rest). */
const isHttpUrl = (v: string) => {
  if (!/^https?:\/\/[\x21-\x7e]+$/i.test(v)) return false;
  try {
    return new URL(v).hostname !== '';
  } catch {
    return false;
  }
};
/** freshclam's proxy: host:port, or http(s)://[user:password@]host:port; the user name and password go into freshclam.conf decoded, so they may not hide a line break. */
const proxyProblem = (v: string) => {
  if (v === '') return undefined;
  const form = 'must be empty, host:port or http://user:password@host:port';
  const m = /^(https?:\/\/)?(?:([^@/]*)@)?([^@/]*)\/?$/i.exec(v);
  if (!m || (m[2] !== undefined && !m[1])) return form;
  if (m[2] !== undefined) {
    let userinfo: string;
    try {
      userinfo = decodeURIComponent(m[2]);
    } catch {
      return `${form}: the user name or password has a broken %-escape`;
    }
    if (/\s/.test(m[2]) || hasControlCharacters(userinfo)) return `${form}: the user name and password may not contain spaces or control characters`;
  }
  const problem = hostPortProblem(m[3], { portRequired: true });
  if (problem) return `${form} (the proxy ${problem})`;
  try {
    new URL(m[1] ? v : `http://${v}`);
  } catch {
    return form;
  }
  return undefined;
};

/** A node-cron expression (5 fields, or 6 with seconds), or empty for "never". */
const cronProblem = (v: string) => (v === '' || cron.validate(v) ? undefined : 'must be a cron expression such as "0 1 * * *", or empty');

export const SETTINGS: { [K in SettingKey]: SettingSpec<K> } = {
  smtpEnabled: { default: true, seedName: 'General: Enable SMTP', description: 'Accept SMTP connections.' },
  smtpAllowIncoming: {
    default: true,
    seedName: 'General: Allow incoming mail',
    description: 'Accept mail from other servers for local users.',
  },
  listsEnabled: {
    default: false,
    seedName: 'Mailing Lists: Enable Mailing Lists',
    description: 'Accept mail for the mailing lists\u2019 addresses (docs/lists.md). Off: every list address is an unknown user (550), and nothing is lost: lists and members stay.',
  },
  popEnabled: { default: true, seedName: 'General: Enable POP', description: 'Run the POP3 service (ports 110 and 995).' },
  imapEnabled: { default: true, seedName: 'General: Enable IMAP', description: 'Run the IMAP service (ports 143 and 993).' },
  imapMaxConnections: {
    default: 32,
    seedName: 'General: IMAP concurrent connections (default 32, seed maximum 300)',
    description: 'Concurrent IMAP connections allowed. The engine accepts up to 20000.',
    check: positive(20000),
  },
  relayHost: {
    default: '',
    seedName: 'General: Relay all SMTP mail through this host',
    description: 'Smart host for outbound mail, "host" or "host:port" ("[2001:db8::1]:587" for IPv6); empty = deliver directly by MX.',
    check: (v) => (v.trim() === '' ? undefined : hostPortProblem(v)),
  },
  holdOutbound: {
    default: false,
    seedName: 'General: Hold Outbound Mail',
    description: 'Queue outgoing mail without sending it until released.',
  },
  blockInbound: {
    default: false,
    seedName: 'General: Block Inbound Connections',
    description: 'Refuse new mail from other servers (554) while still delivering what is queued.',
  },
  copyUndeliverableTo: {
    default: '',
    seedName: 'General: Copy undeliverable messages to',
    description: 'A user or alias that receives a copy of mail for unknown local recipients.',
    check: address,
  },
  catchAllAccount: {
    default: '',
    seedName: 'main.cf luser_relay (Forwarding Undeliverable Incoming Mail)',
    description: 'A user or alias that receives mail for unknown local recipients instead of a 550 refusal.',
    check: address,
  },
  archiveCopyTo: {
    default: '',
    seedName: 'General: Copy incoming and outgoing messages to',
    description: 'A user or address that receives a blind copy of every message accepted.',
    check: address,
  },
  relayRestricted: {
    default: false,
    seedName: 'Relay: Accept SMTP relays only from these',
    description: 'Let the hosts in relayAllowedHosts relay without authenticating. Everyone else must authenticate to relay.',
  },
  relayAllowedHosts: {
    default: [],
    seedName: 'Relay: list of approved hosts',
    description: 'IP addresses, networks (192.168.40.0/21 or 192.168.40.0/255.255.248.0), host names or domains.',
    check: hostList,
  },
  refuseHostsEnabled: {
    default: false,
    seedName: 'Relay: Refuse all messages from these',
    description: 'Refuse SMTP connections from the hosts in refusedHosts with 554.',
  },
  refusedHosts: {
    default: [],
    seedName: 'Relay: list of refused hosts',
    description: 'IP addresses, networks, host names or domains whose connections are refused.',
    check: hostList,
  },
  rblEnabled: {
    default: false,
    seedName: 'Relay: Use these junk mail rejection servers',
    description: 'Refuse mail from clients listed by the DNS blocklists in rblServers (not for authenticated or approved clients).',
  },
  rblServers: {
    default: [],
    seedName: 'Relay: junk mail rejection (RBL) servers',
    description: 'DNSBL zones, such as zen.spamhaus.org.',
    check: (v) => {
      const bad = v.filter((z) => !isHostName(z.trim()));
      return bad.length ? `must be DNS zone names: not ${bad.map((z) => JSON.stringify(z)).join(', ')}` : undefined;
    },
  },
  junkScanEnabled: {
    default: false,
    seedName: 'Filters: Scan email for junk mail',
    description: 'Score mail for local users with the Bayesian filter and add X-Spam-* headers. Train it first (pillarbox learn).',
  },
  junkPermissiveness: {
    default: 'moderate',
    seedName: 'Filters: Minimum junk mail score (Least / Moderate / Most permissive)',
    description: 'least = flags mildly suspicious mail (score 3), moderate = 5 (SpamAssassin’s default), most = only blatant junk (8).',
    check: oneOf(PERMISSIVENESS_LEVELS),
  },
  junkAction: {
    default: 'deliver',
    seedName: 'Filters: Junk mail should be Bounced / Deleted / Delivered / Redirected',
    description: 'What happens to junk: deliver (marked), bounce (5.7.1 to the sender), delete, redirect to junkRedirectTo, or quarantine (kept for the administrator to release or delete; not in the seed).',
    check: oneOf(JUNK_ACTIONS),
  },
  junkTagSubject: {
    default: false,
    seedName: 'Filters: Delivered — Add to subject',
    description: 'Put junkSubjectTag in front of the subject of delivered junk.',
  },
  junkSubjectTag: {
    default: '***JUNK MAIL***',
    seedName: 'Filters: subject tag',
    description: 'The subject tag for delivered junk.',
    check: oneLine,
  },
  junkEncapsulate: {
    default: false,
    seedName: 'Filters: Delivered — Encapsulate as MIME attachment',
    description: 'Deliver junk as a short report with the original attached (message/rfc822).',
  },
  junkRedirectTo: {
    default: '',
    seedName: 'Filters: Redirected to',
    description: 'Where redirected junk goes (a user, alias or address).',
    check: address,
  },
  junkNotify: {
    default: '',
    seedName: 'Filters: Send notification to (the postmaster)',
    description: 'A user or address told about each junk message that is not delivered or redirected (junkAction BOUNCE, DELETE and QUARANTINE); empty = nobody.',
    check: address,
  },
  junkAcceptedLanguages: {
    default: ['*'],
    seedName: 'Filters: Accepted languages',
    description: 'Charset families (e.g. "western", "japanese") never marked junk for their encoding alone; "*" = all.',
  },
  junkAcceptedLocales: {
    default: ['*'],
    seedName: 'Filters: Accepted locales',
    description: 'Country codes (e.g. "us", "de") never marked junk for their origin alone; "*" = all.',
  },
  junkSpamdEnabled: {
    default: false,
    seedName: '(the seed ran SpamAssassin; here its spamd is an optional second opinion)',
    description: 'Also ask SpamAssassin\u2019s spamd (at junkSpamdAddress) about each screened message; its score is added to the Bayes score and its rules are listed in X-Spam-Status.',
  },
  junkSpamdAddress: {
    default: '127.0.0.1:783',
    seedName: '(spamd --listen)',
    description: 'Where spamd listens: host:port (Debian\u2019s default 127.0.0.1:783) or a Unix socket path (spamd --socketpath).',
    check: (v) => socketAddressProblem(v),
  },
  smtpAuthCramMd5: {
    default: false,
    seedName: 'Security: SMTP CRAM MD-5',
    description: 'Offer SMTP AUTH CRAM-MD5. Needs reversible password storage (see docs/users-and-domains.md).',
  },
  smtpAuthPlain: { default: false, seedName: 'Security: SMTP PLAIN', description: 'Offer SMTP AUTH PLAIN.' },
  smtpAuthLogin: { default: false, seedName: 'Security: SMTP LOGIN', description: 'Offer SMTP AUTH LOGIN.' },
  imapAuthClear: { default: true, seedName: 'Security: IMAP Clear', description: 'Allow the IMAP LOGIN command.' },
  imapAuthPlain: { default: true, seedName: 'Security: IMAP PLAIN', description: 'Offer IMAP AUTHENTICATE PLAIN.' },
  imapAuthLogin: { default: true, seedName: 'Security: IMAP LOGIN', description: 'Offer IMAP AUTHENTICATE LOGIN.' },
  imapAuthCramMd5: { default: false, seedName: 'Security: IMAP CRAM MD-5', description: 'Offer IMAP AUTHENTICATE CRAM-MD5.' },
  popAuthClear: { default: true, seedName: 'Security: POP3 Clear', description: 'Allow POP3 USER/PASS.' },
  popAuthApop: {
    default: false,
    seedName: 'Security: POP3 APOP',
    description: 'Allow POP3 APOP. Needs reversible password storage (see docs/users-and-domains.md).',
  },
  popAuthPlain: { default: true, seedName: '(POP3 SASL PLAIN, RFC 5034)', description: 'Offer POP3 AUTH PLAIN.' },
  popAuthLogin: { default: true, seedName: '(POP3 SASL LOGIN)', description: 'Offer POP3 AUTH LOGIN.' },
  popAuthCramMd5: { default: false, seedName: '(POP3 SASL CRAM-MD5)', description: 'Offer POP3 AUTH CRAM-MD5.' },
  smtpSsl: {
    default: 'use',
    seedName: 'Security: SMTP SSL (Require / Use / Don\u2019t Use)',
    description: 'STARTTLS on port 25: require = refuse mail before STARTTLS, use = offer it, off = do not offer.',
    check: ssl,
  },
  imapPopSsl: {
    default: 'use',
    seedName: 'Security: IMAP and POP SSL (Require / Use / Don\u2019t Use)',
    description: 'TLS for IMAP and POP: require = log in only over TLS, use = offer STARTTLS/STLS and ports 993/995, off = plain only.',
    check: ssl,
  },
  allowPlaintextAuthWithoutTls: {
    default: false,
    seedName: '(not in the seed; the seed allowed clear-text passwords on plain connections)',
    description: 'Allow password authentication on connections that are not encrypted. Off by default: unsafe today.',
  },
  tlsProfile: {
    default: 'intermediate',
    seedName: '(not in the seed; its SSL offered whatever OpenSSL 0.9.7 did)',
    description:
      'TLS versions and ciphers of every listener, after Mozilla\u2019s guidelines: intermediate = TLS 1.2 and 1.3, ECDHE key exchange with AEAD ciphers only; modern = TLS 1.3 only. Renegotiation is refused in both.',
    check: (v: TlsProfile) => (TLS_PROFILES.includes(v) ? undefined : `must be ${TLS_PROFILES.join(' or ')}`),
  },
  selfSignedKeyType: {
    default: 'rsa-2048',
    seedName: '(the seed\u2019s Certificate Manager: key size)',
    description:
      'Key of the certificate the engine makes for itself (valid 398 days, renewed 30 days before it ends): rsa-2048, rsa-3072, rsa-4096, ecdsa-p256 or ecdsa-p384. Changing it makes that certificate anew; an imported certificate is left alone.',
    check: (v: KeyType) => (KEY_TYPES.includes(v) ? undefined : `must be one of ${KEY_TYPES.join(', ')}`),
  },
  maxMessageSizeEnabled: {
    default: true,
    seedName: 'Quotas: Refuse incoming messages larger than',
    description: 'Enforce the maximum message size.',
  },
  maxMessageSizeMb: {
    default: 10,
    seedName: 'Quotas: Refuse incoming messages larger than N MB (default 10)',
    description: 'Maximum message size in megabytes, announced in EHLO SIZE.',
    check: positive(2048),
  },
  diskReserveMb: {
    default: 100,
    seedName: '(the seed\u2019s "Dealing With a Full Disk")',
    description:
      'Free space, in megabytes, kept on every file system the engine writes mail to (the data directory and each store location). Below it new mail is refused with "try again later" (SMTP 452 4.3.1 at MAIL, and after DATA when the message would go past it; IMAP APPEND NO [OVERQUOTA]) while reading, deleting and delivering accepted mail go on; mail is taken again as soon as space is freed. 0 = no reserve.',
    check: nonNegative(1_000_000),
  },
  metricsListen: {
    default: '',
    seedName: '(not in the seed)',
    description:
      'A separate plain-HTTP listener (host:port, e.g. 127.0.0.1:9154) that serves only /metrics to anyone who can reach it, for a Prometheus that cannot log in; empty = none. /metrics on the management port always answers an ADMIN or MONITOR login token.',
    check: (v) => (v === '' ? undefined : hostPortProblem(v, { portRequired: true })),
  },
  alertRecipient: {
    default: 'postmaster',
    seedName: '(not in the seed)',
    description: 'Who is mailed when an alert is raised (a user, alias or address; "postmaster" by default); empty = nobody (the alerts query and subscription still show them).',
    check: address,
  },
  alertDiskFreeMb: {
    default: 1024,
    seedName: '(not in the seed)',
    description: 'Alert when a file system holding the data directory or a store location has less than this many megabytes free; 0 = never.',
    check: nonNegative(1_000_000_000),
  },
  alertQueueMessages: {
    default: 1000,
    seedName: '(not in the seed)',
    description: 'Alert when more messages than this wait in the queue (held ones not counted); 0 = never.',
    check: nonNegative(100_000_000),
  },
  alertQueueAgeHours: {
    default: 24,
    seedName: '(not in the seed)',
    description: 'Alert when the oldest message in the queue (held ones not counted) has waited longer than this many hours; 0 = never.',
    check: nonNegative(8760),
  },
  alertJobFailures: {
    default: 2,
    seedName: '(not in the seed)',
    description: 'Alert when a maintenance job has failed this many runs in a row; 0 = never.',
    check: nonNegative(1000),
  },
  alertVirusDatabaseAgeDays: {
    default: 3,
    seedName: '(not in the seed)',
    description: 'While virus scanning is on, alert when clamd\u2019s virus database is older than this many days; 0 = never.',
    check: nonNegative(3650),
  },
  quotaWarningsEnabled: {
    default: true,
    seedName: 'Quotas: Enable Quota Warnings',
    description: 'Warn users whose mailbox approaches its quota.',
  },
  quotaWarningPercent: {
    default: 90,
    seedName: 'Quotas: warning when usage reaches N %',
    description: 'Percentage of the quota at which the warning is sent.',
    check: positive(100),
  },
  quotaWarningIntervalDays: {
    default: 1,
    seedName: 'Quotas: warning frequency in days',
    description: 'Days between two warnings to the same user.',
    check: positive(365),
  },
  quotaWarningMessage: {
    default: 'Your mailbox is nearly full. Delete messages you no longer need to keep receiving mail.',
    seedName: 'Quotas: quota warning message',
    description: 'Text of the quota warning.',
  },
  overQuotaNoticeEnabled: {
    default: true,
    seedName: 'Other: over quota error message',
    description: 'Send the user a notice when delivery is refused because the mailbox is full.',
  },
  overQuotaMessage: {
    default: 'Your mailbox is full. Mail sent to you is being held and will be returned if you do not make room.',
    seedName: 'Other: over quota error message text',
    description: 'Text of the over-quota notice.',
  },
  disableMailboxOverQuota: {
    default: false,
    seedName: 'Other: Disable a user\u2019s mailbox when over quota',
    description: 'Refuse new mail permanently (5.2.2) for users over quota instead of holding it.',
  },
  logLevelServer: { default: 'medium', seedName: '(server log)', description: 'Detail of the server log.', check: level },
  logLevelSmtp: { default: 'medium', seedName: 'Other: SMTP Log Detail Level', description: 'Detail of the SMTP log.', check: level },
  logLevelImapPop: {
    default: 'medium',
    seedName: 'Other: POP/IMAP Log Detail Level',
    description: 'Detail of the IMAP and POP logs.',
    check: level,
  },
  logLevelJunk: {
    default: 'medium',
    seedName: 'Other: Junk Mail/Virus Log Detail Level',
    description: 'Detail of the junk mail and virus log.',
    check: level,
  },
  logLevelJobs: {
    default: 'medium',
    seedName: '(not in the seed)',
    description: 'Detail of the jobs log (scheduled jobs: runs and their output; at debug, each step of a run).',
    check: level,
  },
  logArchiveDays: {
    default: 7,
    seedName: 'Other: Archive Logs Every N Days',
    description: 'A service\u2019s log is archived (moved to logs/archive/ and compressed with gzip) once its first entry is this many days old, by the log-archive job; a new log begins.',
    check: positive(3650),
  },
  logArchiveKeepDays: {
    default: 90,
    seedName: '(the seed\u2019s "Reclaiming Disk Space Used by Mail Service Log Archives")',
    description: 'Log archives older than this many days are removed by the log-archive job, and so are the entries of that age in the log search index. 0 = keep them for ever.',
    check: nonNegative(36500),
  },
  logArchiveSchedule: {
    default: '15 4 * * *',
    seedName: '(not in the seed)',
    description: 'When the log-archive job looks for logs to archive and archives to remove (cron syntax, server time); empty = never on its own.',
    check: (v) => cronProblem(v),
  },
  backupDirectory: {
    default: '',
    seedName: '(not in the seed; its backup was a script)',
    description: 'The backup set the backup job writes to: an absolute directory outside the data directory, ideally on another disk. Empty = no scheduled backups.',
    check: (v) => (v === '' || (path.isAbsolute(v) && !hasControlCharacters(v)) ? undefined : 'must be an absolute directory path, or empty'),
  },
  backupSchedule: {
    default: '30 3 * * *',
    seedName: '(not in the seed)',
    description: 'When the backup job takes a backup into backupDirectory (cron syntax, server time); empty = never on its own.',
    check: (v) => cronProblem(v),
  },
  backupKeep: {
    default: 7,
    seedName: '(not in the seed)',
    description: 'How many complete backups the backup job keeps; older ones, and half-written ones, are removed after each new backup.',
    check: positive(1000),
  },
  serviceAccessRestricted: {
    default: false,
    seedName: 'Access: Allow only users and groups below',
    description: 'When on, only the users and groups listed may use mail (with the POP/IMAP general settings).',
  },
  serviceAccessAllowed: {
    default: [],
    seedName: 'Access: users and groups list',
    description: 'User short names and group names allowed when access is restricted.',
  },
  mailAdministrators: {
    default: [],
    seedName: 'imapd.conf admins:',
    description: 'Users who see every user\u2019s folder hierarchy (not message contents) and can remove mailboxes of deleted accounts; they also create, rename, delete and administer public folders over IMAP.',
  },
  storeLocations: {
    default: [],
    seedName: 'Advanced: Additional Mail Store Locations',
    description: 'Named additional mail store partitions ({name, path}); "default" is <data-dir>/store.',
  },
  smtpMaxConnections: {
    default: 200,
    seedName: '(not in the seed)',
    description: 'Concurrent SMTP connections on all SMTP listeners.',
    check: positive(20000),
  },
  maxConnectionsPerIp: {
    default: 50,
    seedName: '(not in the seed)',
    description: 'Concurrent connections from one client address (IPv6: one /64), per protocol.',
    check: positive(20000),
  },
  smtpEarlyTalkerWaitMs: {
    default: 100,
    seedName: '(not in the seed)',
    description: 'How long the SMTP greeting waits for clients that talk before it (they are refused: 421 You talk too soon); approved relay hosts, and clients that passed the wait within smtpGreetingPassHours, are greeted at once. 0 = greet at once.',
    check: (v) => (Number.isInteger(v) && v >= 0 && v <= 10000 ? undefined : 'must be from 0 to 10000'),
  },
  smtpGreetingPassHours: {
    default: 24,
    seedName: '(Postfix postscreen_greet_ttl)',
    description: 'Hours a client that waited for the greeting and then began a transaction (MAIL FROM) is greeted at once on later connections, as Postfix\u2019s postscreen remembers clients that passed. Per address (IPv6: per /64), in memory. 0 = every connection waits.',
    check: (v) => (Number.isInteger(v) && v >= 0 && v <= 720 ? undefined : 'must be from 0 to 720'),
  },
  popMaxConnections: {
    default: 200,
    seedName: '(not in the seed)',
    description: 'Concurrent POP3 connections.',
    check: positive(20000),
  },
  imapMaxCommandsPerSecond: {
    default: 250,
    seedName: '(not in the seed)',
    description: 'Commands one IMAP session may send per second once it has used a burst of four seconds\u2019 worth; faster clients are made to wait, not refused. 0 = no limit.',
    check: (v) => (Number.isInteger(v) && v >= 0 && v <= 100000 ? undefined : 'must be from 0 to 100000'),
  },
  maxLineLength: {
    default: 8192,
    seedName: '(not in the seed)',
    description: 'Longest command line accepted by SMTP, IMAP and POP3, in bytes.',
    check: (v) => (Number.isInteger(v) && v >= 1000 && v <= 1048576 ? undefined : 'must be from 1000 to 1048576'),
  },
  maxRecipientsPerMessage: {
    default: 1000,
    seedName: '(Postfix smtpd_recipient_limit)',
    description: 'Recipients accepted for one message.',
    check: positive(100000),
  },
  authFailureDelayMs: {
    default: 2000,
    seedName: '(not in the seed)',
    description:
      'Delay after a failed authentication before the client address (and the account at that address) may try again; doubles with each further failure, up to authThrottleMaxDelaySeconds. 0 = no delay.',
    check: nonNegative(60000),
  },
  authMaxFailures: {
    default: 5,
    seedName: '(not in the seed)',
    description: 'Failed authentications after which the connection is closed.',
    check: positive(100),
  },
  authThrottleMaxDelaySeconds: {
    default: 300,
    seedName: '(not in the seed)',
    description:
      'Longest wait the doubling failure delay reaches. A connection is never held more than 30 s: while the wait is longer, attempts from that address are refused unchecked.',
    check: positive(3600),
  },
  authLockoutFailures: {
    default: 10,
    seedName: '(not in the seed)',
    description:
      'Failed authentications on one account from one client address after which that account is locked for that address (only) for authLockoutMinutes; the same wrong password again does not count. 0 = no lockout.',
    check: nonNegative(1000),
  },
  authLockoutMinutes: {
    default: 15,
    seedName: '(not in the seed)',
    description: 'How long a lockout (authLockoutFailures) lasts.',
    check: positive(1440),
  },
  maxUnauthenticatedPerIp: {
    default: 10,
    seedName: '(not in the seed)',
    description: 'Concurrent connections from one client address (IPv6: one /64) that have not logged in yet, per IMAP, POP3, ManageSieve and submission.',
    check: positive(20000),
  },
  unauthenticatedConnectionsPercent: {
    default: 50,
    seedName: '(not in the seed)',
    description:
      'Share of each of those services\u2019 connection limit that sessions not yet logged in may take; the rest is kept for logged-in users. When it is full, a new connection ends the oldest not-logged-in session of the address that has the most.',
    check: (v) => (Number.isInteger(v) && v >= 1 && v <= 100 ? undefined : 'must be a whole number from 1 to 100'),
  },
  loginTimeoutSeconds: {
    default: 60,
    seedName: '(not in the seed)',
    description: 'Time from connecting to logging in on IMAP, POP3, ManageSieve and submission; a session that has not logged in by then is closed, whatever it sends meanwhile.',
    check: positive(3600),
  },
  localDeliveryLifetimeHours: {
    default: 72,
    seedName: 'Maximum queue lifetime (72 hours)',
    description: 'Hours a message may wait in the queue (a full mailbox, a remote server down) before it is returned to its sender.',
    check: positive(24 * 30),
  },
  sieveFileintoCreatesMailbox: {
    default: true,
    seedName: '(Cyrus lmtpd: fileinto a missing folder fell back to INBOX; Pigeonhole and RFC 5490 :create make it)',
    description: 'Sieve fileinto creates a missing folder even without :create. Off: without :create the message goes to INBOX.',
  },
  sieveMaxScriptsPerUser: {
    default: 20,
    seedName: '(Cyrus sieve_maxscripts, default 5)',
    description: 'Sieve scripts one user may store (ManageSieve, GraphQL).',
    check: positive(1000),
  },
  sieveMaxStoragePerUserKb: {
    default: 2048,
    seedName: '(Cyrus sieve_maxscriptsize, per script)',
    description: 'Total size of one user\u2019s Sieve scripts in KB; one script can be at most 1024 KB.',
    check: positive(1024 * 1024),
  },
  sieveMaxRunMs: {
    default: 2000,
    seedName: '(not in the seed)',
    description:
      'Longest one Sieve run (one user\u2019s script on one message) may take, in milliseconds. A run that takes longer is stopped: the message goes to INBOX unfiltered, the user gets a notice, and the script is not run for the next 10 minutes.',
    check: (v) => (Number.isInteger(v) && v >= 10 && v <= 60000 ? undefined : 'must be a whole number from 10 to 60000'),
  },
  manageSieveLegacyPortEnabled: {
    default: false,
    seedName: 'ManageSieve on port 2000 (timsieved\u2019s old port, "sieve 2000/tcp")',
    description: 'Also run ManageSieve on the legacy port (manageSieveLegacyPort), besides PILLARBOX_SIEVE_PORT (4190).',
  },
  manageSieveLegacyPort: {
    default: 2000,
    seedName: 'ManageSieve legacy port (2000)',
    description: 'Port of the legacy ManageSieve listener when it is on; 0 = any free port.',
    check: nonNegative(65535),
  },
  virusScanEnabled: {
    default: false,
    seedName: 'Filters: Scan email for viruses',
    description: 'Scan mail for local users with ClamAV (clamd at clamdAddress). While clamd cannot answer, mail waits in the queue.',
  },
  virusAction: {
    default: 'quarantine',
    seedName: 'Filters: Infected messages should be Bounced / Deleted / Quarantined',
    description: 'What happens to infected mail: bounce (5.7.1 to the sender), delete, or quarantine (kept for the administrator to release or delete).',
    check: oneOf(VIRUS_ACTIONS),
  },
  virusNotify: {
    default: '',
    seedName: 'Filters: Send notification to (the postmaster)',
    description: 'A user or address told about each infected message; empty = nobody.',
    check: address,
  },
  virusNotifyRecipient: {
    default: false,
    seedName: 'Filters: Notify the intended recipient',
    description: 'Also tell each local recipient that a message for them was bounced, deleted or quarantined.',
  },
  clamdAddress: {
    default: '/run/clamav/clamd.ctl',
    seedName: '(clamd.conf LocalSocket / TCPSocket)',
    description: 'Where clamd listens: a Unix socket path (Debian: /run/clamav/clamd.ctl) or host:port for its TCP socket.',
    check: (v) => socketAddressProblem(v),
  },
  virusUpdateSchedule: {
    default: '7 3,15 * * *',
    seedName: 'Filters: Update the virus database N times every day (twice a day suggested)',
    description: 'When freshclam updates the virus database (cron syntax, server time; default 03:07 and 15:07); empty = never. Runs while virus scanning is on.',
    check: (v) => cronProblem(v),
  },
  virusDatabaseMirror: {
    default: 'database.clamav.net',
    seedName: '(freshclam.conf DatabaseMirror)',
    description: 'The ClamAV database mirror freshclam downloads from.',
    check: (v) => (isHostName(v) || isPlainIp(v) || isHttpUrl(v) ? undefined : 'must be a host name or http(s) URL'),
  },
  virusPrivateMirror: {
    default: '',
    seedName: '(freshclam.conf PrivateMirror)',
    description: 'A private mirror (host or URL) used instead of the public ones; empty = none.',
    check: (v) => (v === '' || hostPortProblem(v) === undefined || isHttpUrl(v) ? undefined : 'must be empty, a host, host:port or an http(s) URL'),
  },
  virusUpdateProxy: {
    default: '',
    seedName: '(freshclam.conf HTTPProxyServer / HTTPProxyPort)',
    description: 'HTTP proxy for freshclam, "host:port" or "http://user:password@host:port"; empty = direct.',
    check: proxyProblem,
  },
  virusDatabaseDir: {
    default: '/var/lib/clamav',
    seedName: '(clamd.conf / freshclam.conf DatabaseDirectory)',
    description: 'Where freshclam writes the virus database; must be the DatabaseDirectory clamd reads.',
    check: absolutePath,
  },
  junkTrainingSchedule: {
    default: '0 1 * * *',
    seedName: 'Automatically Training the Junk Mail Filter: each day at 1 am',
    description: 'When the filter learns from the junkmail and notjunkmail accounts\u2019 inboxes and empties them (cron syntax, server time); empty = never.',
    check: (v) => cronProblem(v),
  },
  junkLearnFromMailboxes: {
    default: true,
    seedName: '(not in the seed; Stalwart, mox, Mail-in-a-Box and mailcow learn this way)',
    description: 'Learn from users\u2019 own filing: a message a user moves, copies or appends into the Junk mailbox (special use \\Junk) is learnt as junk, one moved out of Junk (except to Trash) as not junk, and so are messages a client marks $Junk or $NotJunk.',
  },
  junkTokenTables: {
    default: 'global',
    seedName: '(not in the seed: one SpamAssassin database for the server; mox keeps one per user)',
    description: 'global: one token table learns from everyone and scores everyone\u2019s mail. per-user (as mox): what a user teaches by filing into or out of Junk and by $Junk/$NotJunk goes into that user\u2019s own table instead, and forwards to junkmail/notjunkmail into the forwarder\u2019s table as well as the global one; a user\u2019s table scores the user\u2019s mail once it knows 200 junk and 200 good messages; until then the global table does.',
    check: oneOf(JUNK_TOKEN_TABLES),
  },
  usersMaySetForwarding: {
    default: false,
    seedName: '(not in the seed: users could change nothing themselves)',
    description: 'Mail users may set their own forwarding addresses (GraphQL setMyForwarding, the console\u2019s user view). Off: only an administrator can; forwarding sends the user\u2019s mail elsewhere, which some sites must not allow.',
  },
  sieveVacationPruneSchedule: {
    default: '30 3 * * *',
    seedName: '(not in the seed)',
    description: 'When Sieve vacation replies older than 365 days are forgotten (cron syntax, server time); empty = never.',
    check: (v) => cronProblem(v),
  },
  acmeDirectoryUrl: {
    default: 'https://acme-v02.api.letsencrypt.org/directory',
    seedName: '(not in the seed)',
    description:
      'The ACME directory certificates are ordered from: Let\u2019s Encrypt by default; https://acme-staging-v02.api.letsencrypt.org/directory for its staging CA, or another CA\u2019s.',
    check: (v: string) => (/^https:\/\/[^\s]+$/.test(v) && v.length <= 500 ? undefined : 'must be an https:// URL'),
  },
  acmeContactEmail: {
    default: '',
    seedName: '(not in the seed)',
    description: 'The contact address of the ACME account (the CA writes about expiring certificates and policy changes); empty: none.',
    check: (v: string) => (v === '' || (/^[^\s@]+@[^\s@]+$/.test(v) && v.length <= 254) ? undefined : 'must be an e-mail address, or empty'),
  },
  acmeChallenge: {
    default: 'http-01',
    seedName: '(not in the seed)',
    description:
      'How the ACME CA checks that this server answers for a name: http-01 = it fetches /.well-known/acme-challenge/ on port 80; tls-alpn-01 = it opens TLS to port 443 asking for acme-tls/1 (RFC 8737), for servers that cannot open port 80.',
    check: oneOf(ACME_CHALLENGES),
  },
  mtaStsMode: {
    default: 'none',
    seedName: '(not in the seed)',
    description:
      'MTA-STS (RFC 8461) for every domain: testing or enforce serves https://mta-sts.DOMAIN/.well-known/mta-sts.txt naming this host as the MX, and domainDnsReport lists the _mta-sts and _smtp._tls records to publish; none serves no policy. Senders that support it then refuse to deliver without valid TLS (enforce) or only report (testing).',
    check: oneOf(MTA_STS_MODES),
  },
  certificateRenewalSchedule: {
    default: '40 4 * * *',
    seedName: '(not in the seed)',
    description: 'When ACME certificates ending within 30 days are renewed (cron syntax, server time); empty = never.',
    check: (v) => cronProblem(v),
  },
  repairSchedule: {
    default: '',
    seedName: '(the seed\u2019s "repair the mail database", run by hand)',
    description:
      'When the repair job checks the database and the message files and reconstructs every mailbox (cron syntax, server time); empty = only when run by hand (runJob or repairMailStore). A scheduled run reports messages whose file is gone and never removes them.',
    check: (v) => cronProblem(v),
  },
  listBounceSchedule: {
    default: '20 5 * * *',
    seedName: '(Mailman\u2019s daily cron/disabled)',
    description:
      'When the mailing lists\u2019 bounce job runs (cron syntax, server time; empty = never): members whose delivery bounces disabled get their next notice, and those who had the last one are removed (docs/lists.md, "Bounces").',
    check: (v) => cronProblem(v),
  },
  listDigestSchedule: {
    default: '0 12 * * *',
    seedName: '(Mailman\u2019s daily cron/senddigests)',
    description:
      'When the mailing lists\u2019 digest job runs (cron syntax, server time; empty = never): every list with periodic digests sends the posts gathered since its last issue (docs/lists.md, "Digests").',
    check: (v) => cronProblem(v),
  },
  listModerationSchedule: {
    default: '0 8 * * *',
    seedName: '(Mailman\u2019s daily cron/checkdbs)',
    description:
      'When the mailing lists\u2019 moderation summary runs (cron syntax, server time; empty = never): the owners and moderators of each list with held posts or subscriptions waiting for approval get a list of them (docs/lists.md, "Moderation").',
    check: (v) => cronProblem(v),
  },
  smtpRestrictSenderAddresses: {
    default: true,
    seedName: '(not in the seed; Postfix smtpd_sender_login_maps with reject_sender_login_mismatch)',
    description:
      'Authenticated users may send only from their own addresses (short names, additional names, aliases pointing to them) in MAIL FROM and From. Off: any address.',
  },
  dkimSigningEnabled: {
    default: true,
    seedName: '(not in the seed; DKIM, RFC 6376)',
    description: 'Sign mail leaving for other servers with the DKIM key of its From domain, when it is one of ours.',
  },
  dkimEd25519Signature: {
    default: false,
    seedName: '(not in the seed; RFC 8463)',
    description: 'Add a second DKIM signature with an Ed25519 key besides the RSA one (publish both records first), for every domain without a choice of its own (setDkimAlgorithms).',
  },
  inboundAuthChecks: {
    default: true,
    seedName: '(not in the seed; SPF, DKIM, DMARC, ARC)',
    description: 'Check SPF, DKIM, DMARC and ARC of mail from other servers on port 25 and add an Authentication-Results header.',
  },
  dmarcRejectFailures: {
    default: false,
    seedName: '(not in the seed; DMARC, RFC 7489)',
    description: 'Refuse (550 5.7.1) mail that fails DMARC when the sender\u2019s domain publishes p=reject. Off: only the header records it.',
  },
  relayHostUsername: {
    default: '',
    seedName: 'General: Relay all SMTP mail through this host (with authentication)',
    description: 'User name for authenticating to the relay host (AUTH PLAIN or LOGIN, only over TLS); the password is set with setRelayHostPassword. Empty: no authentication.',
  },
};

export function defaultSettings(): Settings {
  const out = {} as Record<string, unknown>;
  for (const [key, spec] of Object.entries(SETTINGS)) out[key] = structuredClone(spec.default);
  return out as unknown as Settings;
}
