import { useMemo, useState, type FormEvent, type ReactNode } from 'react';
import { useMutation, useQuery, type CombinedError } from 'urql';
import { graphql } from '../gql';
import { Control, useCanChange } from '../ui/control';
import { Field, FieldError, formError } from '../ui/field';
import { SavedNote, useSaved } from '../ui/feedback';
import { ErrorState, Loading } from '../ui/states';
import { formatList, parseDecimal, parseList, parseWhole } from './admin-forms';
import type { SettingsSection } from './settings-tabs';

/**
 * A form for any settings, built from what the API says about them: the input type of
 * updateSettings (introspection) gives each one's kind and an enum's values, settingDescriptions
 * the seed's words and the explanation. The API validates; its error shows next to the field.
 */
// What a form needs to know of an input field: its kind, an enum's values, a list's item type.
graphql(`
  fragment ConsoleInputField on __InputValue {
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
`);

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
        ...ConsoleInputField
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

export type Kind = { kind: 'boolean' } | { kind: 'int' } | { kind: 'float' } | { kind: 'string'; long: boolean } | { kind: 'enum'; values: string[] } | { kind: 'list' } | { kind: 'records'; fields: string[] };

/** What introspection says of an input field's type (the selection above asks for these). */
export interface IntrospectedType {
  kind: string;
  name?: string | null;
  enumValues?: { name: string }[] | null;
  ofType?: (IntrospectedItem & { ofType?: IntrospectedItem | null }) | null;
}
type IntrospectedItem = { kind: string; name?: string | null; inputFields?: { name: string }[] | null };

/** How a form edits an input field of this type; `long` says which strings get a text box. */
export function kindOf(name: string, t: IntrospectedType, long: (name: string) => boolean): Kind {
  if (t.kind === 'ENUM') return { kind: 'enum', values: (t.enumValues ?? []).map((v) => v.name) };
  // A list's items may be non-null ([Input!]): look through that wrapper.
  const item = t.ofType?.kind === 'NON_NULL' ? t.ofType.ofType : t.ofType;
  if (t.kind === 'LIST' && item?.kind === 'INPUT_OBJECT') return { kind: 'records', fields: (item.inputFields ?? []).map((x) => x.name) };
  if (t.kind === 'LIST') return { kind: 'list' };
  if (t.name === 'Boolean') return { kind: 'boolean' };
  if (t.name === 'Int') return { kind: 'int' };
  if (t.name === 'Float') return { kind: 'float' };
  return { kind: 'string', long: long(name) };
}

export interface SettingMeta {
  key: string;
  label: string;
  seedName: string;
  description: string;
  kind: Kind;
}

export type Value = boolean | number | string | string[] | Record<string, string>[];

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
      const kind = kindOf(f.name, f.type, (name) => /Message$/.test(name));
      const d = described.get(f.name);
      out.set(f.name, { key: f.name, label: labelOf(f.name, d?.seedName ?? ''), seedName: d?.seedName ?? '', description: d?.description ?? '', kind });
    }
    return out;
  }, [data]);
  return { meta, error };
}

/** The GraphQL selection of these settings' current values. */
export function selectionOf(keys: string[], meta: Map<string, SettingMeta>): string {
  return keys
    .map((k) => {
      const kind = meta.get(k)?.kind;
      return kind?.kind === 'records' ? `${k} { ${kind.fields.join(' ')} }` : k;
    })
    .join(' ');
}

/** Text as it is edited; turned into the API's value on save. */
export function toText(kind: Kind, value: Value): string | boolean {
  if (kind.kind === 'boolean') return Boolean(value);
  if (kind.kind === 'list') return formatList(value as string[]);
  if (kind.kind === 'records') return (value as Record<string, string>[]).map((r) => kind.fields.map((f) => r[f]).join(' ')).join('\n');
  return String(value);
}

