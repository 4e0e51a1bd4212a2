import type { Pane } from './pane';
import { overviewPane } from './overview';
import { logsPane } from './logs';
import { graphsPane } from './graphs';
import { connectionsPane } from './connections';
import { queuePane } from './queue';
import { accountsPane } from './accounts';
import { jobsPane } from './jobs';
import { domainsPane } from './domains';
import { junkVirusPane } from './junk-virus';
import { maintenancePane } from './maintenance';
import { certificatesPane } from './certificates';
import { listsPane } from './lists';
import { relayPane } from './relay';
import { settingsPane } from './settings';

/** The console's panes, one line each; the navigation orders and groups them (pane.ts). */
export const PANES: Pane[] = [
  overviewPane,
  logsPane,
  graphsPane,
  connectionsPane,
  queuePane,
  relayPane,
  accountsPane,
  jobsPane,
  domainsPane,
  junkVirusPane,
  maintenancePane,
  certificatesPane,
  listsPane,
  settingsPane,
];
