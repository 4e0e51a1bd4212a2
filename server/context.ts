import type { BootstrapOptions } from './config/bootstrap';
import type { SettingsService } from './config/settings';
import type { ChangedSettings } from './config/settings-schema';
import type { Db } from './db/database';
import type { Accounts } from './directory/accounts';
import type { AdminAccounts } from './directory/admins';
import type { Directory } from './directory/directory';
import type { UserEvents } from './directory/user-events';
import type { UserSessions } from './directory/user-sessions';
import type { TlsManager } from './certs/tls-manager';
import type { ConnectionRegistry } from './net/connections';
import type { Listener } from './net/listener';
import type { AuthThrottle } from './net/auth-throttle';
import type { LogHub } from './logs/logger';
import type { MailStore } from './store/store';
import type { Queue } from './queue/queue';
import type { SieveScripts } from './sieve/scripts';
import type { Firmware } from './firmware/firmware';
import type { Scheduler } from './jobs/scheduler';
import type { JunkFilter } from './junk/filter';
import type { UserJunkSettings } from './junk/user-preferences';
import type { UserJunkTables } from './junk/user-tables';
import type { JunkMailboxLearning } from './jobs/junk-mailbox-learning';
import type { VirusService } from './virus/virus-service';
import type { DkimKeys } from './outbound/dkim-keys';
import type { RelayCredentials } from './outbound/relay-credentials';
import type { ActivityTracker } from './metrics/activity';
import type { EventLoopWatchdog } from './metrics/event-loop-watchdog';
import type { MessageCounters } from './metrics/message-counters';
import type { Alerts } from './jobs/alerts';
import type { DiskReserve } from './db/disk-reserve';
import type { LogArchives } from './logs/log-archive';
import type { Backups } from './backup/backups';
import type { RestoreService } from './backup/restore-service';
import type { MigrationService } from './migration/migration-service';
import type { MailingLists } from './lists/lists';

/** The services every protocol server and the management API are built from. */
export interface EngineContext {
  options: BootstrapOptions;
  db: Db;
  settings: SettingsService;
  directory: Directory;
  accounts: Accounts;
  admins: AdminAccounts;
  /** Mail users' API sessions (the GraphQL USER role). */
  userSessions: UserSessions;
  /** What concerns each mail user, as it happens (the USER role's `myEvents` subscription). */
  userEvents: UserEvents;
  store: MailStore;
  queue: Queue;
  /** Users' Sieve scripts, global scripts and vacation memory. */
  sieve: SieveScripts;
  /** System update and factory-reset requests for the appliance's firmware agent. */
  firmware: Firmware;
  /** DKIM keys per domain (outbound signing, the DNS records in GraphQL). */
  dkim: DkimKeys;
  /** The relay host password (sealed in the secrets directory). */
  relayCredentials: RelayCredentials;
  tls: TlsManager;
  /** The free-space reserve below which new mail is refused (setting `diskReserveMb`). */
  diskReserve: DiskReserve;
  connections: ConnectionRegistry;
  authThrottle: AuthThrottle;
  logs: LogHub;
  /** Archived (compressed) logs: the log-archive job, listing, removal, download. */
  logArchives: LogArchives;
  /** Backups into the backupDirectory setting's backup set (the backup job, GraphQL, the download). */
  backups: Backups;
  /** restoreBackup: restores a backup over this data directory, then the engine restarts. */
  restore: RestoreService;
  startedAt: Date;
  /** Scheduled maintenance jobs (junk training, virus database updates) and their runs. */
  jobs: Scheduler;
  /** The Bayesian junk filter (scoring, learning, statistics). */
  junkFilter: JunkFilter;
  /** Users' own token tables (setting junkTokenTables = per-user). */
  junkTables: UserJunkTables;
  /** Users' own junk levels and allowed and blocked senders. */
  userJunk: UserJunkSettings;
  /** The filter learning from users' filing into and out of Junk, and their $Junk/$NotJunk keywords. */
  junkLearning: JunkMailboxLearning;
  /** ClamAV: scanning stage, quarantine, clamd status. */
  virus: VirusService;
  /** What each session, request, delivery and job is doing now (labels for the watchdog). */
  activities: ActivityTracker;
  /** Messages received, delivered, relayed, deferred, bounced, rejected, junk, viruses: per minute, 30 days. */
  counters: MessageCounters;
  /** Alerts for the administrator: low disk, long or old queue, failing jobs, old virus database. */
  alerts: Alerts;
  /** Event-loop stalls: logged with the activities running, counted in `watchdog.stats`. */
  watchdog: EventLoopWatchdog;
  /** Imports from other servers (IMAP, Maildir, mbox) as background runs with progress. */
  migrations: MigrationService;
  /** Mailing lists: their addresses, posts, commands, members and moderation. */
  lists: MailingLists;
  /** Listener name → bound port, filled in as listeners start. */
  ports: Record<string, number>;
  /**
   * Listener name → the open listener, filled in and cleared with `ports`: `adopt` hands it a
   * connection made in this process (the fuzz harness's in-memory sockets), which then takes the
   * path an accepted TCP connection takes.
   */
  listeners: Map<string, Pick<Listener, 'adopt'>>;
  /** The listeners the settings call for, as each service says (for status displays). */
  wantedListeners(): Set<string>;
}

/**
 * The settings one update changed, as the engine hands them to each service's reconfigure
 * (the one path by which settings changes reach services; a key misspelt does not compile).
 */
export type { ChangedSettings } from './config/settings-schema';

/** A protocol service: owns its listeners, follows settings, stops gracefully. */
export interface Service {
  readonly name: string;
  /** The listeners the current settings call for (what start/reconfigure bring about). */
  wantedListeners(): string[];
  start(): Promise<void>;
  /** Applies changed settings to live listeners without dropping sessions. */
  reconfigure?(changed: ChangedSettings): Promise<void> | void;
  stop(): Promise<void>;
}
