/** What the firmware agent can be asked to do. */
export type RequestAction = 'update' | 'rollback' | 'factory-reset';
export const REQUEST_ACTIONS: readonly RequestAction[] = ['update', 'rollback', 'factory-reset'];

/** Image file names: what the agent accepts too (appliance/sbin/pillarbox-firmware-agent). */
export const IMAGE_NAME = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,99}$/;
/** Largest image accepted: a compressed image is about 250 MB, a raw one 3 GB. */
export const MAX_IMAGE_BYTES = 8 * 1024 ** 3;

/** requests/request.json, as the engine writes it and the agent reads it. */
export interface FirmwareRequest {
  id: string;
  action: RequestAction;
  /** For updates: a file name in images/. */
  image?: string;
  /** For updates: the image's SHA-256 when it was added; the agent checks the file against it. */
  sha256?: string;
  /** Unix seconds; the agent waits until then. */
  notBefore: number;
  requestedBy: string;
  requestedAt: string;
}

export type RequestState = 'scheduled' | 'running' | 'done' | 'failed' | 'cancelled';

/** status.json, written by the agent at every boot and after every request. */
export interface AgentStatus {
  updatedAt: string;
  /** Undefined when the agent names no slot the engine knows. */
  runningSlot?: SystemSlot;
  defaultSlot?: SystemSlot;
  /** The slot booting once on trial at the next reboot, if an update is written. */
  trialSlot?: SystemSlot;
  systemVersion: string;
  /** Newest last: "2026-12-01T… written: slot B = 0.2.0, on trial at the next boot", … */
  history: string[];
  lastRequest?: { id: string; action: RequestAction; state: RequestState; message: string; at: string };
}

export interface SystemImage {
  name: string;
  size: number;
  sha256?: string;
  addedAt: Date;
  /** Set while the image is still being downloaded from this URL. */
  fetchingFrom?: string;
}

export class FirmwareError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The appliance's two system slots (pillarbox.slot= on the kernel command line). */
export const SYSTEM_SLOTS = ['A', 'B'] as const;
export type SystemSlot = (typeof SYSTEM_SLOTS)[number];
const slotOrUndefined = (v: unknown): SystemSlot | undefined => (SYSTEM_SLOTS.includes(v as SystemSlot) ? (v as SystemSlot) : undefined);

/** The agent's status file, read defensively: it is written by another program. */
export function parseAgentStatus(text: string): AgentStatus | undefined {
  const raw = JSON.parse(text) as Partial<AgentStatus>;
  if (typeof raw.runningSlot !== 'string' || typeof raw.updatedAt !== 'string') return undefined;
  const last = raw.lastRequest;
  return {
    updatedAt: raw.updatedAt,
    runningSlot: slotOrUndefined(raw.runningSlot),
    defaultSlot: slotOrUndefined(raw.defaultSlot) ?? slotOrUndefined(raw.runningSlot),
    trialSlot: slotOrUndefined(raw.trialSlot),
    systemVersion: typeof raw.systemVersion === 'string' ? raw.systemVersion : 'unknown',
    history: Array.isArray(raw.history) ? raw.history.filter((h): h is string => typeof h === 'string') : [],
    lastRequest:
      last && typeof last.id === 'string' && REQUEST_ACTIONS.includes(last.action as RequestAction)
        ? { id: last.id, action: last.action, state: last.state ?? 'done', message: String(last.message ?? ''), at: String(last.at ?? '') }
        : undefined,
  };
}
