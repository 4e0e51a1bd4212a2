import type { LanguageCode } from '../types';
import { WEB_DE } from './web-de';
import { WEB_EN, type WebCatalogue, type WebMessageId } from './web-en';
import { WEB_ES } from './web-es';
import { WEB_JA } from './web-ja';
import { WEB_KO } from './web-ko';
import { WEB_RU } from './web-ru';

export type { WebMessageId } from './web-en';

const CATALOGUES: Record<LanguageCode, WebCatalogue> = { en: WEB_EN, de: WEB_DE, es: WEB_ES, ja: WEB_JA, ko: WEB_KO, ru: WEB_RU };

/** A text of the list pages in `language`, with {placeholders} filled from `vars` (unknown ones stay). */
export function webText(language: LanguageCode, id: WebMessageId, vars: Record<string, string | number> = {}): string {
  return CATALOGUES[language][id].replace(/\{(\w+)\}/g, (m, key: string) => (key in vars ? String(vars[key]) : m));
}

/** Each language's catalogue (the languages test compares their ids and placeholders). */
export function webCatalogues(): Record<LanguageCode, WebCatalogue> {
  return CATALOGUES;
}
