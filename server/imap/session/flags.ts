export const SYSTEM_FLAGS = ['\\Answered', '\\Flagged', '\\Deleted', '\\Seen', '\\Draft'];

/** "(\Seen foo)" with \Recent added for messages recent in this session. */
export function flagList(flags: readonly string[], recent: boolean): string {
  const all = recent ? [...flags, '\\Recent'] : flags;
  return '(' + all.join(' ') + ')';
}

/** Flags a client may set: system flags (not \Recent) and keyword atoms. */
export function checkStorableFlags(flags: string[]): string | undefined {
  for (const f of flags) {
    if (f.startsWith('\\')) {
      if (!SYSTEM_FLAGS.some((s) => s.toLowerCase() === f.toLowerCase())) {
        return f.toLowerCase() === '\\recent' ? '\\Recent cannot be set' : `unknown system flag ${f}`;
      }
    } else if (!/^[\x21-\x7e]+$/.test(f)) {
      return `invalid keyword ${f}`;
    }
  }
  return undefined;
}

/** The FLAGS and PERMANENTFLAGS responses of SELECT, for the system flags plus `keywords`. */
export function flagsResponses(keywords: Iterable<string>, readOnly: boolean, rights = 'stw'): string {
  const flags = [...SYSTEM_FLAGS, ...keywords];
  // PERMANENTFLAGS shows only what the session's ACL rights let it change (RFC 4314 section 4).
  const changeable = permittedFlags(rights, flags);
  if (rights.includes('w')) changeable.push('\\*');
  const permanent = readOnly ? '()' : `(${changeable.join(' ')})`;
  return `* FLAGS (${flags.join(' ')})\r\n* OK [PERMANENTFLAGS ${permanent}] Flags permitted\r\n`;
}

/** The flags of a STORE or APPEND the rights allow: \\Seen needs 's', \\Deleted 't', any other 'w'. */
export function permittedFlags(rights: string, flags: string[]): string[] {
  return flags.filter((f) => {
    const lower = f.toLowerCase();
    return rights.includes(lower === '\\seen' ? 's' : lower === '\\deleted' ? 't' : 'w');
  });
}

/** The keywords (flags without a backslash) in space-separated flag strings as the store keeps them. */
export function keywordsIn(flagStrings: readonly string[]): Set<string> {
  const out = new Set<string>();
  for (const flags of flagStrings) for (const f of flags.split(' ')) if (f !== '' && !f.startsWith('\\')) out.add(f);
  return out;
}
