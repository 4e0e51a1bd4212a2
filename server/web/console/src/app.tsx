import { useEffect, useMemo, useState } from 'react';
import { Provider } from 'urql';
import { createApiClient } from './api/client';
import { loadSession, onSessionChange, type Session } from './api/session';
import { SessionContext } from './ui/control';
import { Login } from './login';
import { Shell } from './shell';

export function App() {
  const [session, setSession] = useState<Session | null>(loadSession);
  const [notice, setNotice] = useState<string>();
  useEffect(
    () =>
      onSessionChange((next, reason) => {
        setSession(next);
        setNotice(reason);
      }),
    [],
  );
  const api = useMemo(() => (session ? createApiClient(session.token) : undefined), [session]);
  useEffect(() => () => api?.close(), [api]);

  if (!session || !api) return <Login notice={notice} />;
  return (
    <SessionContext.Provider value={session}>
      <Provider value={api.client}>
        <Shell />
      </Provider>
    </SessionContext.Provider>
  );
}
