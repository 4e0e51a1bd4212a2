import { useState, type FormEvent } from 'react';
import { useMutation, useQuery } from 'urql';
import { Link, useLocation } from 'wouter';
import { graphql } from '../gql';
import type { ListLanguage } from '../gql/graphql';
import { useCanChange } from '../ui/control';
import { Field, FieldError, TextField, formError } from '../ui/field';
import { ErrorState } from '../ui/states';
import { parseList, parseWhole } from './admin-forms';

const ListDomains = graphql(`
  query ConsoleListDomains {
    domains(first: 500) {
      nodes {
        name
      }
    }
  }
`);

const CreateList = graphql(`
  mutation ConsoleCreateList($input: CreateListInput!) {
    createList(input: $input) {
      address
    }
  }
`);

/** The seed's six languages, in its order. */
const LANGUAGES: { value: ListLanguage; text: string }[] = [
  { value: 'EN', text: 'English' },
  { value: 'DE', text: 'German' },
  { value: 'JA', text: 'Japanese' },
  { value: 'KO', text: 'Korean' },
  { value: 'RU', text: 'Russian' },
  { value: 'ES', text: 'Spanish' },
];

const FIELDS = ['name', 'domain', 'owners', 'language', 'selfSubscribe', 'maxMessageKb', 'description'];

/**
 * The seed's "add a list" sheet (/mailing-lists/new): name, domain, the list administrators,
 * "Users may self subscribe", the default language and the maximum message length; every other
 * setting is on the list's settings page once it exists.
 */
export function ListCreate() {
  const [{ data, error }] = useQuery({ query: ListDomains });
  const [name, setName] = useState('');
  const [domain, setDomain] = useState('');
  const [owners, setOwners] = useState('');
  const [language, setLanguage] = useState<ListLanguage>('EN');
  const [selfSubscribe, setSelfSubscribe] = useState(true);
  const [maxMessageKb, setMaxMessageKb] = useState('0');
  const [description, setDescription] = useState('');
  const [creating, create] = useMutation(CreateList);
  const [, navigate] = useLocation();
  const canChange = useCanChange();
  const domains = data?.domains.nodes.map((d) => d.name) ?? [];
  const chosenDomain = domain || domains[0] || '';

  async function submit(e: FormEvent) {
    e.preventDefault();
    const input = { name: name.trim(), domain: chosenDomain, owners: parseList(owners), language, selfSubscribe, maxMessageKb: parseWhole(maxMessageKb) as number, description };
    const result = await create({ input });
    if (!result.error && result.data) navigate(`/${encodeURIComponent(result.data.createList.address)}`, { replace: true });
  }

  return (
    <>
      <p>
        <Link href="/">← Mailing lists</Link>
      </p>
      <h1>New mailing list</h1>
      {error ? <ErrorState error={error} /> : null}
      {!canChange ? (
        <p>Only an administrator creates lists.</p>
      ) : (
        <form className="card" aria-label="New mailing list" onSubmit={(e) => void submit(e)}>
          <div className="form-grid form-grid-top">
            <TextField label="List name" field="name" value={name} onChange={setName} error={creating.error} autoComplete="off" hint="The address's name: letters, digits, dot, dash, underscore; no spaces; any case." required />
            <Field label="Domain" field="domain" error={creating.error}>
              {(a) => (
                <select {...a} value={chosenDomain} onChange={(e) => setDomain(e.target.value)}>
                  {domains.map((d) => (
                    <option key={d} value={d}>
                      {d}
                    </option>
                  ))}
                </select>
              )}
            </Field>
            <Field label="List administrators" field="owners" error={creating.error} hint="One per line: a user name of this server, or a full address.">
              {(a) => <textarea {...a} rows={3} value={owners} onChange={(e) => setOwners(e.target.value)} />}
            </Field>
            <Field label="Default language" field="language" error={creating.error}>
              {(a) => (
                <select {...a} value={language} onChange={(e) => setLanguage(e.target.value as ListLanguage)}>
                  {LANGUAGES.map((l) => (
                    <option key={l.value} value={l.value}>
                      {l.text}
                    </option>
                  ))}
                </select>
              )}
            </Field>
            <Field label="Users may self subscribe" field="selfSubscribe" error={creating.error}>
              {(a) => <input {...a} type="checkbox" className="setting-check" checked={selfSubscribe} onChange={(e) => setSelfSubscribe(e.target.checked)} />}
            </Field>
            <TextField label="Maximum message length (KB)" field="maxMessageKb" value={maxMessageKb} onChange={setMaxMessageKb} error={creating.error} hint="0 = unlimited." />
            <TextField label="Description" field="description" value={description} onChange={setDescription} error={creating.error} />
          </div>
          <div className="actions">
            <FieldError id="create-list-error" error={formError(creating.error, FIELDS)} />
            <button type="submit" className="primary" disabled={creating.fetching}>
              Create list
            </button>
          </div>
        </form>
      )}
    </>
  );
}
