import type { SieveScripts } from './scripts';
import { VACATION_SCRIPT, type VacationSettings, readVacationScript, vacationScript } from './vacation-script';

/** A change to the vacation shortcut; what is left out keeps its value. */
export interface VacationChange {
  enabled: boolean;
  subject?: string;
  text?: string;
  days?: number;
  addresses?: string[];
}

export interface VacationState extends VacationSettings {
  enabled: boolean;
}

export type VacationErrorCode = 'SCRIPT_TAKEN' | 'INVALID_DAYS' | 'INVALID_ADDRESS' | 'TEXT_REQUIRED';

export class VacationError extends Error {
  constructor(
    readonly code: VacationErrorCode,
    message: string,
    /** The input field at fault. */
    readonly field?: string,
  ) {
    super(message);
  }
}

const ADDRESS = /^[^\s@"\\]+@[^\s@"\\]+$/;

/**
 * The vacation shortcut: writes the user's "vacation" script from simple settings and switches
 * it on or off, keeping the script that was active before running (included) and bringing it
 * back afterwards. The one home of its rules, for GraphQL and any other caller.
 */
export async function setVacation(scripts: SieveScripts, userId: number, change: VacationChange): Promise<VacationState> {
  const existing = scripts.get(userId, VACATION_SCRIPT);
  const old = existing ? readVacationScript(existing.content) : undefined;
  if (existing && !old) throw new VacationError('SCRIPT_TAKEN', `the user has a script named "${VACATION_SCRIPT}" that the vacation settings did not write`);
  const days = change.days ?? old?.days ?? 7;
  if (!Number.isInteger(days) || days < 1 || days > 365) throw new VacationError('INVALID_DAYS', 'days must be from 1 to 365', 'days');
  const addresses = change.addresses ?? old?.addresses ?? [];
  const bad = addresses.find((a) => !ADDRESS.test(a));
  if (bad) throw new VacationError('INVALID_ADDRESS', `"${bad}" is not an address`, 'addresses');
  const text = change.text ?? old?.text ?? '';
  if (change.enabled && !text.trim()) throw new VacationError('TEXT_REQUIRED', 'the reply text is needed to switch vacation on', 'text');
  const active = scripts.activeName(userId);
  // Remember what ran before, to include it now and to reactivate it when vacation ends.
  const previous = active && active !== VACATION_SCRIPT ? active : old?.previous && scripts.get(userId, old.previous) ? old.previous : undefined;
  const settings: VacationSettings = { subject: change.subject ?? old?.subject ?? 'Out of Office', text, days, addresses, previous };
  await scripts.put(userId, VACATION_SCRIPT, vacationScript(settings), { activate: change.enabled });
  if (!change.enabled && active === VACATION_SCRIPT) scripts.setActive(userId, previous ?? null);
  return { enabled: change.enabled, ...settings };
}
