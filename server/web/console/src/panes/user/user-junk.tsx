import { useEffect, useState, type FormEvent } from 'react';
import { useMutation, useQuery } from 'urql';
import { graphql } from '../../gql';
import { Field, FieldError, formError } from '../../ui/field';
import { SavedNote, useSaved } from '../../ui/feedback';
import { ErrorState } from '../../ui/states';

const MyJunkSettings = graphql(`
  query ConsoleMyJunkSettings {
    myJunkSettings {
      permissiveness
      serverPermissiveness
      allowedSenders
      blockedSenders
      ownTable {
        spamLearnt
        hamLearnt
        inUse
      }
    }
  }
`);

const SetMyJunkSettings = graphql(`
  mutation ConsoleSetMyJunkSettings($input: SetMyJunkSettingsInput!) {
    setMyJunkSettings(input: $input) {
      permissiveness
    }
  }
`);

type Level = 'LEAST' | 'MODERATE' | 'MOST';
const LEVELS: Record<Level, string> = { LEAST: 'Strict: mildly suspicious mail is junk', MODERATE: 'Moderate', MOST: 'Lenient: only blatant junk' };
const lines = (text: string) => text.split(/[\s,]+/).map((s) => s.trim()).filter(Boolean);

export function JunkSettings() {
  const [{ data, error }, reload] = useQuery({ query: MyJunkSettings });
  const [result, save] = useMutation(SetMyJunkSettings);
  const [level, setLevel] = useState<Level | ''>('');
  const [allowed, setAllowed] = useState('');
  const [blocked, setBlocked] = useState('');
  const { saved, show } = useSaved();
  const junk = data?.myJunkSettings;
  useEffect(() => {
    if (junk) {
      setLevel(junk.permissiveness ?? '');
      setAllowed(junk.allowedSenders.join('\n'));
      setBlocked(junk.blockedSenders.join('\n'));
    }
  }, [junk]);
  async function submit(e: FormEvent) {
    e.preventDefault();
    const input = { ...(level ? { permissiveness: level } : { useServerLevel: true }), allowedSenders: lines(allowed), blockedSenders: lines(blocked) };
    if (!(await save({ input })).error) {
      show();
      reload({ requestPolicy: 'network-only' });
    }
  }
  if (error) return <ErrorState error={error} />;
  return (
    <section className="card" aria-labelledby="junk-title">
      <h2 id="junk-title">Junk mail</h2>
      <p>
        Moving a message into your Junk folder teaches the filter that it is junk; moving it out teaches it is not.
        {junk?.ownTable ? ` Your own filter has learnt ${junk.ownTable.spamLearnt} junk and ${junk.ownTable.hamLearnt} good messages${junk.ownTable.inUse ? ' and decides your mail.' : '; until it knows 200 of each, the server\u2019s filter decides.'}` : ''}
      </p>
      <form aria-label="Junk mail settings" onSubmit={(e) => void submit(e)}>
        <Field label="How strict" field="permissiveness" error={result.error}>
          {(a) => (
            <select {...a} name="permissiveness" value={level} onChange={(e) => setLevel(e.target.value as Level | '')}>
              <option value="">The server&rsquo;s setting ({junk ? LEVELS[junk.serverPermissiveness as Level] : '…'})</option>
              {(Object.keys(LEVELS) as Level[]).map((l) => (
                <option key={l} value={l}>
                  {LEVELS[l]}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Never junk: senders" field="allowedSenders" error={result.error} hint="Addresses or domains, one a line (a domain covers its subdomains).">
          {(a) => <textarea {...a} name="allowedSenders" rows={3} value={allowed} onChange={(e) => setAllowed(e.target.value)} />}
        </Field>
        <Field label="Always junk: senders" field="blockedSenders" error={result.error} hint="Their mail goes to your Junk folder.">
          {(a) => <textarea {...a} name="blockedSenders" rows={3} value={blocked} onChange={(e) => setBlocked(e.target.value)} />}
        </Field>
        <FieldError id="junk-error" error={formError(result.error, ['permissiveness', 'allowedSenders', 'blockedSenders'])} />
        <div className="actions">
          <SavedNote saved={saved} />
          <button type="submit" className="primary" disabled={result.fetching}>
            Save junk mail settings
          </button>
        </div>
      </form>
    </section>
  );
}
