import fs from 'node:fs';
import path from 'node:path';
import { type BootstrapOptions, domainOfHostname } from './config/bootstrap';
import { SettingsService } from './config/settings';
import { prepareDataDir } from './config/data-dir';
import { openDatabase } from './db/database';
import { GroupCommit } from './db/group-commit';
import { Accounts } from './directory/accounts';
import { AdminAccounts } from './directory/admins';
import { UserEvents } from './directory/user-events';
import { UserSessions } from './directory/user-sessions';
import { UserJunkSettings } from './junk/user-preferences';
import { UserJunkTables } from './junk/user-tables';
import { Directory } from './directory/directory';
import { PasswordVault, generatePassword } from './directory/passwords';
import { TlsManager } from './certs/tls-manager';
import { ConnectionRegistry } from './net/connections';
import { AuthThrottle } from './net/auth-throttle';
import { LogHub, type LogService, type Logger } from './logs/logger';
import { MailStore } from './store/store';
import { Queue } from './queue/queue';
import { LocalDelivery } from './delivery/local-delivery';
import { JunkFilter } from './junk/filter';
import { JunkMailboxLearning } from './jobs/junk-mailbox-learning';
import { RemoteDelivery } from './outbound/remote-delivery';
import { DkimKeys } from './outbound/dkim-keys';
import { RelayCredentials } from './outbound/relay-credentials';
import { SmtpService } from './smtp/smtp-service';
import { ImapService } from './imap/imap-service';
import { Pop3Service } from './pop3/pop3-service';
import { WebService } from './web/web-service';
import { SieveScripts } from './sieve/scripts';
import { ManageSieveService } from './managesieve/managesieve-service';
import { Firmware } from './firmware/firmware';
import type { ChangedSettings, EngineContext, Service } from './context';
import type { SettingKey } from './config/settings-schema';
import { Scheduler } from './jobs/scheduler';
import { vacationPruningJob } from './jobs/vacation-pruning';
import { logArchiveJob } from './jobs/log-archive';
import { LogArchives } from './logs/log-archive';
import { Backups } from './backup/backups';
import { finishPendingRestore, readRestoreStatus, type RestoreStatus } from './backup/restore-in-place';
import { RestoreService } from './backup/restore-service';
import { backupJob } from './jobs/backup';
import { RunLog } from './jobs/run-log';
import { junkTrainingJob } from './jobs/junk-training';
import { certificateRenewalJob } from './jobs/certificate-renewal';
import { repairJob } from './maintenance/repair-job';
import { watchCertificateExpiry } from './jobs/certificate-expiry';
import { VirusService } from './virus/virus-service';
import { ActivityTracker } from './metrics/activity';
import { EventLoopWatchdog } from './metrics/event-loop-watchdog';
import { MessageCounters } from './metrics/message-counters';
import { Alerts } from './jobs/alerts';
import { LazyEndpoint } from './web/lazy-endpoint';
import { inboundAuthSteps } from './smtp/inbound-auth';
import { inTurns, moduleSteps } from './net/turns';
import { DiskReserve } from './db/disk-reserve';
import { MigrationService } from './migration/migration-service';
import { MailingLists } from './lists/lists';
import { listBounceJob, listDigestJob, listModerationJob } from './lists/jobs';
import dns from 'node:dns';
import { DnsCache } from './net/dns-cache';
import { dnsServerAddress } from './outbound/mx-resolver';

export interface EngineOptions {
  /** Print log lines on stderr (the CLI does; tests do not). */
  echoLogs?: boolean;
  /** Called once with the admin password generated on the first start. */
  onFirstStart?: (info: { username: string; password: string; generated: boolean }) => void;
  /**
   * Called once a restore (restoreBackup) has stopped the engine and restored the backup or
   * given up: the process should end for its supervisor to start it again. Without it the
   * engine stays stopped.
   */
  onRestoreFinished?: (outcome: RestoreStatus) => void;
}

/**
 * The composition root (the one file in server/ that may import graphql/): builds every service over one database and data directory,
 * starts the listeners, writes run/ports.json, and stops in order on SIGTERM.
 */