export function fromText(kind: Kind, text: string | boolean): unknown {
  if (kind.kind === 'boolean') return Boolean(text);
  const s = String(text);
  if (kind.kind === 'int') return parseWhole(s);
  if (kind.kind === 'float') return parseDecimal(s);
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

export function showValue(kind: Kind, value: Value): string {
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
  const [saving, save] = useMutation(UpdateSettings);

  if (metaError) return <ErrorState error={metaError} />;
  if (error) return <ErrorState error={error} />;
  if (!meta || !data?.settings) return fetching || !meta ? <Loading /> : null;
  return (
    <MetaForm
      key={title}
      title={title}
      sections={sections}
      meta={meta}
      current={data.settings}
      saving={saving}
      save={async (input) => {
        const result = await save({ input });
        if (!result.error) reload({ requestPolicy: 'network-only' });
        return result;
      }}
    />
  );
}

interface MetaFormProps {
  /** Names the form for screen readers. */
  title: string;
  sections: SettingsSection[];
  meta: Map<string, SettingMeta>;
  /** The values as the API has them now. */
  current: Record<string, Value>;
  /** Sends the changed fields (as the API takes them); the form forgets its edits when that succeeds. */
  save: (input: Record<string, unknown>) => Promise<{ error?: CombinedError }>;
  saving: { fetching: boolean; error?: CombinedError };
}

/**
 * Sections of fields built from introspection with one Save that sends only what changed;
 * the API's error for a field shows next to it, any other above the buttons.
 */
export function MetaForm({ title, sections, meta, current, save, saving }: MetaFormProps) {
  const [edits, setEdits] = useState<Record<string, string | boolean>>({});
  const { saved, show } = useSaved();
  const canChange = useCanChange();
  const keys = sections.flatMap((s) => s.keys).filter((k) => meta.has(k) && k in current);
  const changed = keys.filter((k) => k in edits && edits[k] !== toText(meta.get(k)!.kind, current[k]));
  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!changed.length) return;
    const input: Record<string, unknown> = {};
    for (const k of changed) input[k] = fromText(meta.get(k)!.kind, edits[k]);
    const result = await save(input);
    if (!result.error) {
      setEdits({});
      show();
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
              return <MetaField key={k} m={m} value={value} current={current[k]} set={set} error={saving.error} hint={hint} readOnly={!canChange} />;
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

interface MetaFieldProps {
  m: SettingMeta;
  /** As edited (toText of the current value until changed). */
  value: string | boolean;
  current: Value;
  set: (value: string | boolean) => void;
  error?: CombinedError;
  hint: ReactNode;
  /** A MONITOR account: the value as text, no control. */
  readOnly: boolean;
}

/** One field of a form built from introspection: the control its kind needs, with the API's error next to it. */
export function MetaField({ m, value, current, set, error, hint, readOnly }: MetaFieldProps) {
  if (readOnly) {
    return (
      <div className="field setting-readonly">
        <span className="setting-label">{m.label}</span>
        <span className="setting-value">{showValue(m.kind, current)}</span>
        <p className="field-hint">{hint}</p>
      </div>
    );
  }
  if (m.kind.kind === 'boolean') {
    return (
      <Field label={m.label} field={m.key} error={error} hint={hint}>
        {(a) => <input {...a} type="checkbox" className="setting-check" name={m.key} checked={value === true} onChange={(e) => set(e.target.checked)} />}
      </Field>
    );
  }
  if (m.kind.kind === 'enum') {
    const values = m.kind.values;
    return (
      <Field label={m.label} field={m.key} error={error} hint={hint}>
        {(a) => (
          <select {...a} name={m.key} value={String(value)} onChange={(e) => set(e.target.value)}>
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
    <Field label={m.label} field={m.key} error={error} hint={listHint}>
      {(a) =>
        multiline ? (
          <textarea {...a} name={m.key} rows={Math.min(8, Math.max(3, String(value).split('\n').length + 1))} value={String(value)} onChange={(e) => set(e.target.value)} />
        ) : (
          <input {...a} name={m.key} type="text" inputMode={m.kind.kind === 'int' ? 'numeric' : m.kind.kind === 'float' ? 'decimal' : undefined} value={String(value)} onChange={(e) => set(e.target.value)} />
        )
      }
    </Field>
  );
}
