import type { ComponentType } from 'react';
import { PANE_PATHS, type PaneId } from '../routes';

/** The navigation's groups, in the order of the seed's Server Admin. */
export const GROUPS = ['Status', 'Mail', 'Users', 'Server'] as const;
export type Group = (typeof GROUPS)[number];

/** Navigation order: that of the route table. */
export const PANE_ORDER = Object.keys(PANE_PATHS) as PaneId[];

/**
 * One pane: its file exports this and panes/index.ts lists it. Its URL is PANE_PATHS[id];
 * sub-paths reach the same pane (wouter's nested routes: inside it, "/alice" is
 * /accounts/alice).
 */
export interface Pane {
  id: PaneId;
  title: string;
  group: Group;
  component: ComponentType;
}

export const pathOf = (pane: Pane): string => PANE_PATHS[pane.id];
