import { useMemo, useState } from 'react';
import { useMutation, useQuery } from 'urql';
import { Link, useLocation } from 'wouter';
import { graphql } from '../gql';
import { ConfirmDialog } from '../ui/confirm';
import { Control } from '../ui/control';
import { ErrorState, Loading } from '../ui/states';
import { MetaForm, type SettingMeta, type Value, kindOf, selectionOf } from './settings-form';

/**
 * Every setting of a list, as updateList takes them: the fields come from the API (the input
 * type, by introspection, with the list's own field descriptions), so a setting the API gains
 * shows up here under "Other". The API validates; its error shows next to the field.
 */
const ListMeta = graphql(`
  query ConsoleListMeta {
    input: __type(name: "UpdateListInput") {
      inputFields {
        ...ConsoleInputField
      }
    }
    output: __type(name: "MailingList") {
      fields {
        name
        description
      }
    }
  }
`);

const UpdateList = graphql(`
  mutation ConsoleUpdateList($input: UpdateListInput!) {
    updateList(input: $input) {
      address
    }
  }
`);

const DeleteList = graphql(`
  mutation ConsoleDeleteList($input: DeleteListInput!) {
    deleteList(input: $input)
  }
`);

/** The seed's words where it has them (Server Admin's Lists tab, Mailman's General Options). */
const LABELS: Record<string, string> = {
  owners: 'List administrators',
  selfSubscribe: 'Users may self subscribe',
  language: 'Default language',
  maxMessageKb: 'Maximum message length (KB)',
  description: 'Description',
  info: 'Information about the list',
  welcomeText: 'Text prepended to the welcome message',
  goodbyeText: 'Text sent to people leaving the list',
  nonMemberAction: 'Posts from non-members',
  subscriptionApproval: 'Subscriptions need an administrator\u2019s approval',
  roster: 'Who may see the members',
  replyTo: 'Replies go to',
  personalize: 'Personalised copies',
};

const SECTIONS: { title: string; keys: string[] }[] = [
  { title: 'General options', keys: ['description', 'info', 'owners', 'language', 'subjectPrefix', 'replyTo', 'maxMessageKb', 'personalize'] },
  { title: 'Membership', keys: ['selfSubscribe', 'subscriptionApproval', 'confirmDays', 'roster', 'welcomeText', 'goodbyeText'] },
  { title: 'Posting', keys: ['nonMemberAction'] },
  { title: 'Digests', keys: ['digestSizeKb', 'digestPeriodic', 'digestVolumeFrequency'] },
  { title: 'Archive', keys: ['archive', 'archivePrivate', 'archiveVolumeFrequency'] },
  { title: 'Bounce processing', keys: ['bounceProcessing', 'bounceScoreThreshold', 'bounceStaleDays', 'bounceWarnings', 'bounceWarningIntervalDays', 'bounceNotifyOwnerOnDisable', 'bounceNotifyOwnerOnRemoval'] },
];
const LONG = new Set(['info', 'welcomeText', 'goodbyeText']);

const spelt = (key: string) => {
  const words = key.replace(/([A-Z])/g, ' $1').toLowerCase();
  return words[0].toUpperCase() + words.slice(1);
};

function useListMeta() {
  const [{ data, error }] = useQuery({ query: ListMeta });
  const meta = useMemo(() => {
    if (!data?.input?.inputFields) return undefined;
    const described = new Map((data.output?.fields ?? []).map((f) => [f.name, f.description ?? '']));
    const out = new Map<string, SettingMeta>();
    for (const f of data.input.inputFields) {
      if (f.name === 'list') continue;
      out.set(f.name, { key: f.name, label: LABELS[f.name] ?? spelt(f.name), seedName: '', description: described.get(f.name) ?? '', kind: kindOf(f.name, f.type, (n) => LONG.has(n)) });
    }
    return out;
  }, [data]);
  return { meta, error };
}

/** A list's settings (/mailing-lists/<address>/settings), one Save for what changed, and the list's deletion. */
export function ListSettings({ address }: { address: string }) {
  const { meta, error: metaError } = useListMeta();
  const sections = useMemo(() => {
    if (!meta) return [];
    const named = new Set(SECTIONS.flatMap((s) => s.keys));
    const other = [...meta.keys()].filter((k) => !named.has(k));
    return [...SECTIONS, ...(other.length ? [{ title: 'Other', keys: other }] : [])];
  }, [meta]);
  const keys = sections.flatMap((s) => s.keys).filter((k) => meta?.has(k));
  const document = keys.length && meta ? `query ConsoleListValues($list: String!) { list(address: $list) { address ${selectionOf(keys, meta)} } }` : undefined;
  const [{ data, error, fetching }, reload] = useQuery<{ list: Record<string, Value> | null }>({ query: document ?? '{ __typename }', variables: { list: address }, pause: !document, requestPolicy: 'network-only' });
  const [saving, save] = useMutation(UpdateList);
  const [deleting, deleteList] = useMutation(DeleteList);
  const [confirm, setConfirm] = useState(false);
  const [, navigate] = useLocation();

  const back = (
    <p>
      <Link href={`/${encodeURIComponent(address)}`}>← List {address}</Link>
    </p>
  );
  const failed = metaError ?? error;
  if (failed) return <ErrorState error={failed} />;
  if (!meta || !data) return fetching || !meta ? <Loading /> : null;
  if (!data.list) {
    return (
      <>
        {back}
        <p>No such list.</p>
      </>
    );
  }
  return (
    <>
      {back}
      <h1>Settings of {address}</h1>
      <MetaForm
        key={address}
        title="List settings"
        sections={sections}
        meta={meta}
        current={data.list}
        saving={saving}
        save={async (input) => {
          const result = await save({ input: { ...input, list: address } });
          if (!result.error) reload({ requestPolicy: 'network-only' });
          return result;
        }}
      />
      <Control>
        <section className="card" aria-labelledby="delete-list-title">
          <h2 id="delete-list-title">Delete the list</h2>
          <p>The list goes with its members, its pending requests and held posts; its addresses become unknown at once.</p>
          {deleting.error ? <ErrorState error={deleting.error} title="The list was not deleted" /> : null}
          <button type="button" className="danger" onClick={() => setConfirm(true)}>
            Delete list
          </button>
        </section>
      </Control>
      {confirm ? (
        <ConfirmDialog
          title={`Delete ${address}?`}
          confirmLabel="Delete list"
          typeToConfirm={address}
          onCancel={() => setConfirm(false)}
          onConfirm={() => {
            setConfirm(false);
            void deleteList({ input: { list: address } }).then((r) => !r.error && navigate('/', { replace: true }));
          }}
        >
          <p>{address}, its members, pending requests and held posts are removed. This cannot be undone.</p>
        </ConfirmDialog>
      ) : null}
    </>
  );
}
