import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { TlsManager } from '../certs/tls-manager';
import type { Directory } from '../directory/directory';
import type { LogHub } from '../logs/logger';
import type { Queue } from '../queue/queue';
import { queueGeneratedMail } from '../queue/generated-mail';
import { targetsFor } from '../queue/targets';
import { rfc5322Date } from '../mail/date';

/** What the certificate jobs use of the engine (jobs/ sits below the engine context). */
export interface CertificateJobContext {
  options: { dataDir: string; hostname: string };
  logs: LogHub;
  tls: TlsManager;
  directory: Directory;
  queue: Queue;
}

/** Days before the end at which the postmaster hears of a certificate; 0: it has ended. */
const THRESHOLDS = [30, 7, 1, 0];
const NOTICES_FILE = 'expiry-notices.json';

/**
 * The expiry watch: a certificate in the store that ends within 30, 7 or 1 days, or has
 * ended, is logged and the postmaster is told, once per threshold and certificate (a renewed
 * certificate is a new one). The engine's own self-signed certificate renews itself and is
 * only reported once it has ended. Returns the notices sent.
 */
export async function watchCertificateExpiry(ctx: CertificateJobContext, now = Date.now()): Promise<string[]> {
  const log = ctx.logs.logger('server');
  const file = path.join(ctx.options.dataDir, 'certs', NOTICES_FILE);
  const sent: Record<string, number[]> = fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, number[]>) : {};
  const current = new Set<string>();
  const notices: string[] = [];
  for (const c of ctx.tls.store.list()) {
    if (!c.notAfter) continue;
    current.add(c.fingerprintSha256);
    const daysLeft = (c.notAfter.getTime() - now) / 86_400_000;
    const reached = THRESHOLDS.filter((d) => daysLeft <= d);
    const threshold = reached[reached.length - 1];
    if (threshold === undefined || (c.engineOwned && threshold > 0)) continue;
    if (sent[c.fingerprintSha256]?.includes(threshold)) continue;
    const what = threshold === 0 ? `has expired (on ${c.notAfter.toISOString()})` : `expires in ${Math.max(0, Math.floor(daysLeft))} days (on ${c.notAfter.toISOString()})`;
    const uses = [...(c.isDefault ? ['the default certificate'] : []), ...c.services.map((s) => `service ${s}`), ...c.domains.map((d) => `domain ${d}`)];
    log.message(threshold === 0 ? 'certificate expired' : 'certificate expiring', { certificate: c.name, id: c.id, notAfter: c.notAfter.toISOString(), uses });
    const text = [
      `The certificate "${c.name}" (${c.altNames.join(', ')}) ${what}.`,
      `It is used by: ${uses.length ? uses.join(', ') : 'nothing at the moment'}.`,
      c.origin === 'acme'
        ? 'It is an ACME certificate: the certificate-renewal job should renew it; see that job\u2019s runs (GraphQL jobRuns) for what went wrong.'
        : 'Renew it (renewSelfSignedCertificate for a self-signed one), or import a new one and choose it for these services.',
    ].join('\r\n\r\n');
    await notifyPostmaster(ctx, `Certificate ${c.name} ${threshold === 0 ? 'has expired' : 'expires soon'}`, text);
    (sent[c.fingerprintSha256] ??= []).push(threshold);
    notices.push(`${c.name}: ${threshold}`);
  }
  // Certificates gone from the store are forgotten.
  for (const fp of Object.keys(sent)) if (!current.has(fp)) delete sent[fp];
  fs.writeFileSync(file + '.tmp', JSON.stringify(sent, null, 2) + '\n', { mode: 0o600 });
  fs.renameSync(file + '.tmp', file);
  return notices;
}

/** A plain-text notice from the server to the postmaster. */
export async function notifyPostmaster(ctx: CertificateJobContext, subject: string, text: string): Promise<void> {
  const host = ctx.options.hostname;
  const targets = targetsFor(ctx.directory, host, 'postmaster');
  if (!targets.length) return;
  const message = [
    `From: Mail Delivery System <MAILER-DAEMON@${host}>`,
    `To: postmaster@${host}`,
    `Subject: ${subject}`,
    `Date: ${rfc5322Date(new Date())}`,
    `Message-ID: <${crypto.randomBytes(12).toString('hex')}@${host}>`,
    'Auto-Submitted: auto-generated',
    'Content-Type: text/plain; charset=utf-8',
    '',
    text,
    '',
  ].join('\r\n');
  await queueGeneratedMail(ctx.queue, {
    sender: '',
    recipients: targets.map((t) => ({ address: t, original: `postmaster@${host}` })),
    client: 'certificate watch',
    content: Buffer.from(message, 'utf8'),
    signDkim: true,
  });
}
