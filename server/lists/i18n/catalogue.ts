import type { LanguageCode } from '../types';
import { type Catalogue, EN, type MessageId } from './en';
import { DE } from './de';
import { ES } from './es';
import { JA } from './ja';
import { KO } from './ko';
import { RU } from './ru';

export type { MessageId } from './en';

/** A catalogue for each of the seed's six languages (the type makes a missing one a build error). */
const CATALOGUES: Record<LanguageCode, Catalogue> = { en: EN, de: DE, es: ES, ja: JA, ko: KO, ru: RU };

/** The text of `id` in `language`, with {placeholders} filled from `vars` (unknown ones stay as written). */
export function text(language: LanguageCode, id: MessageId, vars: Record<string, string | number> = {}): string {
  const template = CATALOGUES[language][id];
  return template.replace(/\{(\w+)\}/g, (m, key: string) => (key in vars ? String(vars[key]) : m));
}

/** The languages with a catalogue (all six). */
export function translatedLanguages(): LanguageCode[] {
  return Object.keys(CATALOGUES) as LanguageCode[];
}

/** A date and time as people of `language` write it (UTC, named so). */
export function formatDate(language: LanguageCode, date: Date): string {
  return new Intl.DateTimeFormat(language, { dateStyle: 'full', timeStyle: 'long', timeZone: 'UTC' }).format(date);
}
