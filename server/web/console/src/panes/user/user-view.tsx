import { useEffect } from 'react';
import { useMutation, useQuery } from 'urql';
import { graphql } from '../../gql';
import { endSession } from '../../api/session';
import { downloadWithToken } from '../../api/download';
import { formatBytes } from '../../ui/format';
import { ErrorState, Loading } from '../../ui/states';
import { AppPasswords, ChangePassword } from './user-account';
import { Filters, Forwarding, Vacation } from './user-mail';
import { JunkSettings } from './user-junk';

export const MyAccountQuery = graphql(`
  query ConsoleMyAccount {
    myAccount {
      shortName
      fullName
      addresses
      forwardTo
      mayForward
      mobileconfigUrl
      signedInWithAppPassword
      quota {
        limitBytes
        usedBytes
        messages
        percent
      }
      clientSettings {
        protocol
        host
        port
        security
      }
    }
  }
`);

const UserLogout = graphql(`
  mutation ConsoleUserLogout {
    logout
  }
`);

const SECURITY: Record<string, string> = { TLS: 'SSL/TLS', STARTTLS: 'STARTTLS', NONE: 'none' };
const SERVICE: Record<string, string> = { IMAP: 'IMAP', POP3: 'POP3', SUBMISSION: 'SMTP (sending)' };

/** The mail user's own page (role USER): everything a user may change without an administrator. */
export function UserView() {
  const [{ data, error, fetching }, reload] = useQuery({ query: MyAccountQuery });
  const [, logout] = useMutation(UserLogout);
  useEffect(() => {
    document.title = 'Your mail account — Pillarbox';
  }, []);
  async function logOut() {
    await logout({});
    endSession('You logged out.');
  }
  const me = data?.myAccount;
  return (
    <div className="user-page">
      <header className="top">
        <div className="brand">
          <span className="brand-name">Pillarbox</span>
          <span className="server-name">{me?.addresses[0] ?? ''}</span>
        </div>
        <div className="account">
          <span>{me?.fullName || me?.shortName}</span>
          <button type="button" data-view onClick={() => void logOut()}>
            Log out
          </button>
        </div>
      </header>
      <main className="pane" id="main">
        <h1>Your mail account</h1>
        {error ? <ErrorState error={error} /> : null}
        {fetching && !me ? <Loading /> : null}
        {me ? (
          <>
            <p className="lede">
              Mail reaches you at {me.addresses.join(', ')}.{' '}
              {me.quota.limitBytes > 0
                ? `You use ${formatBytes(me.quota.usedBytes)} of ${formatBytes(me.quota.limitBytes)} (${me.quota.percent ?? 0} %), in ${me.quota.messages} messages.`
                : `You use ${formatBytes(me.quota.usedBytes)} in ${me.quota.messages} messages (no quota).`}
            </p>
            <section className="card" aria-labelledby="client-setup-title" id="client-setup">
              <h2 id="client-setup-title">Set up your mail client</h2>
              <p>
                Thunderbird and Outlook set themselves up from your address and password. On a Mac, iPhone or iPad, install{' '}
                <button type="button" className="linklike" onClick={() => void downloadWithToken(me.mobileconfigUrl, `${me.addresses[0] ?? me.shortName}.mobileconfig`)}>
                  your configuration profile
                </button>
                . Any other client takes these settings; the user name is your address. Give each client an app password of its own (below).
              </p>
              <table>
                <caption>Server settings</caption>
                <thead>
                  <tr>
                    <th scope="col">Service</th>
                    <th scope="col">Server</th>
                    <th scope="col">Port</th>
                    <th scope="col">Security</th>
                  </tr>
                </thead>
                <tbody>
                  {me.clientSettings.map((c) => (
                    <tr key={`${c.protocol}-${c.port}`}>
                      <td>{SERVICE[c.protocol] ?? c.protocol}</td>
                      <td>{c.host}</td>
                      <td>{c.port}</td>
                      <td>{SECURITY[c.security] ?? c.security}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </section>
            <ChangePassword disabled={me.signedInWithAppPassword} />
            <AppPasswords disabled={me.signedInWithAppPassword} />
            <Vacation />
            <Forwarding allowed={me.mayForward} forwardTo={me.forwardTo} onSaved={() => reload({ requestPolicy: 'network-only' })} />
            <Filters />
            <JunkSettings />
          </>
        ) : null}
      </main>
    </div>
  );
}
