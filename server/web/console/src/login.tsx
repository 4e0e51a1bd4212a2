import { useState, type FormEvent } from 'react';
import { graphql } from './gql';
import { createAnonymousClient } from './api/client';
import { type Session, saveSession } from './api/session';
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

/** The outcome of one login attempt: a session to keep, or the API's error. */
export type LoginOutcome = { session: Session } | { failure: { code: string; message: string } };

/** The management account's login; `notice` says why the console came back here. */
export function Login({ notice }: { notice?: string }) {
  return (
    <LoginForm
      title="Pillarbox"
      intro="Log in with a management account."
      usernameLabel="User name"
      initialUsername="admin"
      other={{ href: '/me', text: 'Mail users log in here' }}
      notice={notice}
      logIn={async (username, password) => {
        const result = await createAnonymousClient().mutation(LoginMutation, { username, password }).toPromise();
        if (result.error || !result.data) return { failure: result.error ? describeError(result.error) : { code: 'ERROR', message: 'no answer' } };
        const login = result.data.login;
        return { session: { token: login.token, username: login.admin.username, role: login.role, expiresAt: login.expiresAt } };
      }}
    />
  );
}

/** The login form both kinds of account use: what differs is its words and the mutation behind `logIn`. */
export function LoginForm(props: {
  title: string;
  intro: string;
  usernameLabel: string;
  initialUsername: string;
  other: { href: string; text: string };
  notice?: string;
  logIn: (username: string, password: string) => Promise<LoginOutcome>;
}) {
  const [username, setUsername] = useState(props.initialUsername);
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<{ code: string; message: string }>();

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setFailure(undefined);
    const outcome = await props.logIn(username, password);
    setBusy(false);
    if ('failure' in outcome) setFailure(outcome.failure);
    else saveSession(outcome.session);
  }

  return (
    <main className="login">
      <form onSubmit={submit} aria-labelledby="login-title">
        <h1 id="login-title">{props.title}</h1>
        <p className="login-sub">{props.intro}</p>
        {props.notice ? (
          <p className="notice" role="status">
            {props.notice}
          </p>
        ) : null}
        <div className="field">
          <label htmlFor="login-username">{props.usernameLabel}</label>
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
          <a href={props.other.href}>{props.other.text}</a>
        </p>
      </form>
    </main>
  );
}
