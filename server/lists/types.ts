/** What happens to a post from an address that is not a member (Mailman's generic_nonmember_action). */
export type NonMemberAction = 'accept' | 'hold' | 'reject' | 'discard';
/** What a sender rule does with a non-member's post (Mailman's accept/hold/reject/discard_these_nonmembers). */
export type SenderAction = NonMemberAction;
export const SENDER_ACTIONS: readonly SenderAction[] = ['accept', 'hold', 'reject', 'discard'];
/** A per-list rule for non-members' posts: `pattern` is an exact address or, starting with "^", a regular expression. */
export interface SenderRule {
  pattern: string;
  action: SenderAction;
}
/** What happens to a post content filtering leaves empty (Mailman's filter_action). */
export type FilterAction = 'hold' | 'reject' | 'discard';
export const FILTER_ACTIONS: readonly FilterAction[] = ['hold', 'reject', 'discard'];
/** What a list does with posts from DMARC-strict domains (Mailman's dmarc_moderation_action). */
export type DmarcMitigation = 'none' | 'munge-from' | 'wrap';
export const DMARC_MITIGATIONS: readonly DmarcMitigation[] = ['none', 'munge-from', 'wrap'];
/** Where replies go: to the poster (the message's own Reply-To) or to the list. */
export type ReplyToPolicy = 'poster' | 'list';
export const REPLY_TO_POLICIES: readonly ReplyToPolicy[] = ['poster', 'list'];
export const NON_MEMBER_ACTIONS: readonly NonMemberAction[] = ['accept', 'hold', 'reject', 'discard'];
/** Who may ask for the member roster with the `who` command. */
export type RosterVisibility = 'public' | 'members' | 'owners';
export const ROSTER_VISIBILITIES: readonly RosterVisibility[] = ['public', 'members', 'owners'];
export type DeliveryState = 'enabled' | 'by-member' | 'by-owner' | 'by-bounces';
export type DigestMode = 'off' | 'mime' | 'plain';
export const DELIVERY_STATES: readonly DeliveryState[] = ['enabled', 'by-member', 'by-owner', 'by-bounces'];
export const DIGEST_MODES: readonly DigestMode[] = ['off', 'mime', 'plain'];
/** How often a new digest volume starts (its issues numbered from 1 again). */
export type DigestVolumeFrequency = 'yearly' | 'quarterly' | 'monthly' | 'weekly' | 'daily';
/** The same periods divide a list's archive. */
export type ArchiveFrequency = DigestVolumeFrequency;
export const DIGEST_VOLUME_FREQUENCIES: readonly DigestVolumeFrequency[] = ['yearly', 'quarterly', 'monthly', 'weekly', 'daily'];
export type PendingKind = 'subscribe' | 'unsubscribe' | 'approval' | 'set';
export type LanguageCode = 'en' | 'de' | 'es' | 'ja' | 'ko' | 'ru';

/** The seed's six languages; a list's language must have a catalogue (server/lists/i18n/). */
export const LANGUAGES: readonly LanguageCode[] = ['en', 'de', 'es', 'ja', 'ko', 'ru'];

