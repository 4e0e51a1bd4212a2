import path from 'node:path';

/** Listener names, as used in PILLARBOX_<NAME>_PORT and in run/ports.json. */
export const LISTENERS = ['smtp', 'submission', 'smtps', 'imap', 'imaps', 'pop3', 'pop3s', 'sieve', 'http', 'https'] as const;
export type ListenerName = (typeof LISTENERS)[number];
/** Listeners whose port is a setting, not a bootstrap option: the legacy ManageSieve port and metricsListen. */
export const SETTING_LISTENERS = ['sieveLegacy', 'metrics'] as const;
/** Every listener the engine may run, as named in run/ports.json and in serviceStatus. */
export const ALL_LISTENERS = [...LISTENERS, ...SETTING_LISTENERS] as const;

/** Development ports: unprivileged, so `npm start` works without root. The appliance sets the standard ones. */
export const DEVELOPMENT_PORTS: Record<ListenerName, number> = {
  smtp: 2525,
  submission: 2587,
  smtps: 2465,
  imap: 2143,
  imaps: 2993,
  pop3: 2110,
  pop3s: 2995,
  sieve: 4190,
  http: 8080,
  https: 8443,
};

export interface BootstrapOptions {
  dataDir: string;
  hostname: string;
  bind: string;
  ports: Record<ListenerName, number>;
  /** Used only on the first start, when the admin account is created. */
  adminPassword?: string;
  /** DNS resolver address ("127.0.0.1" or "127.0.0.1:5353"); undefined = system resolver. */
  dns?: string;
  /**
   * The plain HTTP listener faces the Internet (the appliance's port 80): it answers only ACME
   * HTTP-01 challenges and /healthz and redirects everything else to HTTPS, so the management
   * API is never served in clear. Off (the full API on plain HTTP) in development and tests.
   */
  httpPublic?: boolean;
}

export class BootstrapError extends Error {}

type Env = Record<string, string | undefined>;

/**
 * Reads bootstrap options from flags (`--data-dir DIR`, `--smtp-port N`, …) and
 * environment variables (`PILLARBOX_DATA_DIR`, `PILLARBOX_SMTP_PORT`, …); flags win.
 */
export function parseBootstrap(argv: string[], env: Env = process.env, cwd = process.cwd()): BootstrapOptions {
  const flags = parseFlags(argv);
  const pick = (name: string): string | undefined => {
    const flag = flags.get(name.toLowerCase().replace(/_/g, '-'));
    return flag ?? env[`PILLARBOX_${name}`];
  };
  const ports = {} as Record<ListenerName, number>;
  for (const listener of LISTENERS) {
    const raw = pick(`${listener.toUpperCase()}_PORT`);
    ports[listener] = raw === undefined ? DEVELOPMENT_PORTS[listener] : parsePort(raw, listener);
  }
  const hostname = (pick('HOSTNAME') ?? 'mail.example.test').trim().toLowerCase();
  if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/.test(hostname)) {
    throw new BootstrapError(`PILLARBOX_HOSTNAME: "${hostname}" is not a valid host name`);
  }
  return {
    dataDir: path.resolve(cwd, pick('DATA_DIR') ?? 'data'),
    hostname,
    bind: pick('BIND') ?? '127.0.0.1',
    ports,
    adminPassword: pick('ADMIN_PASSWORD') || undefined,
    dns: pick('DNS') || undefined,
    httpPublic: parseSwitch(pick('HTTP_PUBLIC'), 'HTTP_PUBLIC'),
  };
}

function parseSwitch(raw: string | undefined, name: string): boolean {
  const value = (raw ?? '').trim().toLowerCase();
  if (['', '0', 'no', 'false', 'off'].includes(value)) return false;
  if (['1', 'yes', 'true', 'on'].includes(value)) return true;
  throw new BootstrapError(`PILLARBOX_${name}: "${raw}" is not 1 or 0`);
}

function parsePort(raw: string, listener: string): number {
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new BootstrapError(`PILLARBOX_${listener.toUpperCase()}_PORT: "${raw}" is not a port number (0-65535)`);
  }
  return port;
}

function parseFlags(argv: string[]): Map<string, string> {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) continue;
    const eq = arg.indexOf('=');
    if (eq > 0) {
      flags.set(arg.slice(2, eq), arg.slice(eq + 1));
    } else if (i + 1 < argv.length) {
      flags.set(arg.slice(2), argv[++i]);
    } else {
      throw new BootstrapError(`${arg} needs a value`);
    }
  }
  return flags;
}

/** The domain part of the host name, as the seed's Setup Assistant derives it: mail.example.test → example.test. */
export function domainOfHostname(hostname: string): string | undefined {
  const labels = hostname.split('.');
  return labels.length > 2 ? labels.slice(1).join('.') : undefined;
}
