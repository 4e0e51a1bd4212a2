import path from 'node:path';
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { EngineContext } from '../context';
import { MESSAGE_COUNTERS, type MessageCounter } from '../metrics/message-counters';
import { fileSystemRoom, usageByLocation } from '../store/usage';

const PROTOCOLS = ['smtp', 'submission', 'imap', 'pop3', 'sieve', 'http'] as const;
/** The label each counter's label goes under in Prometheus (none for the unlabelled ones). */
const LABEL_NAME: Partial<Record<MessageCounter, string>> = { rejected: 'reason', junk: 'action', virus: 'action', connections: 'protocol' };
/** Counters that are not about messages keep their own name. */
const METRIC_NAME: Partial<Record<MessageCounter, string>> = { connections: 'pillarbox_connections_opened_total' };

/**
 * The engine's metrics in the Prometheus text format (GET /metrics): the message counters
 * since the engine started, and gauges read at scrape time (queue, connections, store, disks,
 * jobs, certificates), with Node's process metrics. One registry per engine.
 */
export class PrometheusMetrics {
  readonly registry = new Registry();

  constructor(private readonly ctx: EngineContext) {
    const registry = this.registry;
    collectDefaultMetrics({ register: registry });
    const counters = new Map<MessageCounter, Counter>();
    for (const name of MESSAGE_COUNTERS) {
      const label = LABEL_NAME[name];
      counters.set(
        name,
        new Counter({ name: METRIC_NAME[name] ?? `pillarbox_messages_${name}_total`, help: HELP[name], labelNames: label ? [label] : [], registers: [registry] }),
      );
    }
    const add = (counter: MessageCounter, label: string, n: number) => {
      const labelName = LABEL_NAME[counter];
      const c = counters.get(counter) as Counter;
      if (labelName) c.inc({ [labelName]: label }, n);
      else c.inc(n);
    };
    for (const { counter, label, value } of ctx.counters.sinceStart()) add(counter, label, value);
    ctx.counters.on('count', add);

    new Gauge({
      name: 'pillarbox_queue_messages',
      help: 'Messages in the queue by state (active: waiting for their first or next attempt now; deferred: waiting to retry; held).',
      labelNames: ['state'],
      registers: [registry],
      collect() {
        for (const [state, n] of Object.entries(ctx.queue.counts())) this.set({ state }, n);
      },
    });
    new Gauge({
      name: 'pillarbox_connections',
      help: 'Open client connections by protocol.',
      labelNames: ['protocol'],
      registers: [registry],
      collect() {
        for (const protocol of PROTOCOLS) this.set({ protocol }, ctx.connections.count(protocol));
      },
    });
    // A pair of gauges filled by one look: the first registered collects for both, since the
    // registry collects in the order of registration.
    const storeMessages: Gauge[] = [];
    new Gauge({
      name: 'pillarbox_store_bytes',
      help: 'Bytes of mail stored per store location.',
      labelNames: ['location'],
      registers: [registry],
      collect() {
        const [messages] = storeMessages;
        this.reset();
        messages.reset();
        const usage = new Map(usageByLocation(ctx.db).map((u) => [u.location, u]));
        for (const location of ['default', ...ctx.settings.get().storeLocations.map((l) => l.name)]) {
          const u = usage.get(location);
          this.set({ location }, u?.bytes ?? 0);
          messages.set({ location }, u?.messages ?? 0);
        }
      },
    });
    storeMessages.push(new Gauge({ name: 'pillarbox_store_messages', help: 'Messages stored per store location.', labelNames: ['location'], registers: [registry] }));
    const diskSize: Gauge[] = [];
    new Gauge({
      name: 'pillarbox_disk_free_bytes',
      help: 'Free bytes (for the engine) on the file system holding the data directory or a store location.',
      labelNames: ['path'],
      registers: [registry],
      async collect() {
        const [size] = diskSize;
        this.reset();
        size.reset();
        const dirs = [ctx.options.dataDir, path.join(ctx.options.dataDir, 'store'), ...ctx.settings.get().storeLocations.map((l) => l.path)];
        for (const dir of new Set(dirs)) {
          const room = await fileSystemRoom(dir).catch(() => undefined);
          if (!room) continue;
          this.set({ path: dir }, room.freeBytes);
          size.set({ path: dir }, room.sizeBytes);
        }
      },
    });
    diskSize.push(new Gauge({ name: 'pillarbox_disk_size_bytes', help: 'Size of the file system holding the data directory or a store location.', labelNames: ['path'], registers: [registry] }));
    new Gauge({
      name: 'pillarbox_disk_reserve_bytes',
      help: 'The free-space reserve (diskReserveMb) below which new mail is refused.',
      registers: [registry],
      collect() {
        this.set(ctx.settings.get().diskReserveMb * 1024 * 1024);
      },
    });
    const jobSuccess: Gauge[] = [];
    new Gauge({
      name: 'pillarbox_job_last_run_timestamp_seconds',
      help: 'When the last finished run of a job ended (Unix time).',
      labelNames: ['name'],
      registers: [registry],
      collect() {
        const [success] = jobSuccess;
        this.reset();
        success.reset();
        for (const job of ctx.jobs.list()) {
          const run = job.lastRun;
          if (!run?.finishedAt || (run.outcome !== 'ok' && run.outcome !== 'failed')) continue;
          this.set({ name: job.name }, run.finishedAt.getTime() / 1000);
          success.set({ name: job.name }, run.outcome === 'ok' ? 1 : 0);
        }
      },
    });
    jobSuccess.push(new Gauge({ name: 'pillarbox_job_last_run_success', help: 'Whether the last finished run of a job succeeded (1) or failed (0).', labelNames: ['name'], registers: [registry] }));
    new Gauge({
      name: 'pillarbox_certificate_expiry_seconds',
      help: 'Seconds until a certificate in the store ends (negative once it has).',
      labelNames: ['certificate', 'id'],
      registers: [registry],
      collect() {
        this.reset();
        const now = Date.now();
        for (const c of ctx.tls.store.list()) if (c.notAfter) this.set({ certificate: c.name, id: c.id }, Math.round((c.notAfter.getTime() - now) / 1000));
      },
    });
    new Gauge({
      name: 'pillarbox_start_time_seconds',
      help: 'When the engine started (Unix time).',
      registers: [registry],
      collect() {
        this.set(ctx.startedAt.getTime() / 1000);
      },
    });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }
}

const HELP: Record<MessageCounter, string> = {
  received: 'Messages accepted by SMTP since the engine started.',
  delivered: 'Copies stored in local mailboxes.',
  relayed: 'Recipients sent to other servers.',
  deferred: 'Recipients whose delivery attempt failed for now.',
  bounced: 'Recipients returned to the sender.',
  rejected: 'Refusals by the SMTP server, by reason.',
  junk: 'Messages found to be junk, by junk action.',
  virus: 'Messages with a virus, by what was done.',
  connections: 'Client connections opened since the engine started, by protocol.',
};