/** A list's settings, each a list setting of docs/lists.md. */
export interface ListSettings {
  description: string;
  info: string;
  /** Owners' addresses (a bare name is a user of the server). At least one. */
  owners: string[];
  /** Moderators' addresses (a bare name is a user of the server); owners moderate too: held posts and pending subscriptions, by mail and on the list pages. */
  moderators: string[];
  language: LanguageCode;
  /** The seed's "Users may self subscribe". */
  selfSubscribe: boolean;
  /** A confirmed subscription waits for an owner's approval. */
  subscriptionApproval: boolean;
  /** Put before each post's subject ("" = none; the default is "[name] "). */
  subjectPrefix: string;
  replyTo: ReplyToPolicy;
  /** Largest post in KB; 0 = unlimited (the seed's maximum message length). */
  maxMessageKb: number;
  nonMemberAction: NonMemberAction;
  /** Days a confirmation request stays valid. */
  confirmDays: number;
  roster: RosterVisibility;
  /** One copy per member, with its own one-click unsubscribe link and VERP sender (costs a queue entry per member). */
  personalize: boolean;
  /** Added to the welcome message. */
  welcomeText: string;
  /** Added to the goodbye message. */
  goodbyeText: string;
  /** Bounces to the list's -bounces addresses are scored (Mailman's bounce_processing). */
  bounceProcessing: boolean;
  /** A member whose score reaches this has delivery disabled (hard bounces 1.0, soft 0.5, once a day). */
  bounceScoreThreshold: number;
  /** A score whose last bounce is older than this many days starts again from zero. */
  bounceStaleDays: number;
  /** Notices sent to a member disabled by bounces before removal (the first at once). */
  bounceWarnings: number;
  /** Days between those notices, and from the last one to removal. */
  bounceWarningIntervalDays: number;
  bounceNotifyOwnerOnDisable: boolean;
  bounceNotifyOwnerOnRemoval: boolean;
  /** A digest goes out as soon as its posts reach this many KB (0 = only on the schedule). */
  digestSizeKb: number;
  /** The digest job sends what has gathered, even below the size (Mailman's digest_send_periodic). */
  digestPeriodic: boolean;
  digestVolumeFrequency: DigestVolumeFrequency;
  /** Posts are kept in the list's archive. */
  archive: boolean;
  /** The archive is for members only (and the server's administrators); public otherwise. */
  archivePrivate: boolean;
  /** How the archive is divided: a new period (and mbox file) every year, quarter, month, week or day. */
  archiveVolumeFrequency: ArchiveFrequency;
  /** Every post is held for a moderator (Mailman's emergency moderation). */
  moderated: boolean;
  /** Rules for non-members' posts, the first that matches the sender wins; none: nonMemberAction. */
  senderRules: SenderRule[];
  /** Addresses and "^" patterns that may not subscribe (Mailman's ban_list). */
  bans: string[];
  /** Owners and moderators get a notice with a moderation token as soon as a post is held (Mailman's admin_immed_notify). */
  notifyModerators: boolean;
  /** Text put before each post's text (Mailman's msg_header), with %(name)s substitutions. */
  messageHeader: string;
  /** Text put after each post's text (Mailman's msg_footer), with %(name)s substitutions. */
  messageFooter: string;
  /** Text put after a digest's table of contents (Mailman's digest_header), with the same substitutions. */
  digestHeader: string;
  /** Text put at the end of a digest (Mailman's digest_footer), with the same substitutions. */
  digestFooter: string;
  /** Content filtering (Mailman's filter_content) on: the settings below take effect. */
  filterContent: boolean;
  /** MIME types ("type/subtype" or a main type) whose parts are removed. */
  filterMimeTypes: string[];
  /** When not empty: the only MIME types whose (non-multipart) parts are kept. */
  passMimeTypes: string[];
  /** File name extensions ("exe", without the dot) whose parts are removed (Mailman's filter_filename_extensions). */
  filterFilenameExtensions: string[];
  /** When not empty: parts with a file name keep only these extensions (Mailman's pass_filename_extensions). */
  passFilenameExtensions: string[];
  /** multipart/alternative is replaced by its first part. */
  collapseAlternatives: boolean;
  /** text/html without a text/plain alternative becomes text/plain. */
  convertHtmlToPlaintext: boolean;
  /** What happens to a post that filtering leaves empty. */
  filterAction: FilterAction;
  /** Posts whose author's domain publishes DMARC p=reject or p=quarantine: sent as they are, From rewritten to the list, or wrapped. */
  dmarcMitigation: DmarcMitigation;
}

export interface MailingList extends ListSettings {
  id: number;
  /** As created (the list's display form); matched without regard to case. */
  name: string;
  domain: string;
  /** name@domain in lower case. */
  address: string;
  createdAt: string;
  /** The current digest volume and the number the next issue gets. */
  digestVolume: number;
  digestIssue: number;
  /** When the last digest went out (undefined before the first). */
  digestLastSent: Date | null;
}

