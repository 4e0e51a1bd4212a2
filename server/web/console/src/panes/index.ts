import type { Pane } from './pane';
import { overviewPane } from './overview';
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
