import { useId, type ReactNode } from 'react';
import type { CombinedError } from 'urql';
import { describeError } from './states';

/**
 * The API error that names this field (extensions.field, e.g. INVALID_SETTING or
 * BAD_USER_INPUT), so a form can show it next to the field instead of at the top.
 */
export function errorForField(error: CombinedError | undefined, field: string): { code: string; message: string } | undefined {
  const match = error?.graphQLErrors.find((e) => e.extensions?.field === field || coercedField(e.message) === field);
  return match ? { code: String(match.extensions?.code ?? 'ERROR'), message: match.message } : undefined;
}

/** The input field GraphQL's own variable check names ('Variable "$input" got invalid value "x" at "input.quotaMb"; Int cannot…'). */
function coercedField(message: string): string | undefined {
  return /^Variable "\$\w+" got invalid value .* at "\w+\.(\w+)(?:\[\d+\])?"/.exec(message)?.[1];
}

/** The error for the form as a whole: one that names no field of the form. */
export function formError(error: CombinedError | undefined, fields: string[]): { code: string; message: string } | undefined {
  if (!error) return undefined;
  const unnamed = error.graphQLErrors.find((e) => !fields.includes(String(e.extensions?.field ?? coercedField(e.message) ?? '')));
  if (unnamed) return { code: String(unnamed.extensions?.code ?? 'ERROR'), message: unnamed.message };
  return error.graphQLErrors.length ? undefined : describeError(error);
}

export function FieldError({ id, error }: { id: string; error?: { code: string; message: string } }) {
  if (!error) return null;
  return (
    <p className="field-error" id={id} role="alert">
      <code>{error.code}</code> {error.message}
    </p>
  );
}

interface FieldProps {
  label: ReactNode;
  /** The API's name of the field: the error whose extensions.field is this shows here. */
  field: string;
  error?: CombinedError;
  hint?: ReactNode;
  children: (props: { id: string; 'aria-describedby'?: string; 'aria-invalid'?: boolean }) => ReactNode;
}

/** A labelled form field with its hint and the API's error for it. */
export function Field({ label, field, error, hint, children }: FieldProps) {
  const id = useId();
  const fieldError = errorForField(error, field);
  const described = [hint ? `${id}-hint` : '', fieldError ? `${id}-error` : ''].filter(Boolean).join(' ');
  return (
    <div className={fieldError ? 'field field-invalid' : 'field'}>
      <label htmlFor={id}>{label}</label>
      {children({ id, 'aria-describedby': described || undefined, 'aria-invalid': fieldError ? true : undefined })}
      {hint ? (
        <p className="field-hint" id={`${id}-hint`}>
          {hint}
        </p>
      ) : null}
      <FieldError id={`${id}-error`} error={fieldError} />
    </div>
  );
}

/** A text input as a Field: the common case. */
export function TextField(props: { label: ReactNode; field: string; value: string; onChange: (value: string) => void; error?: CombinedError; hint?: ReactNode; type?: string; autoComplete?: string; required?: boolean }) {
  const { label, field, value, onChange, error, hint, type = 'text', autoComplete, required } = props;
  return (
    <Field label={label} field={field} error={error} hint={hint}>
      {(a) => <input {...a} name={field} type={type} value={value} autoComplete={autoComplete} required={required} onChange={(e) => onChange(e.target.value)} />}
    </Field>
  );
}
