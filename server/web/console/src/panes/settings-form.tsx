import { useEffect, useMemo, useState, type FormEvent } from 'react';
import { useMutation, useQuery } from 'urql';
import { graphql } from '../gql';
import { Control, useCanChange } from '../ui/control';
import { Field, FieldError, formError } from '../ui/field';
import { SavedNote, useSaved } from '../ui/feedback';
import { ErrorState, Loading } from '../ui/states';
import { formatList, parseList, parseWhole } from './admin-forms';
import type { SettingsSection } from './settings-tabs';

/**
 * A form for any settings, built from what the API says about them: the input type of
 * updateSettings (introspection) gives each one's kind and an enum's values, settingDescriptions
 * the seed's words and the explanation. The API validates; its error shows next to the field.
 */
const SettingsMeta = graphql(`
  query ConsoleSettingsMeta {
    settingDescriptions {
      key
      seedName
      description
      default
    }
    __type(name: "UpdateSettingsInput") {
      inputFields {
        name
        type {
          kind
          name
          enumValues {
            name
          }
          ofType {
            kind
            name
            inputFields {
              name
            }
          }
        }
      }
    }
  }
`);

const UpdateSettings = graphql(`
  mutation ConsoleUpdateSettings($input: UpdateSettingsInput!) {
    updateSettings(input: $input) {
      relayHost
    }
  }
`);

type Kind = { kind: 'boolean' } | { kind: 'int' } | { kind: 'string'; long: boolean } | { kind: 'enum'; values: string[] } | { kind: 'list' } | { kind: 'records'; fields: string[] };

export interface SettingMeta {
  key: string;
  label: string;
  seedName: string;
  description: string;
  kind: Kind;
}

type Value = boolean | number | string | string[] | Record<string, string>[];

/** The seed's words for a setting ("Relay: Accept SMTP relays only from these" → "Accept SMTP relays only from these"), or its name spelt out. */
function labelOf(key: string, seedName: string): string {
  const seed = seedName.startsWith('(') ? '' : seedName.replace(/^[A-Z][A-Za-z ]*: /, '');
  if (seed) return seed[0].toUpperCase() + seed.slice(1);
  const words = key.replace(/([A-Z])/g, ' $1').toLowerCase();
  return words[0].toUpperCase() + words.slice(1);
}

/** What the API says about every setting, by key. */
export function useSettingsMeta(): { meta?: Map<string, SettingMeta>; error?: ReturnType<typeof useQuery>[0]['error'] } {
  const [{ data, error }] = useQuery({ query: SettingsMeta });
  const meta = useMemo(() => {
    if (!data?.__type?.inputFields) return undefined;
    const described = new Map(data.settingDescriptions.map((d) => [d.key, d]));
    const out = new Map<string, SettingMeta>();
    for (const f of data.__type.inputFields) {
      const t = f.type;
      let kind: Kind;
      if (t.kind === 'ENUM') kind = { kind: 'enum', values: (t.enumValues ?? []).map((v) => v.name) };
      else if (t.kind === 'LIST' && t.ofType?.kind === 'INPUT_OBJECT') kind = { kind: 'records', fields: (t.ofType.inputFields ?? []).map((x) => x.name) };
      else if (t.kind === 'LIST') kind = { kind: 'list' };
      else if (t.name === 'Boolean') kind = { kind: 'boolean' };
      else if (t.name === 'Int' || t.name === 'Float') kind = { kind: 'int' };
      else kind = { kind: 'string', long: /Message$/.test(f.name) };
      const d = described.get(f.name);
      out.set(f.name, { key: f.name, label: labelOf(f.name, d?.seedName ?? ''), seedName: d?.seedName ?? '', description: d?.description ?? '', kind });
    }
    return out;
  }, [data]);
  return { meta, error };
}

/** The GraphQL selection of these settings' current values. */
function selectionOf(keys: string[], meta: Map<string, SettingMeta>): string {
  return keys
    .map((k) => {
      const kind = meta.get(k)?.kind;
      return kind?.kind === 'records' ? `${k} { ${kind.fields.join(' ')} }` : k;
    })
    .join(' ');
}

/** Text as it is edited; turned into the API's value on save. */
function toText(kind: Kind, value: Value): string | boolean {
  if (kind.kind === 'boolean') return Boolean(value);
  if (kind.kind === 'list') return formatList(value as string[]);
  if (kind.kind === 'records') return (value as Record<string, string>[]).map((r) => kind.fields.map((f) => r[f]).join(' ')).join('\n');
  return String(value);
}

function fromText(kind: Kind, text: string | boolean): unknown {
  if (kind.kind === 'boolean') return Boolean(text);
  const s = String(text);
  if (kind.kind === 'int') return parseWhole(s);
  if (kind.kind === 'list') return parseList(s);
  if (kind.kind === 'records') {
    return s
      .split('\n')
      .map((line) => line.trim())
      .filter(Boolean)
      .map((line) => {
        const parts = line.split(/\s+/);
        const rec: Record<string, string> = {};
        kind.fields.forEach((f, i) => (rec[f] = i === kind.fields.length - 1 ? parts.slice(i).join(' ') : (parts[i] ?? '')));
        return rec;
      });
  }
  return s;
}

