// `pillarbox lists …`: list tasks from the command line (today: importing a Mailman 2.1 list).
import fs from 'node:fs';
import type { MailingLists } from './lists';
import { MEMBER_FILE_KINDS, type MemberFileKind } from './mailman-import';

export const LISTS_USAGE = `usage: pillarbox lists import --domain DOMAIN --config FILE [--name NAME] [--members [KIND:]FILE]... [engine flags]

Creates a list from a Mailman 2.1 list: FILE of --config is the output of
  config_list -o FILE LISTNAME
and each --members FILE the output of list_members, KIND saying which:
  ${MEMBER_FILE_KINDS.join(', ')}
(no KIND: all members, as plain "list_members LISTNAME" prints them), e.g.
  --members all.txt --members digest=plain:plain.txt --members nomail=bybounce:bouncing.txt
Members are added without welcome or confirmation; settings with no equivalent are listed.
`;

const OWN = new Set(['--domain', '--config', '--name', '--members']);

/** This command's flags and the engine's (--data-dir …), as the migrate command splits them. */
export function splitListsArgs(argv: string[]): { own: [string, string][]; engine: string[]; rest: string[] } {
  const own: [string, string][] = [];
  const engine: string[] = [];
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const [flag, inline] = a.includes('=') && a.startsWith('--') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    if (OWN.has(flag)) own.push([flag, inline ?? argv[++i] ?? '']);
    else if (a.startsWith('--')) {
      engine.push(a);
      if (!a.includes('=') && i + 1 < argv.length && !argv[i + 1].startsWith('--')) engine.push(argv[++i]);
    } else rest.push(a);
  }
  return { own, engine, rest };
}

/** Runs `pillarbox lists import …`; returns the exit code. */
export async function listsImportCommand(lists: MailingLists, own: [string, string][], out: (line: string) => void): Promise<number> {
  const get = (flag: string) => own.find(([f]) => f === flag)?.[1];
  const domain = get('--domain');
  const configFile = get('--config');
  if (!domain || !configFile) {
    out(LISTS_USAGE);
    return 2;
  }
  const members = own
    .filter(([f]) => f === '--members')
    .map(([, v]) => {
      const colon = v.indexOf(':');
      const kind = colon > 0 && (MEMBER_FILE_KINDS as readonly string[]).includes(v.slice(0, colon)) ? (v.slice(0, colon) as MemberFileKind) : 'all';
      const file = kind === 'all' && !v.startsWith('all:') ? v : v.slice(colon + 1);
      return { kind, text: fs.readFileSync(file, 'utf8') };
    });
  const r = await lists.importMailman({ domain, name: get('--name'), config: fs.readFileSync(configFile, 'latin1'), members });
  out(`list ${r.list.address} created: ${r.added.length} member(s) added`);
  for (const s of r.skippedMembers) out(`member not added: ${s.address}: ${s.reason}`);
  for (const l of r.unreadableLines) out(`member line not read: ${l}`);
  for (const s of r.skippedSettings) out(`setting not taken over: ${s.name}: ${s.reason}`);
  return 0;
}
