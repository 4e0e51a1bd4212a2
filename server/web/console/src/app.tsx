import { useEffect, useMemo, useState } from 'react';
import { Provider } from 'urql';
import { createApiClient } from './api/client';
import { loadSession, onSessionChange, type Session } from './api/session';
import { SessionContext } from './ui/control';
import { Login } from './login';
import { Shell } from './shell';
import { USER_PATH } from './routes';
import { UserLogin } from './panes/user/user-login';
import { UserView } from './panes/user/user-view';

/** /me is the mail users' page: their login and, logged in, their own view. */
const userPage = () => window.location.pathname === USER_PATH || window.location.pathname.startsWith(`${USER_PATH}/`);

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

  if (!session || !api) return userPage() ? <UserLogin notice={notice} /> : <Login notice={notice} />;
  return (
    <SessionContext.Provider value={session}>
      <Provider value={api.client}>{session.role === 'USER' ? <UserView /> : <Shell />}</Provider>
    </SessionContext.Provider>
  );
}
