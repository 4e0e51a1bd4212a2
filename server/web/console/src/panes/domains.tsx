import { useState, type FormEvent } from 'react';
import { useMutation, useQuery } from 'urql';
import { Link, useRoute } from 'wouter';
import { graphql } from '../gql';
import type { Pane } from './pane';
import { ConfirmDialog } from '../ui/confirm';
import { Control, useCanChange } from '../ui/control';
import { Field, FieldError, TextField, formError } from '../ui/field';
import { SavedNote, useSaved } from '../ui/feedback';
import { formatTime } from '../ui/format';
import { usePaged } from '../ui/paged';
import { DataTable } from '../ui/data-table';
import { ErrorState, Loading, QueryState } from '../ui/states';
import { formatList, parseList } from './admin-forms';

const Domains = graphql(`
  query ConsoleDomains {
    domains(first: 500) {
      nodes {
        name
        kind
        createdAt
      }
    }
  }
`);

const AddLocalDomain = graphql(`
  mutation ConsoleAddLocalDomain($input: DomainNameInput!) {
    addLocalDomain(input: $input) {
      name
    }
  }
`);
const AddVirtualDomain = graphql(`
  mutation ConsoleAddVirtualDomain($input: DomainNameInput!) {
    addVirtualDomain(input: $input) {
      name
    }
  }
`);
const AddVirtualHost = graphql(`
  mutation ConsoleAddVirtualHost($input: DomainNameInput!) {
    addVirtualHost(input: $input) {
      name
    }
  }
`);
const RemoveDomain = graphql(`
  mutation ConsoleRemoveDomain($input: DomainNameInput!) {
    removeDomain(input: $input)
  }
`);

const DomainDetail = graphql(`
  query ConsoleDomainDetail($domain: String!) {
    domainDnsReport(domain: $domain) {
      ready
      records {
        kind
        type
        name
        value
        found
        status
        required
        note
      }
    }
    dkim(domain: $domain) {
      signing
      keys {
        selector
        algorithm
        active
        createdAt
        recordName
        recordValue
      }
    }
  }
`);

const RotateDkim = graphql(`
  mutation ConsoleRotateDkim($input: DkimDomainInput!) {
    rotateDkimKey(input: $input) {
      domain
    }
  }
`);
const DeleteDkimKey = graphql(`
  mutation ConsoleDeleteDkimKey($input: DkimKeyInput!) {
    deleteDkimKey(input: $input) {
      domain
    }
  }
`);

const Aliases = graphql(`
  query ConsoleAliases($first: Int, $after: String, $search: String) {
    aliases(first: $first, after: $after, search: $search) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      nodes {
        alias
        targets
        system
      }
    }
  }
`);
const CreateAlias = graphql(`
  mutation ConsoleCreateAlias($input: CreateAliasInput!) {
    createAlias(input: $input) {
      alias
    }
  }
`);
const UpdateAlias = graphql(`
  mutation ConsoleUpdateAlias($input: UpdateAliasInput!) {
    updateAlias(input: $input) {
      alias
    }
  }
`);
const DeleteAlias = graphql(`
  mutation ConsoleDeleteAlias($input: DeleteAliasInput!) {
    deleteAlias(input: $input)
  }
`);

const KIND_TEXT = { LOCAL: 'local', VIRTUAL_DOMAIN: 'virtual domain', VIRTUAL_HOST: 'virtual host (full addresses only)' } as const;

/** Local and virtual domains with their DNS report and DKIM keys (/domains/<name>), and the aliases. */
function DomainsPane() {
  const [, params] = useRoute<{ name: string }>('/:name');
  const domain = params?.name ? decodeURIComponent(params.name) : undefined;
  return (
    <>
      <h1>{domain ? `Domain ${domain}` : 'Domains and aliases'}</h1>
      {domain ? <DomainDetailView domain={domain} /> : <DomainList />}
      {domain ? null : <AliasList />}
    </>
  );
}

