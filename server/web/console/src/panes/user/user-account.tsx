import { useState, type FormEvent } from 'react';
import { useMutation, useQuery } from 'urql';
import { graphql } from '../../gql';
import { FieldError, TextField, formError } from '../../ui/field';
import { SavedNote, useSaved } from '../../ui/feedback';
import { formatTime } from '../../ui/format';
import { ErrorState } from '../../ui/states';

const ChangeMyPassword = graphql(`
  mutation ConsoleChangeMyPassword($input: ChangeMyPasswordInput!) {
    changeMyPassword(input: $input)
  }
`);

const MyAppPasswords = graphql(`
  query ConsoleMyAppPasswords {
    myAppPasswords {
      id
      name
      createdAt
      lastUsedAt
    }
  }
`);

const CreateMyAppPassword = graphql(`
  mutation ConsoleCreateMyAppPassword($input: CreateAppPasswordInput!) {
    createMyAppPassword(input: $input) {
      password
      appPassword {
        id
        name
      }
    }
  }
`);

const RevokeMyAppPassword = graphql(`
  mutation ConsoleRevokeMyAppPassword($input: RevokeAppPasswordInput!) {
    revokeMyAppPassword(input: $input)
  }
`);

const APP_PASSWORD_SESSION = 'You logged in with an app password: log in with your mail password to change this.';

export function ChangePassword({ disabled }: { disabled: boolean }) {
  const [result, change] = useMutation(ChangeMyPassword);
  const [currentPassword, setCurrent] = useState('');
  const [newPassword, setNew] = useState('');
  const { saved, show } = useSaved();
  async function submit(e: FormEvent) {
    e.preventDefault();
    const r = await change({ input: { currentPassword, newPassword } });
    if (!r.error) {
      setCurrent('');
      setNew('');
      show();
    }
  }
  return (
    <section className="card" aria-labelledby="password-title">
      <h2 id="password-title">Password</h2>
      {disabled ? (
        <p>{APP_PASSWORD_SESSION}</p>
      ) : (
        <form aria-label="Change your password" onSubmit={(e) => void submit(e)}>
          <TextField label="Current password" field="currentPassword" type="password" autoComplete="current-password" value={currentPassword} onChange={setCurrent} error={result.error} required />
          <TextField label="New password" field="password" type="password" autoComplete="new-password" value={newPassword} onChange={setNew} error={result.error} hint="At least 8 characters. Your other logins end; app passwords keep working." required />
          <FieldError id="password-form-error" error={formError(result.error, ['currentPassword', 'password'])} />
          <div className="actions">
            <SavedNote saved={saved} text="Password changed" />
            <button type="submit" className="primary" disabled={result.fetching}>
              Change password
            </button>
          </div>
        </form>
      )}
    </section>
  );
}

export function AppPasswords({ disabled }: { disabled: boolean }) {
  const [{ data, error }, reload] = useQuery({ query: MyAppPasswords });
  const [created, create] = useMutation(CreateMyAppPassword);
  const [revoked, revoke] = useMutation(RevokeMyAppPassword);
  const [name, setName] = useState('');
  const [shown, setShown] = useState<{ name: string; password: string }>();
  async function submit(e: FormEvent) {
    e.preventDefault();
    const r = await create({ input: { name } });
    if (r.data) {
      setShown({ name: r.data.createMyAppPassword.appPassword.name, password: r.data.createMyAppPassword.password });
      setName('');
      reload({ requestPolicy: 'network-only' });
    }
  }
  async function remove(id: string) {
    const r = await revoke({ input: { id } });
    if (!r.error) reload({ requestPolicy: 'network-only' });
  }
  if (error) return <ErrorState error={error} />;
  const list = data?.myAppPasswords ?? [];
  return (
    <section className="card" aria-labelledby="app-passwords-title">
      <h2 id="app-passwords-title">App passwords</h2>
      <p>A password for each mail client (phone, laptop): it works for reading and sending mail, never for this page&rsquo;s settings, and you can revoke one without changing the others.</p>
      {list.length ? (
        <table>
          <caption>Your app passwords</caption>
          <thead>
            <tr>
              <th scope="col">Client</th>
              <th scope="col">Created</th>
              <th scope="col">Last used</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {list.map((p) => (
              <tr key={p.id}>
                <td>{p.name}</td>
                <td>{formatTime(p.createdAt)}</td>
                <td>{p.lastUsedAt ? formatTime(p.lastUsedAt) : 'never'}</td>
                <td>
                  {disabled ? null : (
                    <button type="button" className="danger" disabled={revoked.fetching} onClick={() => void remove(p.id)} aria-label={`Revoke ${p.name}`}>
                      Revoke
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p>You have no app passwords.</p>
      )}
      {shown ? (
        <p className="notice" role="status">
          The app password for {shown.name} is <output className="app-password">{shown.password}</output>. Type it into the client now: it will not be shown again.
        </p>
      ) : null}
      {disabled ? (
        <p>{APP_PASSWORD_SESSION}</p>
      ) : (
        <form className="inline-form" aria-label="New app password" onSubmit={(e) => void submit(e)}>
          <TextField label="Client name" field="name" value={name} onChange={setName} error={created.error} hint="For example “Phone” or “Thunderbird at home”." required />
          <FieldError id="app-password-error" error={formError(created.error, ['name'])} />
          <div className="actions">
            <button type="submit" className="primary" disabled={created.fetching}>
              Create app password
            </button>
          </div>
        </form>
      )}
    </section>
  );
}
