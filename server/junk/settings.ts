import { type JunkAction, type Permissiveness, type Settings, defaultSettings } from '../config/settings-schema';

/**
 * The seed's junk mail settings (Server Admin → Mail → Settings → Filters): the part of the
 * engine's settings table (server/config/settings-schema.ts, their one declaration) that the
 * junk stage reads, through a getter so changes apply to the next message without a restart.
 */
export type { JunkAction, Permissiveness };

export type JunkSettings = Pick<
  Settings,
  | 'junkScanEnabled'
  | 'junkPermissiveness'
  | 'junkAction'
  | 'junkTagSubject'
  | 'junkSubjectTag'
  | 'junkEncapsulate'
  | 'junkRedirectTo'
  | 'junkNotify'
  | 'junkAcceptedLanguages'
  | 'junkAcceptedLocales'
  | 'junkSpamdEnabled'
  | 'junkSpamdAddress'
>;

/** The table's defaults (screening off, as the seed ships), for tools and tests that run the stage alone. */
export const DEFAULT_JUNK_SETTINGS: Readonly<JunkSettings> = defaultSettings();
