import { useState, type FormEvent } from 'react';
import { graphql } from '../../gql';
import { createAnonymousClient } from '../../api/client';
import { saveSession } from '../../api/session';
import { describeError } from '../../ui/states';

const UserLoginMutation = graphql(`
  mutation ConsoleUserLogin($username: String!, $password: String!) {
    userLogin(username: $username, password: $password) {
      token
      expiresAt
      account {
        shortName
      }
    }
  }
`);

/** A mail user's login (role USER) at /me: the mail password or an app password. */
export function UserLogin({ notice }: { notice?: string }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<{ code: string; message: string }>();

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setFailure(undefined);
    const result = await createAnonymousClient().mutation(UserLoginMutation, { username, password }).toPromise();
    setBusy(false);
    if (result.error || !result.data) {
      setFailure(result.error ? describeError(result.error) : { code: 'ERROR', message: 'no answer' });
      return;
    }
    const login = result.data.userLogin;
    saveSession({ token: login.token, username: login.account.shortName, role: 'USER', expiresAt: login.expiresAt });
  }

  return (
    <main className="login">
      <form onSubmit={submit} aria-labelledby="login-title">
        <h1 id="login-title">Your mail account</h1>
        <p className="login-sub">Log in with your mail address and password to change your password, vacation reply, filters and junk mail settings.</p>
        {notice ? (
          <p className="notice" role="status">
            {notice}
          </p>
        ) : null}
        <div className="field">
          <label htmlFor="login-username">Address or user name</label>
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
          <a href="/">Administrators log in here</a>
        </p>
      </form>
    </main>
  );
}
