import { useState, type FormEvent } from 'react';
import { graphql } from './gql';
import { createAnonymousClient } from './api/client';
import { saveSession } from './api/session';
import { describeError } from './ui/states';

const LoginMutation = graphql(`
  mutation ConsoleLogin($username: String!, $password: String!) {
    login(username: $username, password: $password) {
      token
      expiresAt
      role
      admin {
        username
      }
    }
  }
`);

/** The management account's login; `notice` says why the console came back here. */
export function Login({ notice }: { notice?: string }) {
  const [username, setUsername] = useState('admin');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<{ code: string; message: string }>();

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setFailure(undefined);
    const result = await createAnonymousClient().mutation(LoginMutation, { username, password }).toPromise();
    setBusy(false);
    if (result.error || !result.data) {
      setFailure(result.error ? describeError(result.error) : { code: 'ERROR', message: 'no answer' });
      return;
    }
    const login = result.data.login;
    saveSession({ token: login.token, username: login.admin.username, role: login.role, expiresAt: login.expiresAt });
  }

  return (
    <main className="login">
      <form onSubmit={submit} aria-labelledby="login-title">
        <h1 id="login-title">Pillarbox</h1>
        <p className="login-sub">Log in with a management account.</p>
        {notice ? (
          <p className="notice" role="status">
            {notice}
          </p>
        ) : null}
        <div className="field">
          <label htmlFor="login-username">User name</label>
          <input id="login-username" name="username" autoComplete="username" value={username} onChange={(e) => setUsername(e.target.value)} required />
        </div>
        <div className="field">
          <label htmlFor="login-password">Password</label>
          <input id="login-password" name="password" type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} required />
        </div>
        {failure ? (
          <p className="field-error" role="alert">
            <code>{failure.code}</code> {failure.message}
          </p>
        ) : null}
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Logging in…' : 'Log in'}
        </button>
        <p className="login-sub">
          <a href="/me">Mail users log in here</a>
        </p>
      </form>
    </main>
  );
}
