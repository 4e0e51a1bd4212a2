import crypto from 'node:crypto';
import fsp from 'node:fs/promises';
import type { Settings } from '../config/settings-schema';
import type { Directory } from '../directory/directory';
import type { Logger } from '../logs/logger';
import { rfc5322Date } from '../mail/date';
import { type Alert, AlertBoard, type AlertCondition, type AlertKind } from '../metrics/alerts';
import { queueGeneratedMail } from '../queue/generated-mail';
import type { Queue } from '../queue/queue';
import { targetsFor } from '../queue/targets';
import { fileSystemRoom } from '../store/usage';
import type { Scheduler } from './scheduler';

/** How often the conditions are looked at (and at once after an alert setting changes). */
export const ALERT_CHECK_MS = 60_000;
const MB = 1024 * 1024;

/** What the alert checks read (jobs/ sits below the engine context, which holds the virus service). */
export interface AlertSources {
  options: { hostname: string };
  settings: () => Readonly<Settings>;
  queue: Queue;
  jobs: Scheduler;
  directory: Directory;
  /** Every directory mail is written to: the data directory and the store locations. */
  mailPaths: () => string[];
  /** When clamd's virus database was made; undefined when clamd cannot say (unreachable). */
  virusDatabaseDate: () => Promise<Date | undefined>;
}

/**
 * Alerts for the administrator (issue 13): a file system low on space, a long or old queue, a
 * job failing run after run, an old virus database. Each condition is mailed to
 * `alertRecipient` once when it is raised and logged when it clears; the board holds the
 * standing ones for the `alerts` query and subscription.
 */