export class Engine {
  readonly ctx: EngineContext;
  private readonly services: Service[] = [];
  private readonly log: Logger;
  private stopping?: Promise<void>;
  private readonly junkFilter: JunkFilter;
  private readonly remoteDelivery: RemoteDelivery;

  constructor(
    options: BootstrapOptions,
    private readonly engineOptions: EngineOptions = {},
  ) {
    const dataDir = options.dataDir;
    // A restore decided before a crash or a restart is finished before anything opens the store.
    const restoreFinished = finishPendingRestore(dataDir);
    const tightened = prepareDataDir(dataDir);
    const db = openDatabase(path.join(dataDir, 'db', 'pillarbox.db'));
    const settings = new SettingsService(db);
    const logs = new LogHub(path.join(dataDir, 'logs'), engineOptions.echoLogs ? (line) => process.stderr.write(line + '\n') : undefined);
    const directory = new Directory(db, () => settings.get(), new PasswordVault(path.join(dataDir, 'secrets')));
    const commits = new GroupCommit(db);
    const store = new MailStore(db, commits, path.join(dataDir, 'store'), () => settings.get().storeLocations);
    const domain = domainOfHostname(options.hostname);
    const tls = new TlsManager(path.join(dataDir, 'certs'), options.hostname, domain ? [domain] : [], () => settings.get(), () => [
      options.hostname,
      ...directory.domains().map((d) => d.name),
    ]);
    const connections = new ConnectionRegistry();
    const serverLog = logs.logger('server');
    const diskReserve = new DiskReserve(
      () => [dataDir, path.join(dataDir, 'store'), ...settings.get().storeLocations.map((l) => l.path)],
      () => settings.get().diskReserveMb * 1024 * 1024,
      (below, room) =>
        below
          ? serverLog.error('free space is below the reserve: new mail is refused until space is freed', { path: room.path, freeMb: Math.floor(room.freeBytes / 2 ** 20), reserveMb: room.reserveBytes / 2 ** 20 })
          : serverLog.message('free space is above the reserve again: new mail is accepted', { path: room.path, freeMb: Math.floor(room.freeBytes / 2 ** 20) }),
    );
    const authThrottle = new AuthThrottle(() => settings.get(), {
      logs,
      // A user's addresses and aliases are one account; management accounts are a separate namespace.
      canonical: (service, name) =>
        service === 'graphql' ? `management:${name.trim().toLowerCase()}` : directory.loginUser(name)?.shortName ?? name.trim().toLowerCase(),
    });
    const junkTables = new UserJunkTables(dataDir);
    const accounts = new Accounts(directory, store, db, junkTables);
    const admins = new AdminAccounts(db);
    const counters = new MessageCounters(db);
    connections.on('open', (conn: { protocol: string }) => counters.count('connections', conn.protocol));
    counters.on('error-writing', (err: unknown) => serverLog.error('could not write the message counters; they are kept for the next minute', { error: String(err) }));
    const queue = new Queue(db, commits, path.join(dataDir, 'spool'), () => settings.get(), logs.logger('smtp'), counters);
    this.junkFilter = JunkFilter.open(dataDir);
    const activities = new ActivityTracker();
    const ctx: Omit<EngineContext, 'virus' | 'alerts' | 'restore'> & { virus?: VirusService; alerts?: Alerts; restore?: RestoreService } = {
      options,
      db,
      settings,
      directory,
      accounts,
      admins,
      userSessions: new UserSessions(db, directory),
      userEvents: new UserEvents(store, directory.appPasswords),
      userJunk: new UserJunkSettings(db),
      store,
      queue,
      sieve: new SieveScripts(db, () => settings.get()),
      firmware: new Firmware(dataDir, logs.logger('server')),
      dkim: new DkimKeys(db, path.join(dataDir, 'secrets', 'dkim')),
      relayCredentials: new RelayCredentials(path.join(dataDir, 'secrets')),
      tls,
      diskReserve,
      connections,
      authThrottle,
      logs,
      logArchives: new LogArchives(logs, path.join(dataDir, 'logs')),
      backups: new Backups(dataDir, () => settings.get(), logs.logger('server')),
      startedAt: new Date(),
      ports: {},
      listeners: new Map(),
      jobs: new Scheduler(new RunLog(db), () => settings.get(), logs.logger('jobs'), activities),
      junkFilter: this.junkFilter,
      junkTables,
      junkLearning: new JunkMailboxLearning(store, { global: this.junkFilter, users: junkTables }, settings, logs.logger('junk'), activities),
      wantedListeners: () => new Set(),
      activities,
      counters,
      watchdog: new EventLoopWatchdog(activities, logs.logger('server')),
      migrations: new MigrationService({ db, store, directory, diskReserve, log: logs.logger('server') }),
      lists: new MailingLists({ db, queue, directory, settings: () => settings.get(), log: logs.logger('lists'), hostname: options.hostname, resolveTxt: engineTxtResolver(options.dns) }),
    };
    ctx.virus = new VirusService(ctx as EngineContext, logs.logger('junk'));
    ctx.alerts = new Alerts(
      {
        options,
        settings: () => settings.get(),
        queue,
        jobs: ctx.jobs,
        directory,
        mailPaths: () => [dataDir, path.join(dataDir, 'store'), ...settings.get().storeLocations.map((l) => l.path)],
        virusDatabaseDate: async () => {
          const date = (await (ctx.virus as VirusService).status()).databaseDate;
          const t = date ? Date.parse(date) : NaN;
          return Number.isNaN(t) ? undefined : new Date(t);
        },
      },
      serverLog,
    );
    ctx.restore = new RestoreService(dataDir, ctx.backups, serverLog, {
      stopEngine: () => this.stop(),
      restart: (outcome) => this.engineOptions.onRestoreFinished?.(outcome),
    });
    this.ctx = ctx as EngineContext;
    this.log = logs.logger('server');
    if (restoreFinished) this.log.message('finished moving a restored backup into place', { status: readRestoreStatus(dataDir) });
    if (tightened.length) this.log.message('made files of the data directory owner-only', { files: tightened });
    this.applyLogLevels();
    this.ctx.jobs.register(junkTrainingJob(this.ctx, { global: this.junkFilter, users: this.ctx.junkTables }));
    this.ctx.jobs.register(vacationPruningJob(this.ctx));
    this.ctx.jobs.register(logArchiveJob(this.ctx.logArchives, () => this.ctx.settings.get()));
    this.ctx.jobs.register(backupJob(this.ctx.backups, () => this.ctx.settings.get()));
    this.ctx.jobs.register(certificateRenewalJob(this.ctx));
    this.ctx.jobs.register(listBounceJob(this.ctx.lists));
    this.ctx.jobs.register(listDigestJob(this.ctx.lists));
    this.ctx.jobs.register(listModerationJob(this.ctx.lists));
    this.ctx.jobs.register(
      repairJob({ db, dbFile: path.join(dataDir, 'db', 'pillarbox.db'), store, lostAndFound: path.join(dataDir, 'lost+found'), log: logs.logger('jobs') }),
    );
    this.ctx.virus.register(this.ctx.jobs);
    const localDelivery = new LocalDelivery(this.ctx, logs.logger('smtp'));
    this.remoteDelivery = localDelivery.remote = new RemoteDelivery(this.ctx, logs.logger('smtp'));
    queue.setProcessor(localDelivery);
    this.web = new WebService(this.ctx, (log) => (this.api = graphqlEndpoint(this.ctx, log)));
    this.services.push(new SmtpService(this.ctx), new ImapService(this.ctx), new Pop3Service(this.ctx), new ManageSieveService(this.ctx), this.web);
    this.ctx.wantedListeners = () => new Set(this.services.flatMap((s) => s.wantedListeners()));
  }

