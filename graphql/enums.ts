import { registerEnumType } from 'type-graphql';

/**
 * The GraphQL name of a value the engine stores: upper case, words joined by "_"
 * (`rsa-2048` → RSA_2048, `sieveLegacy` → SIEVE_LEGACY, `\Sent` → SENT, `Ed25519` → ED25519).
 */
export function enumName(value: string): string {
  return value
    .replace(/^\\/, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .replace(/^_|_$/g, '')
    .toUpperCase();
}

export interface ClosedSetConfig<V extends string> {
  /** The GraphQL type name. */
  name: string;
  description?: string;
  /** Names that enumName would not give (`*` → ALL). */
  names?: Partial<Record<V, string>>;
  /** What a value means, by stored value. */
  meanings?: Partial<Record<V, string>>;
}

/**
 * A GraphQL enum over a closed set of values that the engine keeps as strings. The API speaks
 * the upper-case names; type-graphql turns them into the stored values on the way in and back
 * on the way out, so resolvers and server/ only ever see the stored values. The set comes from
 * server/ (one list of values per concept), so a value added there appears in the API at once.
 */
export function closedSet<const V extends string>(values: readonly V[], config: ClosedSetConfig<V>): Record<string, V> {
  const enumObject: Record<string, V> = {};
  const valuesConfig: Record<string, { description: string }> = {};
  for (const value of values) {
    const name = config.names?.[value] ?? enumName(value);
    if (!/^[A-Z][A-Z0-9_]*$/.test(name)) throw new Error(`graphql enum ${config.name}: "${value}" gives no valid name`);
    if (name in enumObject) throw new Error(`graphql enum ${config.name}: "${value}" and "${enumObject[name]}" both give ${name}`);
    enumObject[name] = value;
    const meaning = config.meanings?.[value];
    if (meaning) valuesConfig[name] = { description: meaning };
  }
  registerEnumType(enumObject, { name: config.name, description: config.description, valuesConfig });
  return enumObject;
}

/** The GraphQL name of a stored value of a closed set (for texts such as a default shown as JSON). */
export function nameOf<V extends string>(set: Record<string, V>, value: V): string | undefined {
  return Object.keys(set).find((name) => set[name] === value);
}
