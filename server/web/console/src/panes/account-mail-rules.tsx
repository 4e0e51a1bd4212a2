import { useEffect, useState, type FormEvent } from 'react';
import { useMutation, useQuery } from 'urql';
import { graphql } from '../gql';
import { ConfirmDialog } from '../ui/confirm';
import { Control, useCanChange } from '../ui/control';
import { Field, FieldError, TextField, formError } from '../ui/field';
import { SavedNote, useSaved } from '../ui/feedback';
import { formatTime } from '../ui/format';
import { ErrorState, Loading } from '../ui/states';
import { formatList, parseList, parseWhole } from './admin-forms';

/** The user's vacation reply and Sieve scripts: the rest of Workgroup Manager's mail tab, on the API. */
const VacationQuery = graphql(`
  query ConsoleVacation($userId: ID!) {
    vacation(userId: $userId) {
      enabled
      subject
      text
      days
      addresses
      previousScript
    }
  }
`);

const SetVacation = graphql(`
  mutation ConsoleSetVacation($input: SetVacationInput!) {
    setVacation(input: $input) {
      enabled
    }
  }
`);

const SieveScriptsQuery = graphql(`
  query ConsoleSieveScripts($userId: ID!) {
    sieveScripts(userId: $userId) {
      name
      active
      size
      updatedAt
      content
    }
  }
`);

const PutSieveScript = graphql(`
  mutation ConsolePutSieveScript($input: PutSieveScriptInput!) {
    putSieveScript(input: $input) {
      script {
        name
      }
      warnings {
        line
        column
        message
      }
    }
  }
`);

const ActivateSieveScript = graphql(`
  mutation ConsoleActivateSieveScript($input: ActivateSieveScriptInput!) {
    activateSieveScript(input: $input)
  }
`);

const DeleteSieveScript = graphql(`
  mutation ConsoleDeleteSieveScript($input: SieveScriptNameInput!) {
    deleteSieveScript(input: $input)
  }
`);

export function Vacation({ userId }: { userId: string }) {
  const [{ data, error }, reload] = useQuery({ query: VacationQuery, variables: { userId }, requestPolicy: 'cache-and-network' });
  const [saving, setVacation] = useMutation(SetVacation);
  const [draft, setDraft] = useState({ enabled: false, subject: '', text: '', days: '7', addresses: '' });
  const { saved, show } = useSaved();
  const canChange = useCanChange();
  const v = data?.vacation;
  useEffect(() => {
    if (v) setDraft({ enabled: v.enabled, subject: v.subject, text: v.text, days: String(v.days), addresses: formatList(v.addresses) });
  }, [v]);
  if (error) return <ErrorState error={error} />;
  if (!data) return <Loading what="Loading the vacation reply" />;

  async function submit(e: FormEvent) {
    e.preventDefault();
    const result = await setVacation({ input: { userId, enabled: draft.enabled, subject: draft.subject, text: draft.text, days: parseWhole(draft.days) as number, addresses: parseList(draft.addresses) } });
    if (!result.error) {
      show();
      reload({ requestPolicy: 'network-only' });
    }
  }
  const set = (k: keyof typeof draft, value: string | boolean) => setDraft((d) => ({ ...d, [k]: value }));

  return (
    <section className="card" aria-labelledby="vacation-title">
      <h2 id="vacation-title">Vacation reply</h2>
      {!canChange ? (
        <p>{v ? (v.enabled ? `On: "${v.subject}", once every ${v.days} days per sender.` : 'Off.') : 'Never set.'}</p>
      ) : (
        <form aria-label="Vacation reply" onSubmit={(e) => void submit(e)}>
          <div className="form-grid">
            <Field label="Reply while away" field="enabled" error={saving.error}>
              {(a) => <input {...a} type="checkbox" checked={draft.enabled} onChange={(e) => set('enabled', e.target.checked)} />}
            </Field>
            <TextField label="Subject" field="subject" value={draft.subject} onChange={(x) => set('subject', x)} error={saving.error} />
            <TextField label="Days between replies to one sender" field="days" value={draft.days} onChange={(x) => set('days', x)} error={saving.error} />
            <Field label="Reply text" field="text" error={saving.error}>
              {(a) => <textarea {...a} rows={4} value={draft.text} onChange={(e) => set('text', e.target.value)} />}
            </Field>
            <Field label="Also answer mail to" field="addresses" error={saving.error} hint="Other addresses of the user, one per line.">
              {(a) => <textarea {...a} rows={2} value={draft.addresses} onChange={(e) => set('addresses', e.target.value)} />}
            </Field>
          </div>
          <div className="actions">
            <FieldError id="vacation-error" error={formError(saving.error, ['enabled', 'subject', 'days', 'text', 'addresses'])} />
            <SavedNote saved={saved} />
            <button type="submit" className="primary" disabled={saving.fetching}>
              Save vacation reply
            </button>
          </div>
        </form>
      )}
    </section>
  );
}