  async start(): Promise<Record<string, number>> {
    const { options, directory, admins, settings } = this.ctx;
    // At a first start the certificate's key is being made on the thread pool meanwhile. Its
    // failure (a full disk) fails start() below; the guard keeps it from being unhandled if an
    // earlier step fails first.
    const certificates = this.ctx.tls.store.ready();
    certificates.catch(() => undefined);
    this.ctx.watchdog.start();
    directory.ensureDefaults(options.hostname, domainOfHostname(options.hostname));
    if (admins.count() === 0) {
      const password = options.adminPassword ?? generatePassword();
      await admins.create('admin', password, 'admin');
      this.engineOptions.onFirstStart?.({ username: 'admin', password, generated: !options.adminPassword });
      this.log.message('first start: created the admin account', { username: 'admin' });
    }
    // Settings may have changed since construction (a tool or test set them before start).
    this.applyLogLevels();
    settings.on('change', (changed: SettingKey[]) => void this.reconfigure(new Set(changed)));
    await this.ctx.queue.start();
    this.ctx.counters.start();
    this.ctx.migrations.markInterrupted();
    await certificates;
    for (const service of this.services) await service.start();
    this.writePorts();
    // The listeners answer from here on (docs/benchmarks.md, startup). What no session needs
    // first follows a piece per turn of the event loop, so that a client connecting meanwhile
    // waits for one piece at most: the jobs' timers (node-cron works out their next runs), the
    // well-known CAs, and what the first message and the first API request need, so that neither
    // stalls a session later. start() returns once all of it has run (or a stop began).
    await inTurns([
      () => this.ctx.jobs.start(),
      () => this.ctx.alerts.start(),
      () => this.ctx.store.textIndex.start(),
      () => this.watchCertificates(),
      () => this.ctx.tls.store.warmUp(),
      // prom-client's registry, made at its first read.
      () => this.web.metrics.metrics,
      ...inboundAuthSteps(),
      ...moduleSteps(GRAPHQL_LIBRARIES),
      () => this.api?.load(),
    ], () => this.stopping !== undefined);
    this.log.message('engine ready', { hostname: options.hostname, ports: this.ctx.ports });
    return this.ctx.ports;
  }

