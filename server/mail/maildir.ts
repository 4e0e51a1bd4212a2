/**
 * Maildir file names (cr.yp.to/proto/maildir.html, Maildir++ and Dovecot's extensions):
 * "<unique>:2,<flags>", where capital letters are the standard flags and small ones
 * Dovecot's keywords, numbered by the folder's dovecot-keywords file.
 */

const STANDARD_FLAGS: Record<string, string> = {
  D: '\\Draft',
  F: '\\Flagged',
  P: '$Forwarded',
  R: '\\Answered',
  S: '\\Seen',
  T: '\\Deleted',
};

/** The part of a Maildir file name that stays when its flags change: the key of the message. */
export function maildirUniqueName(fileName: string): string {
  const colon = fileName.indexOf(':');
  return colon < 0 ? fileName : fileName.slice(0, colon);
}

/** The flags of a Maildir file name; `keywords[i]` is the keyword of the letter 'a' + i. */
export function maildirFlags(fileName: string, keywords: readonly string[] = []): string[] {
  const info = /:2,([^:]*)$/.exec(fileName);
  if (!info) return [];
  const flags: string[] = [];
  for (const letter of info[1]) {
    const standard = STANDARD_FLAGS[letter];
    if (standard) flags.push(standard);
    else if (letter >= 'a' && letter <= 'z' && keywords[letter.charCodeAt(0) - 97]) flags.push(keywords[letter.charCodeAt(0) - 97]);
  }
  return flags;
}

/** Dovecot's dovecot-keywords file: lines "<index> <keyword>"; the result is indexed by number. */
export function dovecotKeywords(text: string): string[] {
  const keywords: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    const m = /^(\d+) (\S+)$/.exec(line.trim());
    if (m && Number(m[1]) < 26) keywords[Number(m[1])] = m[2];
  }
  return keywords;
}
