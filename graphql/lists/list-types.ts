import { DateTimeISOResolver } from 'graphql-scalars';
import { Field, Float, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { connectionType } from '../pagination';

export enum ListLanguage {
  EN = 'en',
  DE = 'de',
  ES = 'es',
  JA = 'ja',
  KO = 'ko',
  RU = 'ru',
}
registerEnumType(ListLanguage, { name: 'ListLanguage', description: 'The seed\u2019s six languages. Texts not translated yet are sent in English.' });

export enum ReplyToPolicy {
  POSTER = 'poster',
  LIST = 'list',
}
registerEnumType(ReplyToPolicy, { name: 'ReplyToPolicy', description: 'POSTER: replies go where the post says (its own Reply-To or From); LIST: Reply-To is set to the list.' });

export enum NonMemberAction {
  ACCEPT = 'accept',
  HOLD = 'hold',
  REJECT = 'reject',
  DISCARD = 'discard',
}
registerEnumType(NonMemberAction, { name: 'NonMemberAction', description: 'What happens to a post from an address that is not a member: sent, held for a moderator, refused with a notice, or dropped.' });

export enum FilterAction {
  HOLD = 'hold',
  REJECT = 'reject',
  DISCARD = 'discard',
}
registerEnumType(FilterAction, { name: 'ListFilterAction', description: 'What happens to a post content filtering leaves empty: held for a moderator, refused with a notice, or dropped.' });

export enum DmarcMitigation {
  NONE = 'none',
  MUNGE_FROM = 'munge-from',
  WRAP = 'wrap',
}
registerEnumType(DmarcMitigation, {
  name: 'ListDmarcMitigation',
  description: 'NONE: sent under the author\u2019s From; MUNGE_FROM: From is the list ("Name via List"), the author in Reply-To (or Cc when replies go to the list); WRAP: the post as a message/rfc822 part of a message from the list.',
});

export enum RosterVisibility {
  PUBLIC = 'public',
  MEMBERS = 'members',
  OWNERS = 'owners',
}
registerEnumType(RosterVisibility, { name: 'RosterVisibility', description: 'Who gets the member list by the `who` mail command: anyone, members, or nobody by mail (owners use this API).' });

export enum MemberDelivery {
  ENABLED = 'enabled',
  BY_MEMBER = 'by-member',
  BY_OWNER = 'by-owner',
  BY_BOUNCES = 'by-bounces',
}
registerEnumType(MemberDelivery, { name: 'MemberDelivery', description: 'ENABLED, or disabled by the member, by an owner, or by bounces (with a reason).' });

export enum DigestMode {
  OFF = 'off',
  MIME = 'mime',
  PLAIN = 'plain',
}
registerEnumType(DigestMode, { name: 'DigestMode', description: 'OFF: each post as it comes; MIME: digests as multipart/digest (every post whole); PLAIN: RFC 1153 plain-text digests.' });

export enum DigestVolumeFrequency {
  YEARLY = 'yearly',
  QUARTERLY = 'quarterly',
  MONTHLY = 'monthly',
  WEEKLY = 'weekly',
  DAILY = 'daily',
}
registerEnumType(DigestVolumeFrequency, { name: 'DigestVolumeFrequency', description: 'How often a new digest volume starts (its issues numbered from 1 again).' });

export enum ModerationAction {
  APPROVE = 'approve',
  REJECT = 'reject',
  DISCARD = 'discard',
  DEFER = 'defer',
}
registerEnumType(ModerationAction, { name: 'ModerationAction', description: 'APPROVE sends a held post to the members, REJECT tells the poster (with the reason), DISCARD drops it, DEFER keeps it held (marked deferred).' });

@ObjectType('ListSenderRule', { description: 'A rule for non-members\u2019 posts: the first whose pattern matches the From address or the envelope sender decides.' })
export class ListSenderRuleType {
  @Field(() => String, { description: 'An exact address (without regard to case), or a POSIX extended regular expression when it starts with "^", searched in the address without case.' })
  pattern!: string;
  @Field(() => NonMemberAction)
  action!: string;
}

@InputType()
export class ListSenderRuleInput {
  @Field(() => String)
  pattern!: string;
  @Field(() => NonMemberAction)
  action!: string;
}

export enum SubscriptionDecision {
  APPROVE = 'approve',
  REFUSE = 'refuse',
}
registerEnumType(SubscriptionDecision, { name: 'SubscriptionDecision' });

@ObjectType('MailingListAddresses', { description: 'The addresses of a list (Mailman\u2019s set).' })
export class MailingListAddressesType {
  @Field(() => String, { description: 'Posts.' })
  post!: string;
  @Field(() => String, { description: 'Commands (help, subscribe, \u2026).' })
  request!: string;
  @Field(() => String, { description: 'Join (also NAME-subscribe@).' })
  join!: string;
  @Field(() => String, { description: 'Leave (also NAME-unsubscribe@).' })
  leave!: string;
  @Field(() => String)
  owner!: string;
  @Field(() => String)
  bounces!: string;
}

@ObjectType('MailingList', { description: 'A mailing list on one of the server\u2019s domains (docs/lists.md).' })
export class MailingListType {
  @Field(() => Int)
  id!: number;
  @Field(() => String, { description: 'As created; matched without regard to case.' })
  name!: string;
  @Field(() => String)
  domain!: string;
  @Field(() => String, { description: 'name@domain, lower case.' })
  address!: string;
  @Field(() => MailingListAddressesType)
  addresses!: MailingListAddressesType;
  @Field(() => String)
  description!: string;
  @Field(() => String)
  info!: string;
  @Field(() => [String], { description: 'Owners: addresses, or user names of this server.' })
  owners!: string[];
  @Field(() => [String], { description: 'Moderators: addresses, or user names of this server; the owners moderate too (held posts and pending subscriptions, by mail and on the list pages).' })
  moderators!: string[];
  @Field(() => ListLanguage)
  language!: string;
  @Field(() => Boolean, { description: 'The seed\u2019s "Users may self subscribe".' })
  selfSubscribe!: boolean;
  @Field(() => Boolean, { description: 'Confirmed subscriptions wait for an owner (pendingSubscriptions).' })
  subscriptionApproval!: boolean;
  @Field(() => String, { description: 'Before each subject; "" means "[name] ".' })
  subjectPrefix!: string;
  @Field(() => ReplyToPolicy)
  replyTo!: string;
  @Field(() => Int, { description: 'Largest post in KB; 0 = unlimited.' })
  maxMessageKb!: number;
  @Field(() => NonMemberAction)
  nonMemberAction!: string;
  @Field(() => Int, { description: 'Days a confirmation request stays valid.' })
  confirmDays!: number;
  @Field(() => RosterVisibility)
  roster!: string;
  @Field(() => Boolean, { description: 'One copy per member with its own one-click unsubscribe link (RFC 8058) and VERP sender; costs a queue entry per member.' })
  personalize!: boolean;
  @Field(() => String)
  welcomeText!: string;
  @Field(() => String)
  goodbyeText!: string;
  @Field(() => Boolean, { description: 'Bounces to the list\u2019s -bounces addresses are scored (docs/lists.md, "Bounces").' })
  bounceProcessing!: boolean;
  @Field(() => Float, { description: 'A member whose bounce score reaches this has delivery disabled (hard bounce 1.0, soft 0.5, once a day; default 5.0).' })
  bounceScoreThreshold!: number;
  @Field(() => Int, { description: 'A score whose last bounce is older than this many days starts again (default 7).' })
  bounceStaleDays!: number;
  @Field(() => Int, { description: 'Notices a member disabled by bounces gets before removal, the first at once (default 3).' })
  bounceWarnings!: number;
  @Field(() => Int, { description: 'Days between those notices, and from the last to removal (default 7).' })
  bounceWarningIntervalDays!: number;
  @Field(() => Boolean)
  bounceNotifyOwnerOnDisable!: boolean;
  @Field(() => Boolean)
  bounceNotifyOwnerOnRemoval!: boolean;
  @Field(() => Int, { description: 'A digest issue goes out as soon as its posts reach this many KB (0 = only on the schedule; default 30).' })
  digestSizeKb!: number;
  @Field(() => Boolean, { description: 'The digest job (listDigestSchedule) sends what has gathered, below the size too.' })
  digestPeriodic!: boolean;
  @Field(() => DigestVolumeFrequency)
  digestVolumeFrequency!: string;
  @Field(() => Int, { description: 'The current digest volume.' })
  digestVolume!: number;
  @Field(() => Int, { description: 'The number the next digest issue gets.' })
  digestIssue!: number;
  @Field(() => DateTimeISOResolver, { nullable: true, description: 'When the last digest issue went out.' })
  digestLastSent!: Date | null;
  @Field(() => Boolean, { description: 'Posts are kept in the list\u2019s archive (default true).' })
  archive!: boolean;
  @Field(() => Boolean, { description: 'The archive is for members and the server\u2019s administrators only; public otherwise.' })
  archivePrivate!: boolean;
  @Field(() => DigestVolumeFrequency, { description: 'How the archive is divided into periods (default MONTHLY).' })
  archiveVolumeFrequency!: string;
  @Field(() => Boolean, { description: 'Every post is held for a moderator (Mailman\u2019s emergency moderation).' })
  moderated!: boolean;
  @Field(() => [ListSenderRuleType], { description: 'Rules for non-members\u2019 posts, in order; none matching: nonMemberAction.' })
  senderRules!: ListSenderRuleType[];
  @Field(() => [String], { description: 'Addresses and "^" patterns that may not subscribe (Mailman\u2019s ban_list).' })
  bans!: string[];
  @Field(() => Boolean, { description: 'Owners and moderators get a notice with a moderation token as soon as a post is held (default true).' })
  notifyModerators!: boolean;
  @Field(() => String, { description: 'Text put before each post\u2019s text in the members\u2019 copies (Mailman\u2019s msg_header), with %(name)s substitutions (docs/lists.md).' })
  messageHeader!: string;
  @Field(() => String, { description: 'Text put after each post\u2019s text (Mailman\u2019s msg_footer), with %(name)s substitutions.' })
  messageFooter!: string;
  @Field(() => String, { description: 'Text put after a digest\u2019s table of contents, in MIME and plain digests (Mailman\u2019s digest_header), with the %(name)s substitutions of messageHeader.' })
  digestHeader!: string;
  @Field(() => String, { description: 'Text put at the end of each digest (Mailman\u2019s digest_footer), with the %(name)s substitutions of messageFooter.' })
  digestFooter!: string;
  @Field(() => Boolean, { description: 'Content filtering (Mailman\u2019s filter_content) on; default false.' })
  filterContent!: boolean;
  @Field(() => [String], { description: 'MIME types ("type/subtype", or a main type such as "image") whose parts are removed.' })
  filterMimeTypes!: string[];
  @Field(() => [String], { description: 'When not empty: the only MIME types whose parts are kept (multiparts pass unless listed in filterMimeTypes).' })
  passMimeTypes!: string[];
  @Field(() => [String], { description: 'File name extensions ("exe") whose parts are removed.' })
  filterFilenameExtensions!: string[];
  @Field(() => [String], { description: 'When not empty: parts with a file name keep only these extensions.' })
  passFilenameExtensions!: string[];
  @Field(() => Boolean, { description: 'multipart/alternative is replaced by its first part (default true).' })
  collapseAlternatives!: boolean;
  @Field(() => Boolean, { description: 'text/html without a text/plain alternative becomes text/plain (default true).' })
  convertHtmlToPlaintext!: boolean;
  @Field(() => FilterAction, { description: 'What happens to a post filtering leaves empty (default DISCARD).' })
  filterAction!: string;
  @Field(() => DmarcMitigation, { description: 'Posts whose author\u2019s domain publishes DMARC p=reject or p=quarantine (default NONE).' })
  dmarcMitigation!: string;
  @Field(() => Int)
  memberCount!: number;
  @Field(() => DateTimeISOResolver)
  createdAt!: Date;
}

export const MailingListConnection = connectionType('MailingList', MailingListType);

@ObjectType('ListMember')
export class ListMemberType {
  @Field(() => String, { description: 'Lower case.' })
  address!: string;
  @Field(() => String, { description: 'As it was given.' })
  displayAddress!: string;
  @Field(() => String)
  name!: string;
  @Field(() => MemberDelivery)
  delivery!: string;
  @Field(() => String)
  deliveryReason!: string;
  @Field(() => DigestMode)
  digest!: string;
  @Field(() => Boolean, { description: 'Left out of the roster (`who`).' })
  hidden!: boolean;
  @Field(() => ListLanguage, { nullable: true, description: 'The member\u2019s own language for the list pages and every text the list mails to the member (replies, notices, confirmations, goodbye, digests); null: the list\u2019s.' })
  language!: string | null;
  @Field(() => Boolean, { description: 'The seed\u2019s "may post" privilege: off, the member\u2019s posts are held for a moderator.' })
  mayPost!: boolean;
  @Field(() => Boolean, { description: 'The member gets copies of their own posts (`set myposts on|off` by mail; default true).' })
  receiveOwnPosts!: boolean;
  @Field(() => Boolean, { description: 'The member gets a short acknowledgement of each of their posts (`set ack on|off`; default false).' })
  acknowledgePosts!: boolean;
  @Field(() => DateTimeISOResolver)
  createdAt!: Date;
  @Field(() => Float, { description: 'Bounce score (hard 1.0, soft 0.5, at most once a day); 0 when none counts.' })
  bounceScore!: number;
  @Field(() => String, { nullable: true, description: 'The day (YYYY-MM-DD, UTC) of the last bounce counted.' })
  lastBounceDay!: string | null;
  @Field(() => Int, { nullable: true, description: 'Disabled by bounces: notices still to send before removal.' })
  bounceWarningsLeft!: number | null;
  @Field(() => DateTimeISOResolver, { nullable: true, description: 'Disabled by bounces: when the next notice (or the removal) is due.' })
  nextBounceWarning!: Date | null;
}

export const ListMemberConnection = connectionType('ListMember', ListMemberType);

@ObjectType('HeldPost', { description: 'A post waiting for a moderator.' })
export class HeldPostType {
  @Field(() => Int)
  id!: number;
  @Field(() => String, { description: 'The envelope sender.' })
  sender!: string;
  @Field(() => String)
  from!: string;
  @Field(() => String)
  subject!: string;
  @Field(() => String)
  reason!: string;
  @Field(() => Int, { description: 'Bytes.' })
  size!: number;
  @Field(() => DateTimeISOResolver)
  receivedAt!: Date;
  @Field(() => Boolean, { description: 'A moderator deferred the decision.' })
  deferred!: boolean;
}

@ObjectType('PendingSubscription', { description: 'A confirmed subscription waiting for an owner\u2019s approval.' })
export class PendingSubscriptionType {
  @Field(() => Int)
  id!: number;
  @Field(() => String)
  address!: string;
  @Field(() => String)
  name!: string;
  @Field(() => DigestMode)
  digest!: string;
  @Field(() => DateTimeISOResolver)
  createdAt!: Date;
}

@InputType()
export class ListSettingsFields {
  @Field(() => [String], { nullable: true, description: 'Moderators: addresses, or user names of this server ([] for none).' })
  moderators?: string[];
  @Field(() => String, { nullable: true })
  description?: string;
  @Field(() => String, { nullable: true })
  info?: string;
  @Field(() => ListLanguage, { nullable: true })
  language?: string;
  @Field(() => Boolean, { nullable: true })
  selfSubscribe?: boolean;
  @Field(() => Boolean, { nullable: true })
  subscriptionApproval?: boolean;
  @Field(() => String, { nullable: true })
  subjectPrefix?: string;
  @Field(() => ReplyToPolicy, { nullable: true })
  replyTo?: string;
  @Field(() => Int, { nullable: true })
  maxMessageKb?: number;
  @Field(() => NonMemberAction, { nullable: true })
  nonMemberAction?: string;
  @Field(() => Int, { nullable: true })
  confirmDays?: number;
  @Field(() => RosterVisibility, { nullable: true })
  roster?: string;
  @Field(() => Boolean, { nullable: true })
  personalize?: boolean;
  @Field(() => String, { nullable: true })
  welcomeText?: string;
  @Field(() => String, { nullable: true })
  goodbyeText?: string;
  @Field(() => Boolean, { nullable: true })
  bounceProcessing?: boolean;
  @Field(() => Float, { nullable: true })
  bounceScoreThreshold?: number;
  @Field(() => Int, { nullable: true })
  bounceStaleDays?: number;
  @Field(() => Int, { nullable: true })
  bounceWarnings?: number;
  @Field(() => Int, { nullable: true })
  bounceWarningIntervalDays?: number;
  @Field(() => Boolean, { nullable: true })
  bounceNotifyOwnerOnDisable?: boolean;
  @Field(() => Boolean, { nullable: true })
  bounceNotifyOwnerOnRemoval?: boolean;
  @Field(() => Int, { nullable: true })
  digestSizeKb?: number;
  @Field(() => Boolean, { nullable: true })
  digestPeriodic?: boolean;
  @Field(() => DigestVolumeFrequency, { nullable: true })
  digestVolumeFrequency?: string;
  @Field(() => Boolean, { nullable: true })
  archive?: boolean;
  @Field(() => Boolean, { nullable: true })
  archivePrivate?: boolean;
  @Field(() => DigestVolumeFrequency, { nullable: true })
  archiveVolumeFrequency?: string;
  @Field(() => Boolean, { nullable: true })
  moderated?: boolean;
  @Field(() => [ListSenderRuleInput], { nullable: true, description: 'Replaces the rules (at most 1,000).' })
  senderRules?: ListSenderRuleInput[];
  @Field(() => [String], { nullable: true, description: 'Replaces the bans (at most 1,000).' })
  bans?: string[];
  @Field(() => Boolean, { nullable: true })
  notifyModerators?: boolean;
  @Field(() => String, { nullable: true })
  messageHeader?: string;
  @Field(() => String, { nullable: true })
  messageFooter?: string;
  @Field(() => String, { nullable: true })
  digestHeader?: string;
  @Field(() => String, { nullable: true })
  digestFooter?: string;
  @Field(() => Boolean, { nullable: true })
  filterContent?: boolean;
  @Field(() => [String], { nullable: true })
  filterMimeTypes?: string[];
  @Field(() => [String], { nullable: true })
  passMimeTypes?: string[];
  @Field(() => [String], { nullable: true })
  filterFilenameExtensions?: string[];
  @Field(() => [String], { nullable: true })
  passFilenameExtensions?: string[];
  @Field(() => Boolean, { nullable: true })
  collapseAlternatives?: boolean;
  @Field(() => Boolean, { nullable: true })
  convertHtmlToPlaintext?: boolean;
  @Field(() => FilterAction, { nullable: true })
  filterAction?: string;
  @Field(() => DmarcMitigation, { nullable: true })
  dmarcMitigation?: string;
}

@InputType()
export class CreateListInput extends ListSettingsFields {
  @Field(() => String, { description: 'Letters, digits, ".", "_", "-"; no spaces; not case-sensitive.' })
  name!: string;
  @Field(() => String, { description: 'One of the server\u2019s domains (virtual domains too).' })
  domain!: string;
  @Field(() => [String], { description: 'At least one: addresses, or user names of this server.' })
  owners!: string[];
}

@InputType()
export class UpdateListInput extends ListSettingsFields {
  @Field(() => String, { description: 'The list\u2019s address (name@domain).' })
  list!: string;
  @Field(() => [String], { nullable: true })
  owners?: string[];
}

@InputType()
export class SendListDigestInput {
  @Field(() => String, { description: 'The list\u2019s address (name@domain).' })
  list!: string;
}

@InputType()
export class DeleteListInput {
  @Field(() => String, { description: 'The list\u2019s address (name@domain).' })
  list!: string;
}

@InputType()
export class NewListMemberInput {
  @Field(() => String)
  address!: string;
  @Field(() => String, { nullable: true })
  name?: string;
  @Field(() => DigestMode, { nullable: true })
  digest?: string;
}

@InputType()
export class AddListMembersInput {
  @Field(() => String)
  list!: string;
  @Field(() => [NewListMemberInput])
  members!: NewListMemberInput[];
  @Field(() => Boolean, { defaultValue: true, description: 'Send the welcome message (members added at once).' })
  welcome!: boolean;
  @Field(() => Boolean, { defaultValue: false, description: 'Invite each address instead: it gets an invitation to confirm, and joins when it does, without the owners\u2019 approval.' })
  confirm!: boolean;
}

@ObjectType('SkippedAddress')
export class SkippedAddressType {
  @Field(() => String)
  address!: string;
  @Field(() => String)
  reason!: string;
}

@ObjectType('AddListMembersPayload')
export class AddListMembersPayload {
  @Field(() => [String])
  added!: string[];
  @Field(() => [String], { description: 'Sent a confirmation request (confirm: true).' })
  invited!: string[];
  @Field(() => [SkippedAddressType])
  skipped!: SkippedAddressType[];
}

@InputType()
export class RemoveListMembersInput {
  @Field(() => String)
  list!: string;
  @Field(() => [String])
  addresses!: string[];
  @Field(() => Boolean, { defaultValue: true, description: 'Send the goodbye message (members removed at once).' })
  goodbye!: boolean;
  @Field(() => Boolean, { defaultValue: false, description: 'Mail each member a confirmation request instead.' })
  confirm!: boolean;
}

@ObjectType('RemoveListMembersPayload')
export class RemoveListMembersPayload {
  @Field(() => [String])
  removed!: string[];
  @Field(() => [String])
  asked!: string[];
  @Field(() => [String])
  notMembers!: string[];
}

@InputType()
export class UpdateListMemberInput {
  @Field(() => String)
  list!: string;
  @Field(() => String)
  address!: string;
  @Field(() => MemberDelivery, { nullable: true, description: 'An owner disabling delivery: BY_OWNER, with a reason.' })
  delivery?: string;
  @Field(() => String, { nullable: true })
  deliveryReason?: string;
  @Field(() => DigestMode, { nullable: true })
  digest?: string;
  @Field(() => Boolean, { nullable: true })
  hidden?: boolean;
  @Field(() => String, { nullable: true })
  name?: string;
  @Field(() => ListLanguage, { nullable: true })
  language?: string;
  @Field(() => Boolean, { nullable: true, description: 'The "may post" privilege: false holds the member\u2019s posts for a moderator.' })
  mayPost?: boolean;
  @Field(() => Boolean, { nullable: true })
  receiveOwnPosts?: boolean;
  @Field(() => Boolean, { nullable: true })
  acknowledgePosts?: boolean;
}

@InputType()
export class ModeratePostInput {
  @Field(() => Int)
  id!: number;
  @Field(() => ModerationAction)
  action!: string;
  @Field(() => String, { nullable: true, description: 'REJECT: told to the poster.' })
  reason?: string;
}

@InputType()
export class DecideSubscriptionInput {
  @Field(() => Int)
  id!: number;
  @Field(() => SubscriptionDecision)
  decision!: string;
}

export enum ArchiveOrder {
  DATE = 'date',
  THREAD = 'thread',
  AUTHOR = 'author',
}
registerEnumType(ArchiveOrder, { name: 'ArchiveOrder', description: 'DATE: as they arrived; THREAD: threads in the order they started, each in arrival order; AUTHOR: by sender.' });

@ObjectType('ArchivePeriod', { description: 'A part of a list\u2019s archive (a year, quarter, month, week or day).' })
export class ArchivePeriodType {
  @Field(() => String, { description: '2026, 2026-Q4, 2026-12, 2026-W-12-07 (the week\u2019s Monday) or 2026-12-07.' })
  period!: string;
  @Field(() => Int)
  posts!: number;
  @Field(() => String, { description: 'Where its mbox file is downloaded (public archives without a login; private ones with an administrator\u2019s bearer token).' })
  mboxPath!: string;
}

@ObjectType('ArchivedPost', { description: 'A post in a list\u2019s archive, as the members got it.' })
export class ArchivedPostType {
  @Field(() => Int)
  id!: number;
  @Field(() => String)
  period!: string;
  @Field(() => String)
  messageId!: string;
  @Field(() => Int, { description: 'The id of the first post of its thread (its own when it starts one).' })
  threadId!: number;
  @Field(() => String)
  subject!: string;
  @Field(() => String)
  fromName!: string;
  @Field(() => String)
  fromAddress!: string;
  @Field(() => DateTimeISOResolver)
  archivedAt!: Date;
  @Field(() => Int, { description: 'Bytes.' })
  size!: number;
  @Field(() => String, { description: 'Where the message itself is downloaded (message/rfc822).' })
  rawPath!: string;
}

export const ArchivedPostConnection = connectionType('ArchivedPost', ArchivedPostType);

export enum MailmanMemberFile {
  ALL = 'all',
  REGULAR = 'regular',
  DIGEST = 'digest',
  DIGEST_MIME = 'digest=mime',
  DIGEST_PLAIN = 'digest=plain',
  NOMAIL = 'nomail',
  NOMAIL_BYUSER = 'nomail=byuser',
  NOMAIL_BYADMIN = 'nomail=byadmin',
  NOMAIL_BYBOUNCE = 'nomail=bybounce',
  NOMAIL_UNKNOWN = 'nomail=unknown',
}
registerEnumType(MailmanMemberFile, {
  name: 'MailmanMemberFile',
  description: 'Which list_members output a text is: ALL (no flag), REGULAR (-r), DIGEST (-d; MIME digests), DIGEST_MIME/DIGEST_PLAIN (--digest=mime|plain), NOMAIL (-n; delivery off by an owner), NOMAIL_BYUSER/BYADMIN/BYBOUNCE/UNKNOWN (--nomail=…).',
});

@InputType()
export class MailmanMembersInput {
  @Field(() => MailmanMemberFile)
  kind!: string;
  @Field(() => String, { description: 'The output of list_members: an address per line, or "Full Name <address>" (--fullnames).' })
  text!: string;
}

@InputType()
export class ImportMailmanListInput {
  @Field(() => String, { description: 'The server\u2019s domain the list lives on.' })
  domain!: string;
  @Field(() => String, { nullable: true, description: 'The list\u2019s name; default: real_name of the settings.' })
  name?: string;
  @Field(() => String, { description: 'The output of Mailman 2.1\u2019s `config_list -o FILE LIST`.' })
  config!: string;
  @Field(() => [MailmanMembersInput], { defaultValue: [] })
  members!: MailmanMembersInput[];
}

@ObjectType('SkippedSetting', { description: 'A Mailman setting not taken over, and why.' })
export class SkippedSettingType {
  @Field(() => String)
  name!: string;
  @Field(() => String)
  reason!: string;
}

@ObjectType('ImportMailmanListPayload')
export class ImportMailmanListPayload {
  @Field(() => MailingListType)
  list!: Omit<MailingListType, 'memberCount'>;
  @Field(() => [String])
  added!: string[];
  @Field(() => [SkippedAddressType])
  skippedMembers!: SkippedAddressType[];
  @Field(() => [SkippedSettingType])
  skippedSettings!: SkippedSettingType[];
  @Field(() => [String], { description: 'Lines of the member files that are no address.' })
  unreadableLines!: string[];
}
