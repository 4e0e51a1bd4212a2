import { useState, type FormEvent } from 'react';
import { useMutation, useQuery } from 'urql';
import { graphql } from '../gql';
import type { Pane } from './pane';
import { Control } from '../ui/control';
import { Field } from '../ui/field';
import { SavedNote, useSaved } from '../ui/feedback';
import { ErrorState } from '../ui/states';
import { SettingsForm } from './settings-form';

const RelayHostAccount = graphql(`
  query ConsoleRelayHostAccount {
    relayHostAccount {
      relayHost
      username
      passwordSet
    }
  }
`);

const SetRelayHostPassword = graphql(`
  mutation ConsoleSetRelayHostPassword($input: RelayHostPasswordInput!) {
    setRelayHostPassword(input: $input) {
      passwordSet
    }
  }
`);

/** The seed's relay control: approved hosts, refused hosts, RBL servers; and the relay host with its authentication. */
function Relay() {
  return (
    <>
      <h1>Relay</h1>
      <p className="lede">Who may relay through this server, whose connections are refused, which blocklists are asked, and the host outgoing mail goes through.</p>
      <SettingsForm
        title="Relay settings"
        sections={[
          { title: 'Approved hosts', keys: ['relayRestricted', 'relayAllowedHosts'] },
          { title: 'Refused hosts', keys: ['refuseHostsEnabled', 'refusedHosts'] },
          { title: 'Junk mail rejection servers (RBL)', keys: ['rblEnabled', 'rblServers'] },
          { title: 'Relay host', keys: ['relayHost', 'relayHostUsername'] },
        ]}
      />
      <RelayPassword />
    </>
  );
}

function RelayPassword() {
  const [{ data, error }, reload] = useQuery({ query: RelayHostAccount, requestPolicy: 'cache-and-network' });
  const [saving, setPassword] = useMutation(SetRelayHostPassword);
  const [password, setText] = useState('');
  const { saved, show } = useSaved();
  async function submit(e: FormEvent) {
    e.preventDefault();
    const result = await setPassword({ input: { password } });
    if (!result.error) {
      setText('');
      show();
      reload({ requestPolicy: 'network-only' });
    }
  }
  if (error) return <ErrorState error={error} />;
  const account = data?.relayHostAccount;
  return (
    <section className="card" aria-labelledby="relay-auth-title">
      <h2 id="relay-auth-title">Relay host authentication</h2>
      <p>
        {account?.relayHost ? (
          <>
            Outgoing mail goes through <strong>{account.relayHost}</strong>
            {account.username ? (
              <>
                {' '}
                as <strong>{account.username}</strong>, password {account.passwordSet ? 'set' : 'not set'}.
              </>
            ) : (
              ', without authentication.'
            )}
          </>
        ) : (
          'Outgoing mail is delivered directly by MX (no relay host).'
        )}
      </p>
      <Control>
        <form className="inline-form" aria-label="Relay host password" onSubmit={(e) => void submit(e)}>
          <Field label="Relay host password" field="password" error={saving.error} hint="Stored sealed on the server; used only over TLS.">
            {(a) => <input {...a} type="password" autoComplete="new-password" value={password} onChange={(e) => setText(e.target.value)} />}
          </Field>
          <div className="actions">
            <SavedNote saved={saved} />
            <button type="submit" className="primary" disabled={saving.fetching}>
              Set password
            </button>
          </div>
        </form>
      </Control>
    </section>
  );
}

export const relayPane: Pane = { id: 'relay', title: 'Relay', group: 'Mail', component: Relay };
