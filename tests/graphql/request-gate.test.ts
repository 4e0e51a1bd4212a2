import 'reflect-metadata';
import test from 'node:test';
import assert from 'node:assert/strict';
import { MAX_NESTING, admitQuery } from '../../graphql/limits/admit';
import { AUTHENTICATED_LIMITS } from '../../graphql/limits/query-limits';
import { apiSchema } from '../../graphql/schema';

const code = (query: string) => admitQuery(apiSchema(), { query }, AUTHENTICATED_LIMITS).errors?.[0]?.extensions.code;

test('deeply nested values and selections are refused before parsing, not with a stack overflow (found by tests/fuzz/graphql)', () => {
  // Within the 10,000 tokens of a caller with a token; graphql-js's parser overflowed its stack at about 2,000.
  assert.equal(code(`{ users(filter: ${'['.repeat(3000)}1${']'.repeat(3000)}) { totalCount } }`), 'QUERY_TOO_DEEP');
  assert.equal(code(`{ users(filter: ${'{a:'.repeat(3000)}1${'}'.repeat(3000)}) { totalCount } }`), 'QUERY_TOO_DEEP');
  assert.equal(code(`${'{ a '.repeat(4000)}${'}'.repeat(4000)}`), 'QUERY_TOO_DEEP');
});

test('nesting up to the limit goes on to the other checks', () => {
  const depth = MAX_NESTING - 4;
  assert.notEqual(code(`{ users(filter: ${'['.repeat(depth)}1${']'.repeat(depth)}) { totalCount } }`), 'QUERY_TOO_DEEP');
  // A syntax error deep inside is still reported as one.
  assert.equal(code('{ users(filter: [[[ }'), 'GRAPHQL_PARSE_FAILED');
});

test('a subscription whose root field has @skip with a variable is refused with a code, not a 500 (found by tests/fuzz/graphql)', () => {
  // graphql-js's SingleFieldSubscriptionsRule throws on it instead of reporting it.
  assert.equal(code('subscription { logTail @skip(if: $v) { text } }'), 'GRAPHQL_VALIDATION_FAILED');
  assert.equal(code('subscription S($v: Boolean!) { logTail @include(if: $v) { text } }'), 'GRAPHQL_VALIDATION_FAILED');
  assert.equal(code('query { __typename @skip(if: $v) }'), undefined);
});

test('a request naming no operation of its document is refused before validation (found by tests/fuzz/graphql)', () => {
  // Unmeasured, a document of 500 conflicting aliases took 0.1 s or more to validate before
  // execution refused it for the missing operation.
  const costly = `query { ${Array.from({ length: 500 }, (_, i) => `x: users(first: ${i % 7}) { totalCount }`).join(' ')} }`;
  const started = performance.now();
  const errors = admitQuery(apiSchema(), { query: costly, operationName: '' }, AUTHENTICATED_LIMITS).errors;
  assert.ok(performance.now() - started < 200);
  assert.equal(errors?.[0]?.extensions.code, 'OPERATION_RESOLUTION_FAILURE');
  assert.equal(errors?.[0]?.message, 'Unknown operation named "".');
  assert.equal(code('query A { __typename } query B { __typename }'), 'OPERATION_RESOLUTION_FAILURE');
  assert.equal(code('fragment F on Query { __typename }'), 'OPERATION_RESOLUTION_FAILURE');
});

test('validation is bounded for the fragments and other operations a request does not run (found by tests/fuzz/graphql)', () => {
  // graphql-js compares every pair of fields that share a response name, in every definition of
  // the document: 450 aliases `x:` in a fragment nothing spreads took about 0.1-0.3 s per request.
  const sameName = (n: number) => Array.from({ length: n }, (_, i) => `x: users(first: ${i % 7}) { totalCount }`).join(' ');
  // Refused by the gate, so validation never sees it.
  const unused = `query { __typename } fragment U on Query { ${sameName(450)} }`;
  const errors = admitQuery(apiSchema(), { query: unused }, AUTHENTICATED_LIMITS).errors;
  assert.equal(errors?.[0]?.extensions.code, 'COST_LIMIT');
  assert.equal(errors?.[0]?.extensions.limit, 'fieldsPerResponseName');
  const other = admitQuery(apiSchema(), { query: `query A { __typename } query B { ${sameName(21)} }`, operationName: 'A' }, AUTHENTICATED_LIMITS);
  assert.equal(other.errors?.[0]?.extensions.code, 'COST_LIMIT');
  // Twenty fields of one name are still a document a client may send.
  assert.equal(code(`query { ${sameName(20)} }`), undefined);
  // Fragment definitions are counted whether spread or not.
  const fragments = (n: number) => Array.from({ length: n }, (_, i) => `fragment F${i} on Query { y${i}: __typename }`).join(' ');
  assert.equal(code(`query { __typename } ${fragments(51)}`), 'COST_LIMIT');
  assert.equal(code(`query { ${Array.from({ length: 20 }, (_, i) => `...F${i}`).join(' ')} } ${fragments(50)}`), undefined);
  // Fragments spread into one selection set bring their fields with them.
  const spreadSameName = Array.from({ length: 21 }, (_, i) => `fragment F${i} on Query { y: __typename }`).join(' ');
  assert.equal(code(`query { me { __typename } ...F0 } fragment F0 on Query { ${Array.from({ length: 21 }, (_, i) => `...G${i}`).join(' ')} } ${spreadSameName.replace(/fragment F/g, 'fragment G')}`), 'COST_LIMIT');
  // The same name under different parents is not compared, and is fine.
  assert.equal(code(`query { ${Array.from({ length: 30 }, (_, i) => `m${i}: me { username }`).join(' ')} }`), undefined);
});
