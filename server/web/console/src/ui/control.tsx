import { createContext, useContext, type ReactNode } from 'react';
import type { Session } from '../api/session';

/**
 * The one rule for what a MONITOR sees: nothing that changes anything. Every control that
 * would call a mutation is wrapped in <Control> (or uses a component from ui/ that is), so a
 * MONITOR account is never shown it. Controls that only change the view (filters, sorting,
 * paging, inspecting) carry data-view instead; the browser tests check that a MONITOR sees
 * no other control on any pane.
 */
export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside a logged-in console');
  return session;
}

/** True for the ADMIN role: the account may change things. */
export function useCanChange(): boolean {
  return useContext(SessionContext)?.role === 'ADMIN';
}

/** Renders its children only for accounts that may change things; `otherwise` for the rest. */
export function Control({ children, otherwise = null }: { children: ReactNode; otherwise?: ReactNode }) {
  return <>{useCanChange() ? children : otherwise}</>;
}
