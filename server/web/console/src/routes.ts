/**
 * The console's route table: every pane of issue 14, in navigation order, with its URL.
 * Plain data with no imports: the build (build.mjs) also reads it, and the engine answers
 * the console's page for these paths (and their sub-paths, e.g. /accounts/alice) only.
 * /lists/… belongs to the mailing lists' own web pages, hence /mailing-lists.
 */
export const PANE_PATHS = {
  overview: '/overview',
  logs: '/logs',
  graphs: '/graphs',
  connections: '/connections',
  queue: '/queue',
  relay: '/relay',
  'junk-virus': '/junk-virus',
  settings: '/settings',
  accounts: '/accounts',
  domains: '/domains',
  lists: '/mailing-lists',
  certificates: '/certificates',
  jobs: '/jobs',
  maintenance: '/maintenance',
} as const;

export type PaneId = keyof typeof PANE_PATHS;

/** Where "/" goes. */
export const HOME = PANE_PATHS.overview;

/** The mail user's own page (role USER): its own login and view, outside the panes. */
export const USER_PATH = '/me';
