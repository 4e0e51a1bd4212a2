import type { CertStore } from '../certs/cert-store';
import type { BootstrapOptions } from '../config/bootstrap';
import type { SettingsService } from '../config/settings';
import type { Directory } from '../directory/directory';
import type { MessageCounters } from '../metrics/message-counters';
import type { Queue } from '../queue/queue';
import type { DkimKeys } from './dkim-keys';
import type { RelayCredentials } from './relay-credentials';

/**
 * The services outbound mail uses: the engine context (server/context.ts) narrowed, since
 * that context holds this folder's DKIM keys and relay credentials and so sits above it.
 */
export interface OutboundContext {
  options: BootstrapOptions;
  settings: SettingsService;
  directory: Directory;
  queue: Queue;
  dkim: DkimKeys;
  relayCredentials: RelayCredentials;
  /** The certificates, for the TLSA record and the client host names the DNS report suggests. */
  tls: { store: Pick<CertStore, 'idForServerName' | 'idForService' | 'get' | 'domainCertificateNames'> };
  counters: MessageCounters;
  /** The listeners' ports, for the SRV records mail clients look up. */
  ports: Record<string, number | undefined>;
}
