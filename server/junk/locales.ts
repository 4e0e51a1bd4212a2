/**
 * The seed's "accepted languages" and "accepted locales". Languages are charset
 * families (what Server Admin called language encodings); locales are country codes,
 * matched against the top-level domains a message comes from. Mail in an accepted
 * language or from an accepted country is never pushed towards junk by its encoding
 * or origin alone; anything else earns a fixed penalty (see verdict.ts).
 */

/** Charset family for each charset name a mail client is likely to declare. */
const FAMILIES: Record<string, string[]> = {
  // Unicode and ASCII carry no language; they are accepted whatever the list says.
  western: ['iso-8859-1', 'iso-8859-15', 'windows-1252', 'cp1252', 'latin1', 'iso-8859-3', 'iso-8859-9', 'windows-1254', 'iso-8859-14', 'macintosh', 'x-mac-roman'],
  'central-european': ['iso-8859-2', 'windows-1250', 'cp1250', 'iso-8859-16', 'x-mac-ce'],
  baltic: ['iso-8859-4', 'iso-8859-13', 'windows-1257'],
  cyrillic: ['koi8-r', 'koi8-u', 'iso-8859-5', 'windows-1251', 'cp1251', 'cp866', 'x-mac-cyrillic'],
  greek: ['iso-8859-7', 'windows-1253'],
  hebrew: ['iso-8859-8', 'iso-8859-8-i', 'windows-1255'],
  arabic: ['iso-8859-6', 'windows-1256'],
  thai: ['tis-620', 'windows-874', 'iso-8859-11'],
  vietnamese: ['windows-1258', 'viscii'],
  japanese: ['iso-2022-jp', 'shift_jis', 'shift-jis', 'sjis', 'euc-jp', 'x-sjis', 'windows-31j', 'cp932'],
  korean: ['euc-kr', 'ks_c_5601-1987', 'iso-2022-kr', 'cp949', 'windows-949', 'ks_c_5601'],
  'chinese-simplified': ['gb2312', 'gbk', 'gb18030', 'hz-gb-2312', 'x-gbk', 'cp936', 'euc-cn'],
  'chinese-traditional': ['big5', 'big5-hkscs', 'x-big5', 'cp950'],
};

const FAMILY_OF = new Map<string, string>();
for (const [family, names] of Object.entries(FAMILIES)) for (const n of names) FAMILY_OF.set(n, family);

export const LANGUAGE_FAMILIES: readonly string[] = Object.keys(FAMILIES);

const UNIVERSAL = new Set(['us-ascii', 'ascii', 'utf-8', 'utf8', 'utf-16', 'utf-16le', 'utf-16be', 'utf-7', 'unicode-1-1-utf-7', 'ansi_x3.4-1968', '']);

/** The family of a charset, "universal" for Unicode/ASCII, or "other" for names we do not know. */
export function charsetFamily(charset: string): string {
  const cs = charset.toLowerCase();
  if (UNIVERSAL.has(cs)) return 'universal';
  return FAMILY_OF.get(cs) ?? (/^(x-)?(unknown|default|charset|us)/.test(cs) ? 'universal' : 'other');
}

/** "*" or an empty list accepts everything, the seed's default. */
export function acceptsAll(list: readonly string[]): boolean {
  return list.length === 0 || list.includes('*');
}

export function isCharsetAccepted(charset: string, acceptedLanguages: readonly string[]): boolean {
  const family = charsetFamily(charset);
  return family === 'universal' || acceptsAll(acceptedLanguages) || acceptedLanguages.includes(family) || acceptedLanguages.includes(charset.toLowerCase());
}

/** Generic and infrastructure top-level domains say nothing about a country. */
export function countryOfDomain(domain: string): string | undefined {
  const dot = domain.lastIndexOf('.');
  const tld = domain.slice(dot + 1).toLowerCase();
  return /^[a-z]{2}$/.test(tld) ? tld : undefined;
}

export function isCountryAccepted(country: string, acceptedLocales: readonly string[]): boolean {
  // "uk" is the TLD of the country whose ISO code is "gb"; accept either spelling.
  const c = country === 'uk' ? 'gb' : country;
  return acceptsAll(acceptedLocales) || acceptedLocales.some((l) => (l.toLowerCase() === 'uk' ? 'gb' : l.toLowerCase()) === c);
}