function DomainList() {
  const [{ data, error, fetching }, reload] = useQuery({ query: Domains, requestPolicy: 'cache-and-network' });
  const [name, setName] = useState('');
  const [kind, setKind] = useState<'LOCAL' | 'VIRTUAL_DOMAIN' | 'VIRTUAL_HOST'>('VIRTUAL_DOMAIN');
  const [localResult, addLocal] = useMutation(AddLocalDomain);
  const [virtualResult, addVirtual] = useMutation(AddVirtualDomain);
  const [hostResult, addHost] = useMutation(AddVirtualHost);
  const [removing, removeDomain] = useMutation(RemoveDomain);
  const [confirm, setConfirm] = useState<string>();
  const { saved, show } = useSaved();
  const addError = kind === 'LOCAL' ? localResult.error : kind === 'VIRTUAL_DOMAIN' ? virtualResult.error : hostResult.error;

  async function add(e: FormEvent) {
    e.preventDefault();
    const input = { name: name.trim() };
    const r = kind === 'LOCAL' ? await addLocal({ input }) : kind === 'VIRTUAL_DOMAIN' ? await addVirtual({ input }) : await addHost({ input });
    if (!r.error) {
      setName('');
      show();
      reload({ requestPolicy: 'network-only' });
    }
  }
  const domains = data?.domains.nodes ?? [];
  return (
    <section aria-labelledby="domains-title">
      <h2 id="domains-title">
        Domains <SavedNote saved={saved} />
      </h2>
      <p className="muted">Every domain the server receives mail for. Open one for the DNS records it needs and its DKIM keys.</p>
      {removing.error ? <ErrorState error={removing.error} title="The domain was not removed" /> : null}
      <QueryState fetching={fetching} error={error} empty={data ? domains.length === 0 : undefined} emptyText="No domains.">
        <div className="table-scroll">
          <table className="plain-table">
            <thead>
              <tr>
                <th scope="col">Domain</th>
                <th scope="col">Kind</th>
                <th scope="col">Added</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {domains.map((d) => (
                <tr key={d.name}>
                  <td>
                    <Link href={`/${encodeURIComponent(d.name)}`}>{d.name}</Link>
                  </td>
                  <td>{KIND_TEXT[d.kind]}</td>
                  <td>{formatTime(d.createdAt)}</td>
                  <td>
                    <Control>
                      <button type="button" className="danger" onClick={() => setConfirm(d.name)}>
                        Remove<span className="visually-hidden"> {d.name}</span>
                      </button>
                    </Control>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </QueryState>
      <Control>
        <form className="inline-form" aria-label="Add a domain" onSubmit={(e) => void add(e)}>
          <TextField label="Domain name" field="name" value={name} onChange={setName} error={addError} autoComplete="off" />
          <Field label="Kind" field="kind">
            {(a) => (
              <select {...a} value={kind} onChange={(e) => setKind(e.target.value as typeof kind)}>
                <option value="VIRTUAL_DOMAIN">Virtual domain (every user)</option>
                <option value="VIRTUAL_HOST">Virtual host (full addresses only)</option>
                <option value="LOCAL">Local domain</option>
              </select>
            )}
          </Field>
          <button type="submit" className="primary">
            Add domain
          </button>
          <FieldError id="domain-error" error={formError(addError, ['name'])} />
        </form>
      </Control>
      {confirm ? (
        <ConfirmDialog
          title={`Remove ${confirm}?`}
          confirmLabel="Remove domain"
          onCancel={() => setConfirm(undefined)}
          onConfirm={() => {
            const n = confirm;
            setConfirm(undefined);
            void removeDomain({ input: { name: n } }).then((r) => !r.error && reload({ requestPolicy: 'network-only' }));
          }}
        >
          <p>Mail for addresses at {confirm} is refused from now on. Users and their mail stay.</p>
        </ConfirmDialog>
      ) : null}
    </section>
  );
}

function DomainDetailView({ domain }: { domain: string }) {
  const [{ data, error, fetching }, reload] = useQuery({ query: DomainDetail, variables: { domain }, requestPolicy: 'cache-and-network' });
  const [rotating, rotate] = useMutation(RotateDkim);
  const [deleting, deleteKey] = useMutation(DeleteDkimKey);
  const [confirm, setConfirm] = useState<'rotate' | string>();
  const { saved, show } = useSaved();
  const after = (r: { error?: unknown }) => {
    if (!r.error) {
      show();
      reload({ requestPolicy: 'network-only' });
    }
  };
  return (
    <>
      <p>
        <Link href="/">← Domains and aliases</Link>
      </p>
      {error ? <ErrorState error={error} /> : !data ? (fetching ? <Loading /> : null) : (
        <>
          <section className="card" aria-labelledby="dns-title">
            <h2 id="dns-title">DNS records {data.domainDnsReport.ready ? <span className="badge">ready</span> : <span className="badge warn">needs changes</span>}</h2>
            <div className="table-scroll">
              <table className="plain-table">
                <thead>
                  <tr>
                    <th scope="col">Record</th>
                    <th scope="col">Name</th>
                    <th scope="col">Publish</th>
                    <th scope="col">Found</th>
                    <th scope="col">State</th>
                  </tr>
                </thead>
                <tbody>
                  {data.domainDnsReport.records.map((r, i) => (
                    <tr key={`${r.kind}-${r.name}-${i}`}>
                      <td>
                        {r.kind} ({r.type}){r.required ? '' : ', optional'}
                      </td>
                      <td className="wrap">
                        <code>{r.name}</code>
                      </td>
                      <td className="wrap">
                        <code>{r.value}</code>
                        {r.note ? <div className="muted">{r.note}</div> : null}
                      </td>
                      <td className="wrap">{r.found.length ? r.found.join(' | ') : '—'}</td>
                      <td>
                        <span className={r.status === 'OK' ? 'badge' : r.required ? 'badge bad' : 'badge warn'}>{r.status.toLowerCase().replace('_', ' ')}</span>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </section>
          <section className="card" aria-labelledby="dkim-title">
            <h2 id="dkim-title">
              DKIM keys <SavedNote saved={saved} />
            </h2>
            <p>Outgoing mail from {domain} is {data.dkim.signing ? 'signed' : 'not signed (dkimSigningEnabled is off)'}.</p>
            {rotating.error ? <ErrorState error={rotating.error} /> : null}
            {deleting.error ? <ErrorState error={deleting.error} /> : null}
            <ul className="item-list">
              {data.dkim.keys.map((k) => (
                <li key={k.selector}>
                  <strong>{k.selector}</strong> {k.algorithm} {k.active ? <span className="badge">signing</span> : <span className="badge warn">retired</span>} <span className="muted">made {formatTime(k.createdAt)}</span>
                  <div className="wrap">
                    <code>{k.recordName}</code> TXT <code>{k.recordValue}</code>
                  </div>
                  {!k.active ? (
                    <Control>
                      <button type="button" className="danger" onClick={() => setConfirm(k.selector)}>
                        Delete key<span className="visually-hidden"> {k.selector}</span>
                      </button>
                    </Control>
                  ) : null}
                </li>
              ))}
            </ul>
            <Control>
              <button type="button" onClick={() => setConfirm('rotate')}>
                Rotate the keys
              </button>
            </Control>
          </section>
        </>
      )}
      {confirm ? (
        <ConfirmDialog
          title={confirm === 'rotate' ? `New DKIM keys for ${domain}?` : `Delete the retired key ${confirm}?`}
          confirmLabel={confirm === 'rotate' ? 'Rotate' : 'Delete key'}
          danger={confirm !== 'rotate'}
          onCancel={() => setConfirm(undefined)}
          onConfirm={() => {
            const c = confirm;
            setConfirm(undefined);
            if (c === 'rotate') void rotate({ input: { domain } }).then(after);
            else void deleteKey({ input: { domain, selector: c } }).then(after);
          }}
        >
          <p>{confirm === 'rotate' ? 'Publish the new selector\u2019s record first: mail is signed with the new keys at once; the old ones are kept as retired so mail already sent still verifies.' : 'Mail signed with it no longer verifies once its record is gone.'}</p>
        </ConfirmDialog>
      ) : null}
    </>
  );
}

function AliasList() {
  const [search, setSearch] = useState('');
  const paged = usePaged(Aliases, { search: search.trim() || null }, (d) => d.aliases, 200);
  const [editing, setEditing] = useState<{ alias: string; targets: string; isNew: boolean }>();
  const [confirm, setConfirm] = useState<string>();
  const [creating, createAlias] = useMutation(CreateAlias);
  const [updating, updateAlias] = useMutation(UpdateAlias);
  const [deleting, deleteAlias] = useMutation(DeleteAlias);
  const { saved, show } = useSaved();
  const canChange = useCanChange();
  const saveError = editing?.isNew ? creating.error : updating.error;

  async function save(e: FormEvent) {
    e.preventDefault();
    if (!editing) return;
    const input = { alias: editing.alias.trim(), targets: parseList(editing.targets) };
    const r = editing.isNew ? await createAlias({ input }) : await updateAlias({ input });
    if (!r.error) {
      setEditing(undefined);
      show();
      paged.refresh();
    }
  }
  return (
    <section aria-labelledby="aliases-title">
      <h2 id="aliases-title">
        Aliases <SavedNote saved={saved} />
      </h2>
      <div className="toolbar">
        <div className="field" data-view>
          <label htmlFor="alias-search">Search aliases</label>
          <input id="alias-search" type="search" value={search} onChange={(e) => setSearch(e.target.value)} />
        </div>
        <Control>
          <button type="button" onClick={() => setEditing({ alias: '', targets: '', isNew: true })}>
            New alias
          </button>
        </Control>
      </div>
      {deleting.error ? <ErrorState error={deleting.error} /> : null}
      {editing ? (
        <form className="card" aria-label={editing.isNew ? 'New alias' : `Alias ${editing.alias}`} onSubmit={(e) => void save(e)}>
          <div className="form-grid">
            {editing.isNew ? (
              <TextField label="Alias" field="alias" value={editing.alias} onChange={(v) => setEditing({ ...editing, alias: v })} error={saveError} hint="A name (every local domain) or a full address (one domain)." autoComplete="off" />
            ) : (
              <p>
                <strong>{editing.alias}</strong>
              </p>
            )}
            <Field label="Targets" field="targets" error={saveError} hint="One per line: user names, other aliases or outside addresses.">
              {(a) => <textarea {...a} rows={3} value={editing.targets} onChange={(e) => setEditing({ ...editing, targets: e.target.value })} />}
            </Field>
          </div>
          <div className="actions">
            <FieldError id="alias-error" error={formError(saveError, ['alias', 'targets'])} />
            <button type="button" onClick={() => setEditing(undefined)}>
              Cancel
            </button>
            <button type="submit" className="primary">
              {editing.isNew ? 'Create alias' : 'Save alias'}
            </button>
          </div>
        </form>
      ) : null}
      {paged.error ? (
        <ErrorState error={paged.error} />
      ) : (
        <DataTable
          label="Aliases"
          rows={paged.nodes}
          rowKey={(r) => r.alias}
          totalCount={paged.totalCount}
          hasMore={paged.hasMore}
          onLoadMore={paged.loadMore}
          height="40vh"
          columns={[
            { key: 'alias', header: 'Alias', width: '1fr', render: (r) => r.alias, sortValue: (r) => r.alias },
            { key: 'targets', header: 'Targets', width: '2fr', render: (r) => r.targets.join(', ') },
            {
              key: 'actions',
              header: canChange ? 'Actions' : '',
              width: canChange ? '10rem' : '0.1fr',
              render: (r) => (
                <Control>
                  <span className="row-actions">
                    <button type="button" onClick={() => setEditing({ alias: r.alias, targets: formatList(r.targets), isNew: false })}>
                      Edit<span className="visually-hidden"> {r.alias}</span>
                    </button>
                    {r.system ? null : (
                      <button type="button" className="danger" onClick={() => setConfirm(r.alias)}>
                        Delete<span className="visually-hidden"> {r.alias}</span>
                      </button>
                    )}
                  </span>
                </Control>
              ),
            },
          ]}
        />
      )}
      {confirm ? (
        <ConfirmDialog
          title={`Delete the alias ${confirm}?`}
          confirmLabel="Delete alias"
          onCancel={() => setConfirm(undefined)}
          onConfirm={() => {
            const a = confirm;
            setConfirm(undefined);
            void deleteAlias({ input: { alias: a } }).then((r) => !r.error && paged.refresh());
          }}
        >
          <p>Mail to {confirm} is refused from now on.</p>
        </ConfirmDialog>
      ) : null}
    </section>
  );
}

export const domainsPane: Pane = { id: 'domains', title: 'Domains & aliases', group: 'Users', component: DomainsPane };
