/**
 * The logged-in management account (or, role USER, a mail user at /me), kept in sessionStorage (one browser tab, gone when it
 * closes). Listeners hear logins, logouts and a token the API no longer accepts.
 */
export type Role = 'ADMIN' | 'MONITOR' | 'USER';

export interface Session {
  token: string;
  username: string;
  role: Role;
  expiresAt: string;
}

const KEY = 'pillarbox.console.session';
type Listener = (session: Session | null, reason?: string) => void;
const listeners = new Set<Listener>();

export function loadSession(): Session | null {
  try {
    const raw = sessionStorage.getItem(KEY);
    if (!raw) return null;
    const session = JSON.parse(raw) as Session;
    return Date.parse(session.expiresAt) > Date.now() ? session : null;
  } catch {
    return null;
  }
}

export function saveSession(session: Session): void {
  sessionStorage.setItem(KEY, JSON.stringify(session));
  for (const l of listeners) l(session);
}

/** Forgets the token; `reason` is shown on the login form (expired, revoked). */
export function endSession(reason?: string): void {
  sessionStorage.removeItem(KEY);
  for (const l of listeners) l(null, reason);
}

export function onSessionChange(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