export class Alerts {
  readonly board = new AlertBoard();
  private timer?: NodeJS.Timeout;
  private checking: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly src: AlertSources,
    private readonly log: Logger,
  ) {}

  start(): void {
    const tick = () => {
      void this.check().catch((err: unknown) => this.log.error('the alert check failed', { error: String(err) }));
      this.timer = setTimeout(tick, ALERT_CHECK_MS);
      this.timer.unref();
    };
    tick();
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.checking.catch(() => undefined);
  }

  /** Looks at every condition now (one check at a time); raises and clears alerts, mails the new ones. */
  check(now = Date.now()): Promise<{ raised: Alert[]; cleared: Alert[] }> {
    const run = this.checking.catch(() => undefined).then(() => this.checkNow(now));
    this.checking = run;
    return run;
  }

  private async checkNow(now: number): Promise<{ raised: Alert[]; cleared: Alert[] }> {
    const found: AlertCondition[] = [];
    const looked: AlertKind[] = [];
    const s = this.src.settings();
    looked.push('disk-space');
    if (s.alertDiskFreeMb > 0) found.push(...(await this.diskSpace(s.alertDiskFreeMb * MB)));
    looked.push('queue-size', 'queue-age');
    found.push(...this.queue(s, now));
    looked.push('job-failing');
    if (s.alertJobFailures > 0) found.push(...this.failingJobs(s.alertJobFailures));
    const virus = await this.virusDatabase(s, now);
    if (virus !== 'unknown') {
      looked.push('virus-database');
      if (virus) found.push(virus);
    }
    const result = this.board.update(found, looked, new Date(now));
    for (const alert of result.raised) {
      this.log.error(`alert: ${alert.summary}`, { alert: alert.key });
      await this.mail(alert).catch((err: unknown) => this.log.error('could not mail an alert', { alert: alert.key, error: String(err) }));
    }
    for (const alert of result.cleared) this.log.message(`alert cleared: ${alert.summary}`, { alert: alert.key });
    return result;
  }

  /** One alert per file system (directories on the same device are named together). */
  private async diskSpace(threshold: number): Promise<AlertCondition[]> {
    const byDevice = new Map<number, string[]>();
    for (const dir of new Set(this.src.mailPaths())) {
      const dev = await fsp.stat(dir).then((st) => st.dev, () => undefined);
      if (dev === undefined) continue;
      byDevice.set(dev, [...(byDevice.get(dev) ?? []), dir]);
    }
    const out: AlertCondition[] = [];
    for (const dirs of byDevice.values()) {
      const room = await fileSystemRoom(dirs[0]).catch(() => undefined);
      if (!room || room.freeBytes >= threshold) continue;
      const free = Math.floor(room.freeBytes / MB);
      out.push({
        key: `disk-space:${dirs[0]}`,
        kind: 'disk-space',
        summary: `low disk space: ${free} MB free for ${dirs[0]}`,
        details: `The file system holding ${dirs.join(', ')} has ${free} MB free of ${Math.floor(room.sizeBytes / MB)} MB, below the alert threshold of ${threshold / MB} MB (setting alertDiskFreeMb). Below the reserve (diskReserveMb) new mail is refused. Free space: remove old log archives (deleteLogArchives), expunge large mailboxes, or move users to another store location.`,
      });
    }
    return out;
  }

  private queue(s: Readonly<Settings>, now: number): AlertCondition[] {
    const out: AlertCondition[] = [];
    const counts = this.src.queue.counts();
    const waiting = counts.active + counts.deferred;
    if (s.alertQueueMessages > 0 && waiting > s.alertQueueMessages) {
      out.push({
        key: 'queue-size',
        kind: 'queue-size',
        summary: `${waiting} messages in the queue`,
        details: `${waiting} messages wait in the queue (${counts.deferred} deferred), more than the alert threshold of ${s.alertQueueMessages} (setting alertQueueMessages). See the queue (GraphQL queue) for their last errors.`,
      });
    }
    const oldest = this.src.queue.oldestWaiting();
    const ageHours = oldest ? (now - oldest.getTime()) / 3_600_000 : 0;
    if (s.alertQueueAgeHours > 0 && oldest && ageHours > s.alertQueueAgeHours) {
      out.push({
        key: 'queue-age',
        kind: 'queue-age',
        summary: `the oldest message in the queue has waited ${Math.floor(ageHours)} hours`,
        details: `The oldest message in the queue was queued at ${oldest.toISOString()}, ${Math.floor(ageHours)} hours ago, longer than the alert threshold of ${s.alertQueueAgeHours} hours (setting alertQueueAgeHours). See the queue (GraphQL queue) for its last error.`,
      });
    }
    return out;
  }

  private failingJobs(times: number): AlertCondition[] {
    const out: AlertCondition[] = [];
    for (const job of this.src.jobs.list()) {
      const finished = this.src.jobs.recentRuns(job.name, times + 1).filter((r) => r.outcome !== 'running');
      const failures = finished.slice(0, times);
      if (failures.length < times || failures.some((r) => r.outcome !== 'failed')) continue;
      out.push({
        key: `job-failing:${job.name}`,
        kind: 'job-failing',
        summary: `job ${job.name} failed ${times} times in a row`,
        details: `The last ${times} runs of the job ${job.name} failed (setting alertJobFailures). The last said: ${failures[0].output || '(nothing)'}. See jobRuns for each run.`,
      });
    }
    return out;
  }

  private async virusDatabase(s: Readonly<Settings>, now: number): Promise<AlertCondition | undefined | 'unknown'> {
    if (!s.virusScanEnabled || s.alertVirusDatabaseAgeDays <= 0) return undefined;
    const date = await this.src.virusDatabaseDate().catch(() => undefined);
    if (!date) return 'unknown';
    const days = (now - date.getTime()) / 86_400_000;
    if (days <= s.alertVirusDatabaseAgeDays) return undefined;
    return {
      key: 'virus-database',
      kind: 'virus-database',
      summary: `the virus database is ${Math.floor(days)} days old`,
      details: `clamd's virus database dates from ${date.toISOString()}, ${Math.floor(days)} days ago, older than the alert threshold of ${s.alertVirusDatabaseAgeDays} days (setting alertVirusDatabaseAgeDays). See the virus-database update job's runs (jobRuns) and virusStatus.`,
    };
  }

  private async mail(alert: Alert): Promise<void> {
    const to = this.src.settings().alertRecipient;
    if (!to) return;
    const host = this.src.options.hostname;
    const targets = targetsFor(this.src.directory, host, to);
    if (!targets.length) return;
    const original = to.includes('@') ? to : `${to}@${host}`;
    const message = [
      `From: Mail Server Alerts <MAILER-DAEMON@${host}>`,
      `To: ${original}`,
      `Subject: Alert: ${alert.summary}`,
      `Date: ${rfc5322Date(alert.raisedAt)}`,
      `Message-ID: <${crypto.randomBytes(12).toString('hex')}@${host}>`,
      'Auto-Submitted: auto-generated',
      'Content-Type: text/plain; charset=utf-8',
      '',
      alert.details,
      '',
      'You are told once; the alert clears by itself when the condition is over (GraphQL: alerts).',
      '',
    ].join('\r\n');
    await queueGeneratedMail(this.src.queue, {
      sender: '',
      recipients: targets.map((t) => ({ address: t, original })),
      client: 'alerts',
      content: Buffer.from(message, 'utf8'),
      signDkim: true,
    });
  }
}