export interface ListMember {
  id: number;
  listId: number;
  /** Lower case, for lookups. */
  address: string;
  /** As given. */
  displayAddress: string;
  name: string;
  delivery: DeliveryState;
  deliveryReason: string;
  digest: DigestMode;
  hidden: boolean;
  /** The member's own language for the list pages (null: the list's). */
  language: LanguageCode | null;
  /** The seed's "may post" privilege: off, the member's posts are held for a moderator. */
  mayPost: boolean;
  /** The member gets copies of their own posts (Mailman's "not metoo" off). */
  receiveOwnPosts: boolean;
  /** The member gets a short acknowledgement of each of their posts. */
  acknowledgePosts: boolean;
  createdAt: string;
  /** Bounce score (hard 1.0, soft 0.5 per day); 0 when none counts. */
  bounceScore: number;
  /** The day (YYYY-MM-DD, UTC) of the last bounce counted, or null. */
  lastBounceDay: string | null;
  /** Disabled by bounces: notices still to send before removal. */
  bounceWarningsLeft: number | null;
  /** Disabled by bounces: when the next notice (or the removal) is due. */
  nextBounceWarning: Date | null;
}

/** The member options a member or an owner changes (language null: back to the list's). */
export interface MemberPatch {
  delivery?: DeliveryState;
  deliveryReason?: string;
  digest?: DigestMode;
  hidden?: boolean;
  name?: string;
  language?: LanguageCode | null;
  mayPost?: boolean;
  receiveOwnPosts?: boolean;
  acknowledgePosts?: boolean;
}

export interface PendingRequest {
  id: number;
  listId: number;
  kind: PendingKind;
  address: string;
  displayAddress: string;
  name: string;
  digest: DigestMode;
  createdAt: Date;
  expiresAt: Date;
  /** An owner's invitation: once confirmed, the address joins without the owners' approval. */
  invited: boolean;
  /** A `set` request's change, as the command says it ("digest mime"); "" for the other kinds. */
  change: string;
}

export interface HeldPost {
  id: number;
  listId: number;
  sender: string;
  fromAddress: string;
  subject: string;
  reason: string;
  size: number;
  receivedAt: Date;
  /** A moderator put off the decision (the post stays held). */
  deferred: boolean;
}

/** An expected failure of a list operation, with a code GraphQL passes on. */
export class ListError extends Error {
  constructor(
    readonly code: 'LIST_NOT_FOUND' | 'NAME_TAKEN' | 'INVALID_LIST_NAME' | 'INVALID_DOMAIN' | 'INVALID_ADDRESS' | 'INVALID_SETTING' | 'NOT_FOUND' | 'NOT_A_MEMBER',
    message: string,
    readonly field?: string,
    /** A refused setting's reason as a catalogue text (the list pages show it in the page's language; `message` is its English). */
    readonly problem?: { id: `setting.${string}`; vars: Record<string, string | number> },
  ) {
    super(message);
  }
}

/** A post in a list's archive (without its bytes). */
export interface ArchivedPost {
  id: number;
  listId: number;
  period: string;
  messageId: string;
  /** The archive id of the first post of its thread (its own when it starts one). */
  threadId: number;
  subject: string;
  fromName: string;
  fromAddress: string;
  archivedAt: Date;
  size: number;
}

/** What a list's dashboard shows (all counted in SQL, whatever the list's size). */
export interface ListStats {
  members: number;
  /** Members by delivery state and by digest mode (every state and mode, 0 when none). */
  byDelivery: Record<DeliveryState, number>;
  byDigest: Record<DigestMode, number>;
  /** Posts sent to the members per UTC day, the last `days` days, oldest first (0 on days without). */
  postsPerDay: { day: string; posts: number }[];
  heldPosts: number;
  /** Requests waiting: confirmations by their address (subscribe, unsubscribe), and subscriptions for the owners' approval. */
  pendingConfirmations: number;
  pendingApprovals: number;
  /** Members with a bounce score above 0, and those whose delivery bounces have disabled. */
  bouncingMembers: number;
  disabledByBounces: number;
}
