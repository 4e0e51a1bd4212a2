import { useEffect, useState, type FormEvent } from 'react';
import { useMutation, useQuery } from 'urql';
import { graphql } from '../../gql';
import { Field, FieldError, TextField, formError } from '../../ui/field';
import { SavedNote, useSaved } from '../../ui/feedback';
import { ErrorState } from '../../ui/states';

const MyVacation = graphql(`
  query ConsoleMyVacation {
    myVacation {
      enabled
      subject
      text
      days
    }
  }
`);

const SetMyVacation = graphql(`
  mutation ConsoleSetMyVacation($input: SetMyVacationInput!) {
    setMyVacation(input: $input) {
      enabled
    }
  }
`);

const SetMyForwarding = graphql(`
  mutation ConsoleSetMyForwarding($input: SetMyForwardingInput!) {
    setMyForwarding(input: $input) {
      forwardTo
    }
  }
`);

const MySieveScripts = graphql(`
  query ConsoleMySieveScripts {
    mySieveScripts {
      name
      active
      content
    }
  }
`);

const PutMySieveScript = graphql(`
  mutation ConsolePutMySieveScript($input: PutMySieveScriptInput!) {
    putMySieveScript(input: $input) {
      script {
        name
      }
    }
  }
`);

const DeleteMySieveScript = graphql(`
  mutation ConsoleDeleteMySieveScript($name: String!) {
    deleteMySieveScript(name: $name)
  }
`);

const lines = (text: string) => text.split(/[\s,]+/).map((s) => s.trim()).filter(Boolean);

export function Vacation() {
  const [{ data, error }] = useQuery({ query: MyVacation });
  const [result, save] = useMutation(SetMyVacation);
  const [enabled, setEnabled] = useState(false);
  const [subject, setSubject] = useState('Out of Office');
  const [text, setText] = useState('');
  const { saved, show } = useSaved();
  useEffect(() => {
    const v = data?.myVacation;
    if (v) {
      setEnabled(v.enabled);
      setSubject(v.subject);
      setText(v.text);
    }
  }, [data]);
  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!(await save({ input: { enabled, subject, text } })).error) show();
  }
  if (error) return <ErrorState error={error} />;
  return (
    <section className="card" aria-labelledby="vacation-title">
      <h2 id="vacation-title">Vacation reply</h2>
      <form aria-label="Vacation reply" onSubmit={(e) => void submit(e)}>
        <div className="field">
          <label>
            <input type="checkbox" name="enabled" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} /> Answer mail while I am away
          </label>
        </div>
        <TextField label="Subject" field="subject" value={subject} onChange={setSubject} error={result.error} />
        <Field label="Reply" field="text" error={result.error} hint="Each sender gets it at most once a week.">
          {(a) => <textarea {...a} name="text" rows={4} value={text} onChange={(e) => setText(e.target.value)} />}
        </Field>
        <FieldError id="vacation-error" error={formError(result.error, ['subject', 'text'])} />
        <div className="actions">
          <SavedNote saved={saved} />
          <button type="submit" className="primary" disabled={result.fetching}>
            Save vacation reply
          </button>
        </div>
      </form>
    </section>
  );
}

export function Forwarding({ allowed, forwardTo, onSaved }: { allowed: boolean; forwardTo: string[]; onSaved: () => void }) {
  const [result, save] = useMutation(SetMyForwarding);
  const [text, setText] = useState(forwardTo.join('\n'));
  const { saved, show } = useSaved();
  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!(await save({ input: { forwardTo: lines(text) } })).error) {
      show();
      onSaved();
    }
  }
  return (
    <section className="card" aria-labelledby="forwarding-title">
      <h2 id="forwarding-title">Forwarding</h2>
      {allowed ? (
        <form aria-label="Forwarding" onSubmit={(e) => void submit(e)}>
          <Field label="Forward my mail to" field="forwardTo" error={result.error} hint="One address a line; empty = no forwarding. Put your own address in to keep a copy here.">
            {(a) => <textarea {...a} name="forwardTo" rows={3} value={text} onChange={(e) => setText(e.target.value)} />}
          </Field>
          <FieldError id="forwarding-error" error={formError(result.error, ['forwardTo'])} />
          <div className="actions">
            <SavedNote saved={saved} />
            <button type="submit" className="primary" disabled={result.fetching}>
              Save forwarding
            </button>
          </div>
        </form>
      ) : (
        <p>{forwardTo.length ? `Your mail is forwarded to ${forwardTo.join(', ')}. ` : ''}Your administrator sets forwarding for you: ask them to change it.</p>
      )}
    </section>
  );
}

export function Filters() {
  const [{ data, error }, reload] = useQuery({ query: MySieveScripts });
  const [putResult, put] = useMutation(PutMySieveScript);
  const [, remove] = useMutation(DeleteMySieveScript);
  const [name, setName] = useState('filters');
  const [content, setContent] = useState('require "fileinto";\n');
  const [activate, setActivate] = useState(true);
  const { saved, show } = useSaved();
  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!(await put({ input: { name, content, activate } })).error) {
      show();
      reload({ requestPolicy: 'network-only' });
    }
  }
  async function drop(script: string) {
    if (!(await remove({ name: script })).error) reload({ requestPolicy: 'network-only' });
  }
  if (error) return <ErrorState error={error} />;
  const scripts = data?.mySieveScripts ?? [];
  return (
    <section className="card" aria-labelledby="filters-title">
      <h2 id="filters-title">Filters (Sieve)</h2>
      {scripts.length ? (
        <ul>
          {scripts.map((s) => (
            <li key={s.name}>
              <button type="button" className="linklike" onClick={() => (setName(s.name), setContent(s.content), setActivate(s.active))}>
                {s.name}
              </button>{' '}
              {s.active ? '(active)' : ''}{' '}
              {s.active ? null : (
                <button type="button" className="danger" onClick={() => void drop(s.name)} aria-label={`Delete filter ${s.name}`}>
                  Delete
                </button>
              )}
            </li>
          ))}
        </ul>
      ) : (
        <p>You have no filters.</p>
      )}
      <form aria-label="Filter script" onSubmit={(e) => void submit(e)}>
        <TextField label="Script name" field="name" value={name} onChange={setName} error={putResult.error} />
        <Field label="Script" field="content" error={putResult.error} hint="Sieve (RFC 5228), as ManageSieve clients write it; checked before it is saved.">
          {(a) => <textarea {...a} name="content" rows={8} spellCheck={false} value={content} onChange={(e) => setContent(e.target.value)} />}
        </Field>
        <div className="field">
          <label>
            <input type="checkbox" name="activate" checked={activate} aria-describedby="filters-activate-hint" onChange={(e) => setActivate(e.target.checked)} /> Make it the active script
          </label>
          <p className="field-hint" id="filters-activate-hint">
            One script runs at a time: making this one active turns off the one active now (the vacation reply too, if it is on).
          </p>
        </div>
        <FieldError id="filters-error" error={formError(putResult.error, ['name', 'content'])} />
        <div className="actions">
          <SavedNote saved={saved} />
          <button type="submit" className="primary" disabled={putResult.fetching}>
            Save filter
          </button>
        </div>
      </form>
    </section>
  );
}