  /** Watches the certificates' expiry now and twice a day, and renews the engine's own one when due. */
  private watchCertificates(): void {
    const watchExpiry = () =>
      void watchCertificateExpiry(this.ctx).catch((err: unknown) => this.log.error('the certificate expiry watch failed', { error: String(err) }));
    watchExpiry();
    this.certificateCheck = setInterval(() => {
      void this.ctx.tls.renewSelfSignedIfDue().then(
        (renewed) => renewed && this.log.message('made the engine\'s self-signed certificate anew: the old one was ending'),
        (err: unknown) => this.log.error('could not renew the engine\'s self-signed certificate', { error: String(err) }),
      );
      watchExpiry();
    }, 12 * 3600_000);
    this.certificateCheck.unref();
  }

  /** SIGHUP: re-read settings from the database and re-apply them everywhere. */
  async reload(): Promise<void> {
    this.log.message('reload requested');
    await this.reconfigure(new Set(Object.keys(this.ctx.settings.get()) as SettingKey[]));
  }

  stop(): Promise<void> {
    this.stopping ??= this.doStop();
    return this.stopping;
  }

  /** For command-line tools that used the services without starting the engine. */
  async close(): Promise<void> {
    await this.ctx.sieve.close();
    this.ctx.junkLearning.stop();
    await this.ctx.logs.close();
    this.junkFilter.close();
    this.ctx.junkTables.close();
    this.ctx.db.close();
  }

  private async doStop(): Promise<void> {
    this.log.message('stopping');
    await this.ctx.migrations.stop();
    await this.ctx.jobs.stop();
    await this.ctx.alerts.stop();
    await Promise.all([...this.services].reverse().map((s) => s.stop().catch((err) => this.log.error(`stopping ${s.name} failed`, { error: String(err) }))));
    await this.ctx.queue.stop();
    await this.ctx.store.textIndex.stop();
    this.ctx.counters.stop();
    // After the queue: no delivery is waiting for a Sieve run any more.
    await this.ctx.sieve.close();
    clearTimeout(this.portsRetry);
    clearInterval(this.certificateCheck);
    this.ctx.watchdog.stop();
    fs.rmSync(path.join(this.ctx.options.dataDir, 'run', 'ports.json'), { force: true });
    this.log.message('stopped');
    this.ctx.junkLearning.stop();
    await this.ctx.logs.close();
    this.junkFilter.close();
    this.ctx.junkTables.close();
    this.ctx.db.close();
  }