export function SieveScripts({ userId }: { userId: string }) {
  const [{ data, error }, reload] = useQuery({ query: SieveScriptsQuery, variables: { userId }, requestPolicy: 'cache-and-network' });
  const [putting, putScript] = useMutation(PutSieveScript);
  const [activating, activate] = useMutation(ActivateSieveScript);
  const [deleting, deleteScript] = useMutation(DeleteSieveScript);
  const [editing, setEditing] = useState<{ name: string; content: string; isNew: boolean }>();
  const [confirmDelete, setConfirmDelete] = useState<string>();
  const [warnings, setWarnings] = useState<string[]>([]);
  const { saved, show } = useSaved();
  if (error) return <ErrorState error={error} />;
  if (!data) return <Loading what="Loading the Sieve scripts" />;
  const refresh = () => reload({ requestPolicy: 'network-only' });

  async function save(e: FormEvent) {
    e.preventDefault();
    if (!editing) return;
    const result = await putScript({ input: { userId, name: editing.name, content: editing.content } });
    if (!result.error && result.data) {
      setWarnings(result.data.putSieveScript.warnings.map((w) => `line ${w.line}, column ${w.column}: ${w.message}`));
      setEditing(undefined);
      show();
      refresh();
    }
  }

  return (
    <section className="card" aria-labelledby="sieve-title">
      <h2 id="sieve-title">
        Sieve scripts <SavedNote saved={saved} />
      </h2>
      <p className="muted">The active script filters the user's incoming mail; users edit theirs with ManageSieve too.</p>
      {activating.error ? <ErrorState error={activating.error} /> : null}
      {deleting.error ? <ErrorState error={deleting.error} /> : null}
      {warnings.length ? (
        <ul className="warnings">
          {warnings.map((w) => (
            <li key={w}>{w}</li>
          ))}
        </ul>
      ) : null}
      {data.sieveScripts.length === 0 ? <p className="state state-empty">No scripts.</p> : null}
      <ul className="script-list">
        {data.sieveScripts.map((s) => (
          <li key={s.name}>
            <strong>{s.name}</strong> {s.active ? <span className="badge">active</span> : null}{' '}
            <span className="muted">
              {s.size} bytes, {formatTime(s.updatedAt)}
            </span>
            <Control>
              <span className="row-actions">
                <button type="button" onClick={() => setEditing({ name: s.name, content: s.content, isNew: false })} aria-label={`Edit ${s.name}`}>
                  Edit
                </button>
                <button type="button" onClick={() => void activate({ input: { userId, name: s.active ? null : s.name } }).then(refresh)} aria-label={s.active ? `Deactivate ${s.name}` : `Activate ${s.name}`}>
                  {s.active ? 'Deactivate' : 'Activate'}
                </button>
                <button type="button" className="danger" onClick={() => setConfirmDelete(s.name)} aria-label={`Delete ${s.name}`}>
                  Delete
                </button>
              </span>
            </Control>
            {!editing || editing.name !== s.name ? (
              <details data-view>
                <summary>Show the script</summary>
                <pre className="block">{s.content}</pre>
              </details>
            ) : null}
          </li>
        ))}
      </ul>
      <Control>
        {editing ? (
          <form aria-label="Sieve script" onSubmit={(e) => void save(e)}>
            <TextField label="Script name" field="name" value={editing.name} onChange={(v) => setEditing({ ...editing, name: v })} error={putting.error} />
            <Field label="Script" field="content" error={putting.error} hint="Sieve (RFC 5228); errors come back with their line and column.">
              {(a) => <textarea {...a} className="code" rows={10} value={editing.content} onChange={(e) => setEditing({ ...editing, content: e.target.value })} />}
            </Field>
            <div className="actions">
              <FieldError id="sieve-error" error={formError(putting.error, ['name', 'content'])} />
              <button type="button" onClick={() => setEditing(undefined)}>
                Cancel
              </button>
              <button type="submit" className="primary" disabled={putting.fetching}>
                Save script
              </button>
            </div>
          </form>
        ) : (
          <button type="button" onClick={() => setEditing({ name: '', content: 'require ["fileinto"];\n', isNew: true })}>
            New script
          </button>
        )}
      </Control>
      {confirmDelete ? (
        <ConfirmDialog
          title={`Delete the script ${confirmDelete}?`}
          confirmLabel="Delete script"
          onCancel={() => setConfirmDelete(undefined)}
          onConfirm={() => {
            const name = confirmDelete;
            setConfirmDelete(undefined);
            void deleteScript({ input: { userId, name } }).then(refresh);
          }}
        >
          <p>The script is removed from the user's scripts.</p>
        </ConfirmDialog>
      ) : null}
    </section>
  );
}
