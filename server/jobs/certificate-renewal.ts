import type { JobDefinition } from './scheduler';
import { type CertificateJobContext, notifyPostmaster } from './certificate-expiry';

export const CERTIFICATE_RENEWAL_JOB = 'certificate-renewal';

/** A failed renewal is tried again after an hour, then 2, 4, 8 and 16 hours (and at every scheduled run). */
export const RENEWAL_RETRY = { firstDelayMs: 3600_000, maxDelayMs: 16 * 3600_000 };

/**
 * Orders ACME certificates that end within 30 days again. A certificate whose order fails
 * stays in service (it is replaced only by a complete new one) and is tried again with
 * back-off (RENEWAL_RETRY) and at the next scheduled run; the run is recorded as failed,
 * with the CA's answer, until every one succeeds. The postmaster hears of a failure once
 * per streak of failed runs, not at every retry.
 */
export function certificateRenewalJob(ctx: CertificateJobContext): JobDefinition {
  const log = ctx.logs.logger('server');
  return {
    name: CERTIFICATE_RENEWAL_JOB,
    description: 'Renews ACME certificates that end within 30 days (from the CA of the acmeDirectoryUrl setting).',
    scheduleSetting: 'certificateRenewalSchedule',
    retry: RENEWAL_RETRY,
    run: async (signal, control) => {
      const renewed: string[] = [];
      const failed: string[] = [];
      for (const id of ctx.tls.acme.due()) {
        if (signal.aborted) break;
        try {
          const cert = await ctx.tls.acme.renew(id);
          renewed.push(cert.name);
          log.message('ACME certificate renewed', { certificate: cert.name, id, notAfter: cert.notAfter?.toISOString() });
        } catch (err) {
          failed.push(`${ctx.tls.store.get(id).name}: ${(err as Error).message}`);
          log.error('ACME certificate renewal failed; the current certificate stays in service', { id, error: (err as Error).message });
        }
      }
      if (failed.length) {
        const summary = `renewed ${renewed.length}, failed ${failed.length}: ${failed.join('; ')}`;
        if (control.trigger === 'retry') throw new Error(summary);
        await notifyPostmaster(
          ctx,
          'Certificate renewal failed',
          `The certificate-renewal job could not renew ${failed.length === 1 ? 'a certificate' : `${failed.length} certificates`}; the current ones stay in service until they end, and the job tries again in an hour, then less and less often, and at its next scheduled run.\r\n\r\n${failed.join('\r\n\r\n')}`,
        ).catch((err: unknown) => log.error('could not tell the postmaster about the failed renewal', { error: String(err) }));
        throw new Error(summary);
      }
      return renewed.length ? `renewed ${renewed.join(', ')}` : 'no ACME certificate ends within 30 days';
    },
  };
}
