import { useEffect, useState } from 'react';
import { Link, Redirect, Route, Switch, useLocation } from 'wouter';
import { useMutation, useQuery } from 'urql';
import { graphql } from './gql';
import { endSession } from './api/session';
import { useSession } from './ui/control';
import { GROUPS, PANE_ORDER, pathOf, type Pane } from './panes/pane';
import { HOME } from './routes';
import { PANES } from './panes';

const ShellQuery = graphql(`
  query ConsoleShell {
    serviceStatus {
      hostname
      version
    }
  }
`);

const LogoutMutation = graphql(`
  mutation ConsoleLogout {
    logout
  }
`);

const ordered = [...PANES].sort((a, b) => PANE_ORDER.indexOf(a.id) - PANE_ORDER.indexOf(b.id));

function paneFor(location: string): Pane | undefined {
  return ordered.find((p) => location === pathOf(p) || location.startsWith(pathOf(p) + '/'));
}

/** The header, the grouped navigation (a menu button at phone width) and the pane of the URL. */
export function Shell() {
  const session = useSession();
  const [location] = useLocation();
  const [menuOpen, setMenuOpen] = useState(false);
  const [{ data }] = useQuery({ query: ShellQuery });
  const [, logout] = useMutation(LogoutMutation);
  const current = paneFor(location);

  useEffect(() => {
    setMenuOpen(false);
    document.title = current ? `${current.title} — Pillarbox` : 'Pillarbox';
  }, [location, current]);

  async function logOut() {
    await logout({});
    endSession('You logged out.');
  }

  return (
    <div className="shell">
      <header className="top">
        <button type="button" className="menu-button" data-view aria-expanded={menuOpen} aria-controls="nav" onClick={() => setMenuOpen(!menuOpen)}>
          <span aria-hidden="true">☰</span> Menu
        </button>
        <div className="brand">
          <span className="brand-name">Pillarbox</span>
          <span className="server-name">{data?.serviceStatus.hostname ?? ''}</span>
        </div>
        <div className="account">
          <span>
            {session.username} <span className={`role role-${session.role.toLowerCase()}`}>{session.role === 'ADMIN' ? 'admin' : 'monitor (read only)'}</span>
          </span>
          <button type="button" data-view onClick={() => void logOut()}>
            Log out
          </button>
        </div>
      </header>
      <nav id="nav" className={menuOpen ? 'nav open' : 'nav'} aria-label="Panes">
        {GROUPS.map((group) => {
          const panes = ordered.filter((p) => p.group === group);
          if (!panes.length) return null;
          return (
            <div className="nav-group" key={group}>
              <h2 className="nav-group-title">{group}</h2>
              <ul>
                {panes.map((p) => (
                  <li key={p.id}>
                    <Link href={pathOf(p)} aria-current={current?.id === p.id ? 'page' : undefined}>
                      {p.title}
                    </Link>
                  </li>
                ))}
              </ul>
            </div>
          );
        })}
      </nav>
      <main className="pane" id="main">
        <Switch>
          <Route path="/">
            <Redirect to={HOME} replace />
          </Route>
          {ordered.map((p) => (
            <Route key={p.id} path={pathOf(p)} nest>
              <p.component />
            </Route>
          ))}
          <Route>
            <h1>No such pane</h1>
            <p>
              <Link href={HOME}>Go to the overview</Link>
            </p>
          </Route>
        </Switch>
      </main>
    </div>
  );
}
