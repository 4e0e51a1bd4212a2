/**
 * Fuzz target for the GraphQL request gate (graphql/limits): graphql-js parse with the token
 * limit, then the cost measure, for anonymous and authenticated callers. Whatever the gate admits
 * must also be cheap to validate, the next thing the server does with it.
 */
import 'reflect-metadata';
import { type DocumentNode, isObjectType, validate } from 'graphql';
import { admitQuery } from '../../graphql/limits/admit';
import { ANONYMOUS_LIMITS, AUTHENTICATED_LIMITS } from '../../graphql/limits/query-limits';
import { apiSchema } from '../../graphql/schema';
import { atom, nastyChar, nested, numberText, quoted, repeated, sentence } from './arbitraries';
import { check, fc, fuzz, jsonCodec, timeSpent } from './driver';

const schema = apiSchema();
const FIELDS = [...new Set(Object.values(schema.getTypeMap()).flatMap((t) => (isObjectType(t) && !t.name.startsWith('__') ? Object.keys(t.getFields()) : [])))];
const ROOTS = [...Object.keys(schema.getQueryType()?.getFields() ?? {}), ...Object.keys(schema.getMutationType()?.getFields() ?? {})];

const name = fc.oneof(fc.constantFrom(...FIELDS), fc.constantFrom('__typename', '__schema', '__type', 'login', 'nodes', 'pageInfo', 'totalCount'), atom.map((a) => a.replace(/[^A-Za-z0-9_]/g, '') || 'x'));
const value: fc.Arbitrary<string> = fc.letrec<{ v: string }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    numberText,
    quoted,
    fc.constantFrom('true', 'null', 'ENUM', '$var', '"""block"""', '1.5e300', '-0', '""'),
    fc.array(tie('v'), { maxLength: 3 }).map((a) => `[${a.join(', ')}]`),
    fc.array(fc.tuple(name, tie('v')), { maxLength: 3 }).map((a) => `{${a.map(([k, v]) => `${k}: ${v}`).join(', ')}}`),
  ),
})).v;
const args = fc.array(fc.tuple(fc.constantFrom('first', 'last', 'after', 'input', 'id', 'name', 'filter', 'x'), value), { maxLength: 3 }).map((a) => (a.length ? `(${a.map(([k, v]) => `${k}: ${v}`).join(', ')})` : ''));
const selection: fc.Arbitrary<string> = fc.letrec<{ sel: string; field: string }>((tie) => ({
  sel: fc.array(tie('field'), { minLength: 1, maxLength: 4 }).map((fs) => `{ ${fs.join(' ')} }`),
  field: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.tuple(fc.option(name), name, args, fc.constantFrom('', '@include(if: true)', '@skip(if: $v)', '@bogus')).map(([alias, n, a, d]) => `${alias ? alias + ': ' : ''}${n}${a} ${d}`),
    fc.tuple(name, args, tie('sel')).map(([n, a, s]) => `${n}${a} ${s}`),
    fc.constantFrom('...F', '...G', '... on Query { __typename }', '...'),
  ),
})).sel;
// The huge shapes (thousands of fields, brackets or tokens) cost a millisecond or more each; they
// come one time in nine, so the grammar's small documents get most of the inputs.
const document = fc.oneof(
  { weight: 40, arbitrary: fc.tuple(fc.constantFrom('', 'query', 'query Q', 'mutation', 'mutation M($v: Boolean)', 'subscription', 'query ($first: Int = 5)'), selection, fc.constantFrom('', 'fragment F on Query { __typename ...G }', 'fragment G on Query { ...F }', 'fragment F on User { id }')).map(([op, s, frag]) => `${op} ${s} ${frag}`) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...ROOTS), fc.integer({ min: 1, max: 3000 })).map(([r, n]) => `{ ${Array.from({ length: n }, (_, i) => `a${i}: ${r} { __typename }`).join(' ')} }`) },
  { weight: 1, arbitrary: nested('{ a ', '}', fc.constant(''), 6000) },
  { weight: 1, arbitrary: nested('[', ']', fc.constant('1'), 12000).map((v) => `{ users(filter: ${v}) { totalCount } }`) },
  { weight: 1, arbitrary: nested('{a:', '}', fc.constant('1'), 12000).map((v) => `{ users(filter: ${v}) { totalCount } }`) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 500 }).map((n) => `query { ...F0 } ${Array.from({ length: n }, (_, i) => `fragment F${i} on Query { ...F${i + 1} ...F${i + 1} }`).join(' ')} fragment F${n} on Query { __typename }`) },
  { weight: 1, arbitrary: repeated(fc.constantFrom('{', '}', '(', ')', '"', '"""', '#', '...', '$', '@', ' '), 20000) },
  { weight: 8, arbitrary: sentence(fc.oneof(name, nastyChar, quoted, fc.constantFrom('{', '}', '(', ')', ':', '...', 'on', 'fragment', 'query'))) },
);

const validationMs = (document: DocumentNode): number => timeSpent(() => validate(schema, document));

interface GqlInput {
  query: string;
  anonymous: boolean;
  operationName?: string;
  variables?: Record<string, unknown>;
}

fuzz({
  name: 'graphql-admit',
  arbitrary: fc.record({
    query: document,
    anonymous: fc.boolean(),
    operationName: fc.option(fc.constantFrom('Q', 'M', 'X', ''), { nil: undefined }),
    variables: fc.option(fc.dictionary(fc.constantFrom('v', 'first', 'x'), fc.oneof(fc.integer(), fc.double(), fc.string(), fc.boolean(), fc.constant(null))), { nil: undefined }),
  }),
  codec: jsonCodec<GqlInput>(),
  seeds: [
    { query: 'mutation { login(username: "admin", password: "x") { token } }', anonymous: true },
    { query: '{ __schema { types { name fields { name } } } }', anonymous: false },
    { query: `{ ${Array.from({ length: 8000 }, (_, i) => `a${i}: __schema { types { name } }`).join(' ')} }`, anonymous: true },
  ],
  hangMs: 150,
  run({ query, anonymous, operationName, variables }) {
    const limits = anonymous ? ANONYMOUS_LIMITS : AUTHENTICATED_LIMITS;
    const a = admitQuery(schema, { query, operationName, variables }, limits);
    if (a.errors) {
      for (const e of a.errors) check(typeof e.extensions.code === 'string', () => `a refusal without a code: ${e.message}`);
      return;
    }
    // Timed again if slow, by the CPU time used when less than the time passed: the first
    // validation (cold code) and a busy machine must not look like an expensive document.
    let ms = validationMs(a.document);
    if (ms >= 100) ms = Math.min(ms, validationMs(a.document));
    check(ms < 100, () => `an admitted document took ${ms.toFixed(0)} ms to validate`);
  },
});
