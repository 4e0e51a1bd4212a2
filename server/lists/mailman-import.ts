import type { PyValue } from './python-literals';
import type { DeliveryState, DigestMode, DigestVolumeFrequency, LanguageCode, ListSettings, SenderRule } from './types';
import { LANGUAGES } from './types';
import { patternProblem } from './patterns';

/** A setting of the Mailman file that was not taken over, and why. */
export interface SkippedSetting {
  name: string;
  reason: string;
}

/** The settings of a Mailman 2.1 list (config_list -o) as Pillarbox's, with what could not be taken over. */
export interface ImportedSettings {
  realName?: string;
  settings: Partial<ListSettings>;
  skipped: SkippedSetting[];
}

const FREQUENCIES: DigestVolumeFrequency[] = ['yearly', 'monthly', 'quarterly', 'weekly', 'daily'];

const bool = (v: PyValue) => v === true || (typeof v === 'number' && v !== 0);
const num = (v: PyValue) => (typeof v === 'number' ? v : Number.NaN);
const str = (v: PyValue) => (typeof v === 'string' ? v : '');
const strings = (v: PyValue): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string').map((x) => x.trim()).filter(Boolean) : []);
/** Mailman 2.1 keeps MIME type lists as one string, a type per line. */
const lines = (v: PyValue): string[] => (typeof v === 'string' ? v.split(/[\r\n]+/).map((x) => x.trim()).filter(Boolean) : strings(v));

type Mapper = (v: PyValue, all: Map<string, PyValue>) => Partial<ListSettings> | string;

/** Mailman's name → the settings it becomes (or why it cannot: a string). */
const MAP: Record<string, Mapper> = {
  description: (v) => ({ description: str(v).replace(/[\r\n]+/g, ' ').slice(0, 200) }),
  info: (v) => ({ info: str(v) }),
  owner: (v) => ({ owners: strings(v) }),
  moderator: (v) => ({ moderators: strings(v) }),
  preferred_language: (v) => (LANGUAGES.includes(str(v) as LanguageCode) ? { language: str(v) as LanguageCode } : `language "${str(v)}" is not one of ${LANGUAGES.join(', ')}`),
  subject_prefix: (v, all) => {
    const prefix = str(v).replace(/%\(real_name\)s/g, str(all.get('real_name') ?? ''));
    return { subjectPrefix: prefix === `[${str(all.get('real_name') ?? '')}] ` ? '' : prefix };
  },
  reply_goes_to_list: (v) => (num(v) === 0 ? { replyTo: 'poster' } : num(v) === 1 ? { replyTo: 'list' } : 'an explicit Reply-To address (2) has no equivalent; replies go to the poster'),
  max_message_size: (v) => ({ maxMessageKb: Math.max(0, Math.trunc(num(v))) }),
  generic_nonmember_action: (v) => ({ nonMemberAction: (['accept', 'hold', 'reject', 'discard'] as const)[num(v)] ?? 'hold' }),
  emergency: (v) => ({ moderated: bool(v) }),
  subscribe_policy: (v) => ({ selfSubscribe: true, subscriptionApproval: num(v) >= 2 }),
  private_roster: (v) => ({ roster: (['public', 'members', 'owners'] as const)[num(v)] ?? 'members' }),
  welcome_msg: (v) => ({ welcomeText: str(v) }),
  goodbye_msg: (v) => ({ goodbyeText: str(v) }),
  admin_immed_notify: (v) => ({ notifyModerators: bool(v) }),
  personalize: (v) => ({ personalize: num(v) > 0 }),
  msg_header: (v) => ({ messageHeader: str(v) }),
  msg_footer: (v) => ({ messageFooter: str(v) }),
  digest_header: (v) => ({ digestHeader: str(v) }),
  digest_footer: (v) => ({ digestFooter: str(v) }),
  archive: (v) => ({ archive: bool(v) }),
  archive_private: (v) => ({ archivePrivate: bool(v) }),
  archive_volume_frequency: (v) => ({ archiveVolumeFrequency: FREQUENCIES[num(v)] ?? 'monthly' }),
  digest_size_threshhold: (v) => ({ digestSizeKb: Math.max(0, Math.trunc(num(v))) }),
  digest_send_periodic: (v) => ({ digestPeriodic: bool(v) }),
  digest_volume_frequency: (v) => ({ digestVolumeFrequency: FREQUENCIES[num(v)] ?? 'monthly' }),
  bounce_processing: (v) => ({ bounceProcessing: bool(v) }),
  bounce_score_threshold: (v) => ({ bounceScoreThreshold: num(v) }),
  bounce_info_stale_after: (v) => ({ bounceStaleDays: Math.trunc(num(v)) }),
  bounce_you_are_disabled_warnings: (v) => ({ bounceWarnings: Math.trunc(num(v)) }),
  bounce_you_are_disabled_warnings_interval: (v) => ({ bounceWarningIntervalDays: Math.trunc(num(v)) }),
  bounce_notify_owner_on_disable: (v) => ({ bounceNotifyOwnerOnDisable: bool(v) }),
  bounce_notify_owner_on_removal: (v) => ({ bounceNotifyOwnerOnRemoval: bool(v) }),
  filter_content: (v) => ({ filterContent: bool(v) }),
  filter_mime_types: (v) => ({ filterMimeTypes: lines(v) }),
  pass_mime_types: (v) => ({ passMimeTypes: lines(v) }),
  filter_filename_extensions: (v) => ({ filterFilenameExtensions: lines(v) }),
  pass_filename_extensions: (v) => ({ passFilenameExtensions: lines(v) }),
  collapse_alternatives: (v) => ({ collapseAlternatives: bool(v) }),
  convert_html_to_plaintext: (v) => ({ convertHtmlToPlaintext: bool(v) }),
  filter_action: (v) => (num(v) === 0 ? { filterAction: 'discard' } : num(v) === 1 ? { filterAction: 'reject' } : { filterAction: 'hold' }),
  dmarc_moderation_action: (v) =>
    num(v) === 0 ? { dmarcMitigation: 'none' } : num(v) === 1 ? { dmarcMitigation: 'munge-from' } : num(v) === 2 ? { dmarcMitigation: 'wrap' } : 'rejecting or discarding DMARC-strict posters (3, 4) is not offered; posts are sent as they are',
};

