import type { WebMessageId } from '../../lists/i18n/web-catalogue';
import { DIGEST_VOLUME_FREQUENCIES, type ListSettings, NON_MEMBER_ACTIONS, REPLY_TO_POLICIES, ROSTER_VISIBILITIES } from '../../lists/types';
import { LANGUAGE_NAMES, checkbox, esc, select, textArea, textField } from './layout';

type Kind = 'line' | 'text' | 'lines' | 'bool' | 'number' | { choices: readonly string[]; label: (value: string) => WebMessageId };

const frequency = { choices: DIGEST_VOLUME_FREQUENCIES, label: (f: string) => `frequency.${f}` as WebMessageId };

/** Every setting of a list (ListSettings), grouped as the page shows them, with the input each takes. */
export const SETTING_GROUPS: { title: WebMessageId; fields: [keyof ListSettings, Kind][] }[] = [
  { title: 'settings.general', fields: [['description', 'line'], ['info', 'text'], ['owners', 'lines'], ['moderators', 'lines'], ['language', { choices: LANGUAGE_NAMES.map(([c]) => c), label: () => 'field.language' }]] },
  { title: 'settings.subscription', fields: [['selfSubscribe', 'bool'], ['subscriptionApproval', 'bool'], ['confirmDays', 'number'], ['roster', { choices: ROSTER_VISIBILITIES, label: (r) => `roster.${r}` as WebMessageId }], ['welcomeText', 'text'], ['goodbyeText', 'text'], ['personalize', 'bool']] },
  { title: 'settings.posting', fields: [['subjectPrefix', 'line'], ['replyTo', { choices: REPLY_TO_POLICIES, label: (r) => `replyTo.${r}` as WebMessageId }], ['maxMessageKb', 'number'], ['nonMemberAction', { choices: NON_MEMBER_ACTIONS, label: (a) => `nonMember.${a}` as WebMessageId }]] },
  {
    title: 'settings.bounces',
    fields: [['bounceProcessing', 'bool'], ['bounceScoreThreshold', 'number'], ['bounceStaleDays', 'number'], ['bounceWarnings', 'number'], ['bounceWarningIntervalDays', 'number'], ['bounceNotifyOwnerOnDisable', 'bool'], ['bounceNotifyOwnerOnRemoval', 'bool']],
  },
  { title: 'settings.digests', fields: [['digestSizeKb', 'number'], ['digestPeriodic', 'bool'], ['digestVolumeFrequency', frequency], ['digestHeader', 'text'], ['digestFooter', 'text']] },
  { title: 'settings.archive', fields: [['archive', 'bool'], ['archivePrivate', 'bool'], ['archiveVolumeFrequency', frequency]] },
];

/**
 * The form's fields as a settings patch, translated only: the values are checked by the rule
 * GraphQL's updateList uses (MailingLists.update), so both refuse the same with the same message.
 * A number that is not one becomes NaN, which that rule refuses.
 */
export function settingsFromForm(form: URLSearchParams): Partial<ListSettings> {
  const patch: Record<string, unknown> = {};
  for (const group of SETTING_GROUPS) {
    for (const [name, kind] of group.fields) {
      const raw = form.get(name);
      if (kind === 'bool') patch[name] = raw !== null;
      else if (raw === null) continue;
      else if (kind === 'number') patch[name] = raw.trim() === '' ? NaN : Number(raw);
      else if (kind === 'lines') patch[name] = raw.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
      else patch[name] = kind === 'line' ? raw.trim() : raw.replace(/\r\n/g, '\n');
    }
  }
  return patch as Partial<ListSettings>;
}

/** The fields of the settings form, showing `values` (the list's, or what was sent when refused) and the refused field's message. */
export function settingsFields(values: ListSettings, t: (id: WebMessageId) => string, error?: { field?: string; message: string }): string {
  const field = (name: keyof ListSettings, kind: Kind): string => {
    const label = t(`field.${name}` as WebMessageId);
    const message = error?.field === name ? error.message : undefined;
    const value = values[name];
    if (kind === 'bool') return checkbox(name, label, value === true, message);
    if (kind === 'number') return textField(name, label, Number.isNaN(value) ? '' : String(value), { inputmode: 'decimal', error: message });
    if (kind === 'lines') return textArea(name, label, (value as string[]).join('\n'), { rows: 3, error: message, hint: t('settings.onePerLine') });
    if (kind === 'text') return textArea(name, label, String(value), { rows: 4, error: message });
    if (kind === 'line') return textField(name, label, String(value), { error: message });
    const options: [string, string][] = kind.choices.map((c) => [c, name === 'language' ? (LANGUAGE_NAMES.find(([code]) => code === c)?.[1] ?? c) : t(kind.label(c))]);
    return select(name, label, String(value), options, message);
  };
  return SETTING_GROUPS.map((g) => `<fieldset><legend>${esc(t(g.title))}</legend>${g.fields.map(([n, k]) => field(n, k)).join('')}</fieldset>`).join('');
}