  /** The one path by which settings changes reach the services (settings `change` and SIGHUP). */
  private async reconfigure(changed: ChangedSettings): Promise<void> {
    this.applyLogLevels();
    this.ctx.tls.reconfigure([...changed]);
    this.ctx.jobs.reconfigure(changed);
    this.ctx.virus.settingsChanged([...changed], this.ctx.jobs);
    this.remoteDelivery.settingsChanged(changed);
    if ([...changed].some((k) => k.startsWith('alert') || k === 'virusScanEnabled' || k === 'storeLocations')) {
      void this.ctx.alerts.check().catch((err: unknown) => this.log.error('the alert check failed', { error: String(err) }));
    }
    for (const service of this.services) {
      try {
        await service.reconfigure?.(changed);
      } catch (err) {
        this.log.error(`${service.name} could not apply new settings`, { error: String(err) });
      }
    }
    if (!this.stopping) this.writePorts();
  }

  /**
   * run/ports.json: the ports every listener is bound to, rewritten when a listener moves.
   * A full disk must not keep the engine from running: it tries again every few seconds.
   */
  private writePorts(): void {
    clearTimeout(this.portsRetry);
    const portsFile = path.join(this.ctx.options.dataDir, 'run', 'ports.json');
    try {
      fs.writeFileSync(portsFile + '.tmp', JSON.stringify(this.ctx.ports, null, 2) + '\n');
      fs.renameSync(portsFile + '.tmp', portsFile);
    } catch (err) {
      fs.rmSync(portsFile + '.tmp', { force: true });
      this.log.error('could not write run/ports.json; trying again in 5 s', { error: String(err) });
      this.portsRetry = setTimeout(() => {
        if (!this.stopping) this.writePorts();
      }, 5_000);
      this.portsRetry.unref();
    }
  }

  private api?: LazyEndpoint;
  private readonly web: WebService;
  private portsRetry?: NodeJS.Timeout;
  private certificateCheck?: NodeJS.Timeout;

  private applyLogLevels(): void {
    const s = this.ctx.settings.get();
    for (const [service, key] of LOG_LEVEL_SETTINGS) this.ctx.logs.setLevel(service, s[key]);
  }
}

/**
 * Which setting sets each log's detail level. The audit trail has none: every mutation is
 * written whatever the levels say.
 */
const LOG_LEVEL_SETTINGS: [LogService, 'logLevelServer' | 'logLevelSmtp' | 'logLevelImapPop' | 'logLevelJunk' | 'logLevelJobs'][] = [
  ['server', 'logLevelServer'],
  ['web', 'logLevelServer'],
  ['smtp', 'logLevelSmtp'],
  ['imap', 'logLevelImapPop'],
  ['pop', 'logLevelImapPop'],
  ['sieve', 'logLevelImapPop'],
  ['junk', 'logLevelJunk'],
  ['jobs', 'logLevelJobs'],
  ['lists', 'logLevelServer'],
];

/** The libraries of the GraphQL layer, loaded one per turn before the layer itself (Engine.start). */
const GRAPHQL_LIBRARIES = ['graphql', 'reflect-metadata', 'type-graphql', 'graphql-scalars', '@apollo/server', 'ws', 'graphql-ws/use/ws'];

/** The GraphQL API, loaded with its libraries and schema right after start-up or at its first request (LazyEndpoint). */
function graphqlEndpoint(ctx: EngineContext, log: Logger): LazyEndpoint {
  return new LazyEndpoint(async () => new (await import('../graphql/transport/endpoint')).GraphqlEndpoint(ctx, log));
}

/** TXT look-ups through the engine's resolver (PILLARBOX_DNS when set), with a cache (the lists' DMARC policies). */
function engineTxtResolver(server: string | undefined): (name: string, type: string) => Promise<string[][]> {
  const resolver = new dns.promises.Resolver({ timeout: 5000, tries: 2 });
  if (server) resolver.setServers([dnsServerAddress(server)]);
  const cache = new DnsCache((name, type) => resolver.resolve(name, type));
  return (name, type) => cache.resolve(name, type) as Promise<string[][]>;
}
