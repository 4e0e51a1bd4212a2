/** An input object's own fields with explicit nulls dropped: in a patch, null means "leave as is". */
export type WithoutNulls<T> = { [K in keyof T]: Exclude<T[K], null> };

export function withoutNulls<T extends object>(input: T): WithoutNulls<T> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(input)) if (value !== null && value !== undefined) out[key] = value;
  return out as WithoutNulls<T>;
}
