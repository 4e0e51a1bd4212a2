import type { LanguageCode } from '../types';
import { type Catalogue, EN, type MessageId } from './en';
import { DE } from './de';
import { ES } from './es';

export type { MessageId } from './en';

/**
 * The catalogues there are; a language without one (Japanese, Korean, Russian until they are
 * written) falls back to English, as Mailman does for a missing template.
 */
const CATALOGUES: Partial<Record<LanguageCode, Catalogue>> = { en: EN, de: DE, es: ES };

/** The text of `id` in `language`, with {placeholders} filled from `vars` (unknown ones stay as written). */
export function text(language: LanguageCode, id: MessageId, vars: Record<string, string | number> = {}): string {
  const template = (CATALOGUES[language] ?? EN)[id];
  return template.replace(/\{(\w+)\}/g, (m, key: string) => (key in vars ? String(vars[key]) : m));
}

/** Languages with a catalogue of their own. */
export function translatedLanguages(): LanguageCode[] {
  return Object.keys(CATALOGUES) as LanguageCode[];
}
