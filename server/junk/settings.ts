/**
 * The seed's junk mail settings (Server Admin → Mail → Settings → Filters). The lead
 * maps these onto the engine's settings table; JunkStage reads them through a getter
 * so changes apply to the next message without a restart.
 */

/** "Least permissive" flags mildly suspicious mail; "most permissive" only blatant junk. */
export type Permissiveness = 'least' | 'moderate' | 'most';

/** What happens to junk: the seed's Bounced, Deleted, Delivered and Redirected. */
export type JunkAction = 'deliver' | 'bounce' | 'delete' | 'redirect';

export interface JunkSettings {
  /** Scan Email for Junk Mail. */
  junkScanEnabled: boolean;
  junkPermissiveness: Permissiveness;
  junkAction: JunkAction;
  /** Delivered: add junkSubjectTag in front of the subject. */
  junkTagSubject: boolean;
  junkSubjectTag: string;
  /** Delivered: wrap the original in a short report, attached as message/rfc822. */
  junkEncapsulate: boolean;
  /** Redirected: the address that receives junk instead of the recipient. */
  junkRedirectTo: string;
  /** Bounced / Deleted: an address told about each message (the postmaster, usually); empty = nobody. */
  junkNotify: string;
  /** Charset families never marked junk for their encoding alone ("*" = all); see locales.ts. */
  junkAcceptedLanguages: string[];
  /** Country codes never marked junk for their origin alone ("*" = all). */
  junkAcceptedLocales: string[];
  /** Ask SpamAssassin's spamd too: its score adds to the Bayes score. */
  junkSpamdEnabled: boolean;
  /** host:port or a Unix socket path. */
  junkSpamdAddress: string;
}

export const DEFAULT_JUNK_SETTINGS: Readonly<JunkSettings> = {
  // The seed ships with screening off; a filter is only as good as its training.
  junkScanEnabled: false,
  junkPermissiveness: 'moderate',
  // The seed's point: no filter is perfect, so junk is marked and delivered, not lost.
  junkAction: 'deliver',
  junkTagSubject: false,
  junkSubjectTag: '***JUNK MAIL***',
  junkEncapsulate: false,
  junkRedirectTo: '',
  junkNotify: '',
  junkAcceptedLanguages: ['*'],
  junkAcceptedLocales: ['*'],
  junkSpamdEnabled: false,
  junkSpamdAddress: '127.0.0.1:783',
};