function showValue(kind: Kind, value: Value): string {
  if (kind.kind === 'boolean') return value ? 'On' : 'Off';
  const text = String(toText(kind, value));
  return text === '' ? '(none)' : text;
}

interface SettingsFormProps {
  /** Sections of setting keys, shown in order. */
  sections: SettingsSection[];
  /** Names the form for screen readers and the Save button. */
  title: string;
}

/** Sections of settings with one Save: only what changed is sent, in one updateSettings. */
export function SettingsForm({ sections, title }: SettingsFormProps) {
  const { meta, error: metaError } = useSettingsMeta();
  const keys = useMemo(() => sections.flatMap((s) => s.keys).filter((k) => meta?.has(k)), [sections, meta]);
  const document = useMemo(() => (meta && keys.length ? `query ConsoleSettingsValues { settings { ${selectionOf(keys, meta)} } }` : undefined), [meta, keys]);
  const [{ data, error, fetching }, reload] = useQuery<{ settings: Record<string, Value> }>({ query: document ?? '{ __typename }', pause: !document, requestPolicy: 'network-only' });
  const [edits, setEdits] = useState<Record<string, string | boolean>>({});
  const [saving, save] = useMutation(UpdateSettings);
  const { saved, show } = useSaved();
  const canChange = useCanChange();
  useEffect(() => setEdits({}), [document]);

  if (metaError) return <ErrorState error={metaError} />;
  if (error) return <ErrorState error={error} />;
  if (!meta || !data?.settings) return fetching || !meta ? <Loading /> : null;
  const current = data.settings;

  const changed = keys.filter((k) => k in edits && edits[k] !== toText(meta.get(k)!.kind, current[k]));
  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!meta || !changed.length) return;
    const input: Record<string, unknown> = {};
    for (const k of changed) input[k] = fromText(meta.get(k)!.kind, edits[k]);
    const result = await save({ input });
    if (!result.error) {
      setEdits({});
      show();
      reload({ requestPolicy: 'network-only' });
    }
  }

  const whole = formError(saving.error, keys);
  return (
    <form className="settings-form" aria-label={title} onSubmit={(e) => void submit(e)}>
      {sections.map((section) => {
        const shown = section.keys.filter((k) => meta.has(k) && k in current);
        if (!shown.length) return null;
        return (
          <fieldset key={section.title} className="settings-section">
            <legend>{section.title}</legend>
            {shown.map((k) => {
              const m = meta.get(k)!;
              const value = k in edits ? edits[k] : toText(m.kind, current[k]);
              const set = (v: string | boolean) => setEdits((prev) => ({ ...prev, [k]: v }));
              const hint = (
                <>
                  {m.description} <code>{k}</code>
                </>
              );
              if (!canChange) {
                return (
                  <div className="field setting-readonly" key={k}>
                    <span className="setting-label">{m.label}</span>
                    <span className="setting-value">{showValue(m.kind, current[k])}</span>
                    <p className="field-hint">{hint}</p>
                  </div>
                );
              }
              if (m.kind.kind === 'boolean') {
                return (
                  <Field key={k} label={m.label} field={k} error={saving.error} hint={hint}>
                    {(a) => <input {...a} type="checkbox" className="setting-check" name={k} checked={value === true} onChange={(e) => set(e.target.checked)} />}
                  </Field>
                );
              }
              if (m.kind.kind === 'enum') {
                const values = m.kind.values;
                return (
                  <Field key={k} label={m.label} field={k} error={saving.error} hint={hint}>
                    {(a) => (
                      <select {...a} name={k} value={String(value)} onChange={(e) => set(e.target.value)}>
                        {values.map((v) => (
                          <option key={v} value={v}>
                            {v.toLowerCase().replace(/_/g, ' ')}
                          </option>
                        ))}
                      </select>
                    )}
                  </Field>
                );
              }
              const multiline = m.kind.kind === 'list' || m.kind.kind === 'records' || (m.kind.kind === 'string' && m.kind.long);
              const listHint =
                m.kind.kind === 'list' ? (
                  <>
                    One per line. {hint}
                  </>
                ) : m.kind.kind === 'records' ? (
                  <>
                    One per line: {m.kind.fields.join(', then ')}. {hint}
                  </>
                ) : (
                  hint
                );
              return (
                <Field key={k} label={m.label} field={k} error={saving.error} hint={listHint}>
                  {(a) =>
                    multiline ? (
                      <textarea {...a} name={k} rows={Math.min(8, Math.max(3, String(value).split('\n').length + 1))} value={String(value)} onChange={(e) => set(e.target.value)} />
                    ) : (
                      <input {...a} name={k} type="text" inputMode={m.kind.kind === 'int' ? 'numeric' : undefined} value={String(value)} onChange={(e) => set(e.target.value)} />
                    )
                  }
                </Field>
              );
            })}
          </fieldset>
        );
      })}
      <Control>
        <div className="actions sticky-actions">
          <FieldError id={`${title}-form-error`} error={whole} />
          <SavedNote saved={saved} />
          <button type="button" disabled={!changed.length || saving.fetching} onClick={() => setEdits({})}>
            Revert
          </button>
          <button type="submit" className="primary" disabled={!changed.length || saving.fetching}>
            Save
          </button>
        </div>
      </Control>
    </form>
  );
}
