import { useEffect, useState, type FormEvent } from 'react';
import { useMutation, useQuery } from 'urql';
import { Link, useLocation } from 'wouter';
import { graphql } from '../gql';
import type { MailProtocols } from '../gql/graphql';
import { ConfirmDialog } from '../ui/confirm';
import { useCanChange } from '../ui/control';
import { Field, FieldError, TextField, formError } from '../ui/field';
import { SavedNote, useSaved } from '../ui/feedback';
import { formatBytes } from '../ui/format';
import { ErrorState, Loading } from '../ui/states';
import { formatList, parseList, parseWhole } from './admin-forms';
import { SieveScripts, Vacation } from './account-mail-rules';

const UserQuery = graphql(`
  query ConsoleUser($id: ID!) {
    user(id: $id) {
      id
      shortName
      fullName
      mailEnabled
      protocols
      quotaMb
      storeLocation
      names
      forwardTo
      createdAt
      quota {
        usedBytes
        limitBytes
        percent
        messages
      }
    }
  }
`);

const StoreLocations = graphql(`
  query ConsoleStoreLocations {
    mailStore {
      locations {
        name
        path
      }
    }
  }
`);

const CreateUser = graphql(`
  mutation ConsoleCreateUser($input: CreateUserInput!) {
    createUser(input: $input) {
      id
    }
  }
`);

const UpdateUser = graphql(`
  mutation ConsoleUpdateUser($input: UpdateUserInput!) {
    updateUser(input: $input) {
      id
    }
  }
`);

const SetUserPassword = graphql(`
  mutation ConsoleSetUserPassword($input: SetUserPasswordInput!) {
    setUserPassword(input: $input) {
      id
    }
  }
`);

const DeleteUser = graphql(`
  mutation ConsoleDeleteUser($input: DeleteUserInput!) {
    deleteUser(input: $input)
  }
`);

interface Draft {
  shortName: string;
  fullName: string;
  password: string;
  mailEnabled: boolean;
  protocols: MailProtocols;
  quotaMb: string;
  storeLocation: string;
  names: string;
  forwardTo: string;
}

const EMPTY: Draft = { shortName: '', fullName: '', password: '', mailEnabled: true, protocols: 'BOTH', quotaMb: '0', storeLocation: 'default', names: '', forwardTo: '' };
const FIELDS = ['shortName', 'fullName', 'password', 'mailEnabled', 'protocols', 'quotaMb', 'storeLocation', 'names', 'forwardTo'];

