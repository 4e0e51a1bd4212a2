import type { Pane } from './pane';
import { overviewPane } from './overview';

/** The console's panes, one line each; the navigation orders and groups them (pane.ts). */
export const PANES: Pane[] = [
  overviewPane,
];
