/** What the vacation shortcut (GraphQL setVacation) manages. */
export interface VacationSettings {
  subject: string;
  text: string;
  days: number;
  addresses: string[];
  /** The script that was active when vacation was switched on; it keeps running through include. */
  previous?: string;
}

export const VACATION_SCRIPT = 'vacation';
const MARKER = '# pillarbox-vacation: ';

function quote(s: string): string {
  return `"${s.replace(/[\\"]/g, '\\$&')}"`;
}

/**
 * The Sieve script for the vacation shortcut. Its settings are repeated in a comment so they can
 * be shown again; the previously active script is included after the vacation action, so filing
 * rules keep working while the user is away.
 */
export function vacationScript(v: VacationSettings): string {
  const requires = ['vacation', ...(v.previous ? ['include'] : [])];
  const lines = [
    '# Written by Pillarbox (the vacation settings); changing them there rewrites this script.',
    MARKER + JSON.stringify({ subject: v.subject, days: v.days, addresses: v.addresses, previous: v.previous }),
    `require [${requires.map(quote).join(', ')}];`,
    `vacation :days ${v.days}${v.subject ? ` :subject ${quote(v.subject)}` : ''}${v.addresses.length ? ` :addresses [${v.addresses.map(quote).join(', ')}]` : ''}`,
    `  ${quote(v.text.replace(/\r?\n/g, '\r\n'))};`,
  ];
  if (v.previous) lines.push(`include :personal ${quote(v.previous)};`);
  return lines.join('\r\n') + '\r\n';
}

/** The settings of a script vacationScript wrote, or undefined for any other script. */
export function readVacationScript(content: string): VacationSettings | undefined {
  const line = content.split(/\r?\n/).find((l) => l.startsWith(MARKER));
  if (!line) return undefined;
  try {
    const meta = JSON.parse(line.slice(MARKER.length)) as Omit<VacationSettings, 'text'>;
    // The text is the last string of the vacation command: read it back from the script itself.
    const m = /\n {2}"((?:[^"\\]|\\.)*)";\r?\n/s.exec(content);
    const text = m ? m[1].replace(/\\(["\\])/g, '$1').replace(/\r\n/g, '\n') : '';
    return { subject: meta.subject ?? '', days: meta.days ?? 7, addresses: meta.addresses ?? [], previous: meta.previous, text };
  } catch {
    return undefined;
  }
}