/** Names whose meaning is the list itself (its name, its host) rather than a setting. */
const INTRINSIC = new Set(['real_name', 'host_name']);
/** Mailman's non-member lists become sender rules, in the order Mailman checks them. */
const SENDER_LISTS: [string, SenderRule['action']][] = [
  ['accept_these_nonmembers', 'accept'],
  ['hold_these_nonmembers', 'hold'],
  ['reject_these_nonmembers', 'reject'],
  ['discard_these_nonmembers', 'discard'],
];

/** Pillarbox's settings from a Mailman 2.1 list's settings; every one not taken over is reported with its reason. */
export function mapMailmanSettings(config: Map<string, PyValue>): ImportedSettings {
  const settings: Partial<ListSettings> = {};
  const skipped: SkippedSetting[] = [];
  const rules: SenderRule[] = [];
  for (const [name, value] of config) {
    const sender = SENDER_LISTS.find(([n]) => n === name);
    if (sender || name === 'ban_list') {
      const kept: string[] = [];
      for (const pattern of strings(value)) {
        // "@list" names another list's members (Mailman 2.1.10); a pattern must compile here.
        const problem = pattern.startsWith('@') ? 'names the members of another list, which Pillarbox does not offer' : patternProblem(pattern);
        if (problem) skipped.push({ name: `${name}: ${pattern}`, reason: problem });
        else kept.push(pattern);
      }
      if (sender) rules.push(...kept.map((pattern) => ({ pattern, action: sender[1] })));
      else settings.bans = kept;
      continue;
    }
    if (INTRINSIC.has(name)) continue;
    const map = MAP[name];
    if (!map) {
      skipped.push({ name, reason: 'no equivalent in Pillarbox' });
      continue;
    }
    const r = map(value, config);
    if (typeof r === 'string') skipped.push({ name, reason: r });
    else Object.assign(settings, r);
  }
  if (rules.length) settings.senderRules = rules;
  return { realName: str(config.get('real_name') ?? '') || undefined, settings, skipped };
}

/**
 * The kinds of member files list_members prints: all members (no flag), regular ones (-r),
 * digest ones (-d, --digest=mime|plain), and those whose delivery is off (-n, --nomail=byuser|
 * byadmin|bybounce|unknown).
 */
export type MemberFileKind = 'all' | 'regular' | 'digest' | 'digest=mime' | 'digest=plain' | 'nomail' | 'nomail=byuser' | 'nomail=byadmin' | 'nomail=bybounce' | 'nomail=unknown';
export const MEMBER_FILE_KINDS: readonly MemberFileKind[] = ['all', 'regular', 'digest', 'digest=mime', 'digest=plain', 'nomail', 'nomail=byuser', 'nomail=byadmin', 'nomail=bybounce', 'nomail=unknown'];

export interface ImportedMember {
  address: string;
  name: string;
  digest: DigestMode;
  delivery: DeliveryState;
}

/**
 * The members of list_members files: one address per line, or "Full Name <address>" with
 * --fullnames; the same address in several files takes the digest mode and delivery state
 * of the flagged ones (a plain digest file counts as MIME, Mailman's default digest).
 */
export function readMemberFiles(files: { kind: MemberFileKind; text: string }[]): { members: ImportedMember[]; unreadable: string[] } {
  const byAddress = new Map<string, ImportedMember>();
  const unreadable: string[] = [];
  for (const f of files) {
    for (const raw of f.text.split(/\r?\n/)) {
      const line = raw.trim();
      if (!line) continue;
      const m = /^(?:"?(.*?)"?\s*<([^<>\s]+@[^<>\s]+)>|([^<>\s]+@[^<>\s]+))$/.exec(line);
      if (!m) {
        unreadable.push(line);
        continue;
      }
      const address = m[2] ?? m[3];
      const member = byAddress.get(address.toLowerCase()) ?? { address, name: m[1] ?? '', digest: 'off', delivery: 'enabled' };
      if (m[1] && !member.name) member.name = m[1];
      if (f.kind.startsWith('digest')) member.digest = f.kind === 'digest=plain' ? 'plain' : 'mime';
      if (f.kind.startsWith('nomail')) member.delivery = f.kind === 'nomail=byuser' ? 'by-member' : f.kind === 'nomail=bybounce' ? 'by-bounces' : 'by-owner';
      byAddress.set(address.toLowerCase(), member);
    }
  }
  return { members: [...byAddress.values()], unreadable };
}
