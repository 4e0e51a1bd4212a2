import type { Pane } from './pane';
import { overviewPane } from './overview';
import { logsPane } from './logs';
import { graphsPane } from './graphs';
import { connectionsPane } from './connections';
import { queuePane } from './queue';

/** The console's panes, one line each; the navigation orders and groups them (pane.ts). */
export const PANES: Pane[] = [
  overviewPane,
  logsPane,
  graphsPane,
  connectionsPane,
  queuePane,
];