/** Workgroup Manager's mail tab for one user (or a new one: no id). */
export function AccountEditor({ id }: { id?: string }) {
  const [{ data, error, fetching }, reload] = useQuery({ query: UserQuery, variables: { id: id ?? '' }, pause: !id, requestPolicy: 'cache-and-network' });
  const [{ data: stores }] = useQuery({ query: StoreLocations });
  const [created, createUser] = useMutation(CreateUser);
  const [updated, updateUser] = useMutation(UpdateUser);
  const [passwordResult, setUserPassword] = useMutation(SetUserPassword);
  const [deleted, deleteUser] = useMutation(DeleteUser);
  const [, navigate] = useLocation();
  const [draft, setDraft] = useState<Draft>(EMPTY);
  const [confirming, setConfirming] = useState(false);
  const { saved, show } = useSaved();
  const canChange = useCanChange();
  const user = data?.user;

  useEffect(() => {
    if (!user) return;
    setDraft({
      shortName: user.shortName,
      fullName: user.fullName,
      password: '',
      mailEnabled: user.mailEnabled,
      protocols: user.protocols,
      quotaMb: String(user.quotaMb),
      storeLocation: user.storeLocation,
      names: formatList(user.names),
      forwardTo: formatList(user.forwardTo),
    });
  }, [user]);

  if (id && error) return <ErrorState error={error} />;
  if (id && !data) return fetching ? <Loading /> : null;
  if (id && !user) {
    return (
      <>
        <h1>No such user</h1>
        <p>
          <Link href="/">Back to the accounts</Link>
        </p>
      </>
    );
  }
  if (!id && !canChange) {
    return (
      <>
        <h1>New user</h1>
        <p>This account is read-only.</p>
      </>
    );
  }

  const set = <K extends keyof Draft>(key: K, value: Draft[K]) => setDraft((d) => ({ ...d, [key]: value }));
  const mutationError = id ? updated.error ?? passwordResult.error : created.error;

  async function submit(e: FormEvent) {
    e.preventDefault();
    const common = {
      fullName: draft.fullName,
      mailEnabled: draft.mailEnabled,
      protocols: draft.protocols,
      quotaMb: parseWhole(draft.quotaMb) as number,
      storeLocation: draft.storeLocation,
      names: parseList(draft.names),
      forwardTo: parseList(draft.forwardTo),
    };
    if (!id) {
      const result = await createUser({ input: { shortName: draft.shortName, password: draft.password, ...common } });
      if (!result.error && result.data) navigate(`/${result.data.createUser.id}`, { replace: true });
      return;
    }
    const result = await updateUser({ input: { id, shortName: draft.shortName, ...common } });
    if (result.error) return;
    if (draft.password) {
      const pw = await setUserPassword({ input: { id, password: draft.password } });
      if (pw.error) return;
      set('password', '');
    }
    show();
    reload({ requestPolicy: 'network-only' });
  }

  async function remove() {
    if (!id) return;
    const result = await deleteUser({ input: { id } });
    setConfirming(false);
    if (!result.error) navigate('/');
  }

  const locations = stores?.mailStore.locations.map((l) => l.name) ?? ['default'];
  if (!locations.includes(draft.storeLocation)) locations.push(draft.storeLocation);
  const whole = formError(mutationError, FIELDS);

  return (
    <>
      <p>
        <Link href="/">← Accounts</Link>
      </p>
      <h1>{id ? `User ${user?.shortName}` : 'New user'}</h1>
      {user ? (
        <p className="lede">
          {formatBytes(user.quota.usedBytes)} in {user.quota.messages} messages
          {user.quota.limitBytes ? ` of ${formatBytes(user.quota.limitBytes)} (${user.quota.percent}%)` : ', no quota'}.
        </p>
      ) : null}
      {canChange ? (
        <form className="user-form card" aria-label="Mail settings" onSubmit={(e) => void submit(e)}>
          <h2>Mail</h2>
          <div className="form-grid">
            <TextField label="Short name" field="shortName" value={draft.shortName} onChange={(v) => set('shortName', v)} error={mutationError} hint="Login name and the local part of the user's addresses." required autoComplete="off" />
            <TextField label="Full name" field="fullName" value={draft.fullName} onChange={(v) => set('fullName', v)} error={mutationError} autoComplete="off" />
            <TextField
              label={id ? 'New password' : 'Password'}
              field="password"
              type="password"
              value={draft.password}
              onChange={(v) => set('password', v)}
              error={mutationError}
              hint={id ? 'Leave empty to keep the password. At least 8 characters.' : 'At least 8 characters.'}
              autoComplete="new-password"
              required={!id}
            />
            <Field label="Mail" field="mailEnabled" error={mutationError} hint="The seed's Enable mail account: None refuses mail for the user.">
              {(a) => (
                <select {...a} value={draft.mailEnabled ? 'enabled' : 'none'} onChange={(e) => set('mailEnabled', e.target.value === 'enabled')}>
                  <option value="enabled">Enabled</option>
                  <option value="none">None</option>
                </select>
              )}
            </Field>
            <Field label="Retrieve mail using" field="protocols" error={mutationError}>
              {(a) => (
                <select {...a} value={draft.protocols} onChange={(e) => set('protocols', e.target.value as MailProtocols)}>
                  <option value="BOTH">POP and IMAP</option>
                  <option value="POP">POP only</option>
                  <option value="IMAP">IMAP only</option>
                </select>
              )}
            </Field>
            <TextField label="Mail quota (MB)" field="quotaMb" value={draft.quotaMb} onChange={(v) => set('quotaMb', v)} error={mutationError} hint="0 = no quota." />
            <Field label="Mail store location" field="storeLocation" error={mutationError} hint="Where the user's mail is kept (Settings, Advanced: store locations).">
              {(a) => (
                <select {...a} value={draft.storeLocation} onChange={(e) => set('storeLocation', e.target.value)}>
                  {locations.map((l) => (
                    <option key={l} value={l}>
                      {l}
                    </option>
                  ))}
                </select>
              )}
            </Field>
            <Field label="Additional names (aliases)" field="names" error={mutationError} hint="One per line: another short name, or a full address (name@domain) for one domain only.">
              {(a) => <textarea {...a} rows={3} value={draft.names} onChange={(e) => set('names', e.target.value)} />}
            </Field>
            <Field label="Forward to" field="forwardTo" error={mutationError} hint="One address per line; mail is forwarded instead of kept (add the user's own name to keep a copy).">
              {(a) => <textarea {...a} rows={2} value={draft.forwardTo} onChange={(e) => set('forwardTo', e.target.value)} />}
            </Field>
          </div>
          <div className="actions">
            <FieldError id="user-form-error" error={whole} />
            <SavedNote saved={saved} />
            {id ? (
              <button type="button" className="danger" onClick={() => setConfirming(true)}>
                Delete user
              </button>
            ) : null}
            <button type="submit" className="primary" disabled={created.fetching || updated.fetching}>
              {id ? 'Save' : 'Create user'}
            </button>
          </div>
          {deleted.error ? <ErrorState error={deleted.error} title="The user was not deleted" /> : null}
        </form>
      ) : user ? (
        <section className="card">
          <h2>Mail</h2>
          <dl className="pairs wide">
            <dt>Full name</dt>
            <dd>{user.fullName || '—'}</dd>
            <dt>Mail</dt>
            <dd>{user.mailEnabled ? 'Enabled' : 'None'}</dd>
            <dt>Retrieve mail using</dt>
            <dd>{user.protocols === 'BOTH' ? 'POP and IMAP' : user.protocols}</dd>
            <dt>Mail quota</dt>
            <dd>{user.quotaMb ? `${user.quotaMb} MB` : 'none'}</dd>
            <dt>Mail store location</dt>
            <dd>{user.storeLocation}</dd>
            <dt>Additional names</dt>
            <dd>{user.names.join(', ') || '—'}</dd>
            <dt>Forward to</dt>
            <dd>{user.forwardTo.join(', ') || '—'}</dd>
          </dl>
        </section>
      ) : null}
      {confirming && user ? (
        <ConfirmDialog title={`Delete ${user.shortName}?`} confirmLabel="Delete user" onConfirm={() => void remove()} onCancel={() => setConfirming(false)}>
          <p>
            The account and all of its mail ({formatBytes(user.quota.usedBytes)} in {user.quota.messages} messages) are removed. This cannot be undone.
          </p>
        </ConfirmDialog>
      ) : null}
      {id ? (
        <>
          <Vacation userId={id} />
          <SieveScripts userId={id} />
        </>
      ) : null}
    </>
  );
}
