import {
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLError,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  Kind,
  SchemaMetaFieldDef,
  TypeMetaFieldDef,
  getNamedType,
  getOperationAST,
  getNullableType,
  isAbstractType,
  isWrappingType,
  type GraphQLType,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isIntrospectionType,
  isListType,
  isObjectType,
  visit,
} from 'graphql';
import { ApiError, badInput } from '../errors';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../pagination';
import { DEFAULT_LIST_SIZE, MAX_FIELDS_PER_RESPONSE_NAME, MAX_SCHEMA_INTROSPECTIONS, ONCE_PER_OPERATION, type QueryLimits } from './query-limits';

/**
 * The cost of a GraphQL document, measured on its syntax tree before validation and execution,
 * in one pass that never expands a fragment twice (a fragment's figures are kept and reused, so
 * fragments that spread each other many times cannot make the measuring itself expensive).
 *
 * - fields: field selections, counting a fragment once for each place it is spread;
 * - depth: the deepest field, a root field being 1;
 * - cost: an estimate of the values in the answer: each field once per item of every list it
 *   sits in. A connection page is its `first` (default 50); a list with a `first`/`last`
 *   argument is that many; the introspection lists are what the schema holds on average;
 *   any other list counts as DEFAULT_LIST_SIZE.
 */
interface Tally {
  fields: number;
  depth: number;
  cost: number;
}

const ZERO: Tally = { fields: 0, depth: 0, cost: 0 };

/** Average sizes of the introspection lists of a schema, as `__Type.fields` and so on. */
const introspectionSizes = new WeakMap<GraphQLSchema, Map<string, number>>();

function introspectionSizesOf(schema: GraphQLSchema): Map<string, number> {
  let sizes = introspectionSizes.get(schema);
  if (sizes) return sizes;
  const types = Object.values(schema.getTypeMap());
  let fields = 0;
  let args = 0;
  let interfaces = 0;
  let possibleTypes = 0;
  let enumValues = 0;
  let inputFields = 0;
  let wrappers = 0;
  const wrapping = (t: GraphQLType) => {
    let n = 0;
    for (let w = t; isWrappingType(w); w = w.ofType) n++;
    wrappers = Math.max(wrappers, n);
  };
  for (const type of types) {
    if (isObjectType(type) || isInterfaceType(type)) {
      const own = Object.values(type.getFields());
      fields += own.length;
      for (const field of own) {
        args += field.args.length;
        wrapping(field.type);
        for (const arg of field.args) wrapping(arg.type);
      }
      interfaces += type.getInterfaces().length;
    }
    if (isInputObjectType(type)) for (const field of Object.values(type.getFields())) wrapping(field.type);
    if (isAbstractType(type)) possibleTypes += schema.getPossibleTypes(type).length;
    if (isEnumType(type)) enumValues += type.getValues().length;
    if (isInputObjectType(type)) inputFields += Object.keys(type.getFields()).length;
  }
  const directives = schema.getDirectives();
  const directiveArgs = directives.reduce((n, d) => n + d.args.length, 0);
  // The average per parent, so that `types { fields { … } }` comes to the schema's real total.
  const per = (total: number, parents: number) => Math.max(1, Math.ceil(total / Math.max(1, parents)));
  sizes = new Map([
    ['__Schema.types', types.length],
    ['__Schema.directives', directives.length],
    ['__Type.fields', per(fields, types.length)],
    ['__Type.interfaces', per(interfaces, types.length)],
    ['__Type.possibleTypes', per(possibleTypes, types.length)],
    ['__Type.enumValues', per(enumValues, types.length)],
    ['__Type.inputFields', per(inputFields, types.length)],
    ['__Field.args', per(args, fields)],
    ['__Directive.args', per(directiveArgs, directives.length)],
    // Not a list: how deep `ofType { ofType { … } }` can be before it is null whatever the type.
    ['__Type.ofType', wrappers],
  ]);
  introspectionSizes.set(schema, sizes);
  return sizes;
}

function fieldDefinition(schema: GraphQLSchema, parent: GraphQLNamedType | undefined, name: string): GraphQLField<unknown, unknown> | undefined {
  if (!parent) return undefined;
  if (parent === schema.getQueryType()) {
    if (name === SchemaMetaFieldDef.name) return SchemaMetaFieldDef;
    if (name === TypeMetaFieldDef.name) return TypeMetaFieldDef;
  }
  return isObjectType(parent) || isInterfaceType(parent) ? parent.getFields()[name] : undefined;
}

/** Measures one operation; a new one per operation, as variables and fragment figures are per operation. */
class OperationMeter {
  private readonly memo = new Map<string, Tally>();
  private readonly expanding = new Set<string>();
  /** How many `__Type.ofType` the field being measured sits in. */
  private ofTypeDepth = 0;
  readonly errors: GraphQLError[] = [];

  constructor(
    private readonly schema: GraphQLSchema,
    private readonly fragments: ReadonlyMap<string, FragmentDefinitionNode>,
    private readonly operation: OperationDefinitionNode,
    private readonly variables: Readonly<Record<string, unknown>>,
  ) {}

  measure(): Tally {
    const root = this.schema.getRootType(this.operation.operation) ?? undefined;
    return this.selectionSet(this.operation.selectionSet, root, undefined);
  }

  /** The root fields, looking through fragments and inline fragments. */
  rootFieldNames(): string[] {
    const names: string[] = [];
    const seen = new Set<string>();
    const collect = (set: SelectionSetNode) => {
      for (const selection of set.selections) {
        if (selection.kind === Kind.FIELD) names.push(selection.name.value);
        else if (selection.kind === Kind.INLINE_FRAGMENT) collect(selection.selectionSet);
        else if (!seen.has(selection.name.value)) {
          seen.add(selection.name.value);
          const fragment = this.fragments.get(selection.name.value);
          if (fragment) collect(fragment.selectionSet);
        }
      }
    };
    collect(this.operation.selectionSet);
    return names;
  }

  private selectionSet(set: SelectionSetNode, parent: GraphQLNamedType | undefined, page: number | undefined): Tally {
    const total = { ...ZERO };
    for (const selection of set.selections) {
      let part: Tally;
      if (selection.kind === Kind.FIELD) {
        part = this.field(selection, parent, page);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const type = selection.typeCondition ? this.schema.getType(selection.typeCondition.name.value) : parent;
        part = this.selectionSet(selection.selectionSet, type, page);
      } else {
        part = this.fragment(selection.name.value, page);
      }
      total.fields += part.fields;
      total.cost += part.cost;
      total.depth = Math.max(total.depth, part.depth);
    }
    return total;
  }

  private fragment(name: string, page: number | undefined): Tally {
    const key = `${name}\u0000${page ?? ''}\u0000${this.ofTypeDepth}`;
    const known = this.memo.get(key);
    if (known) return known;
    const fragment = this.fragments.get(name);
    // Unknown fragments and cycles are left to validation, which refuses them.
    if (!fragment || this.expanding.has(name)) return ZERO;
    this.expanding.add(name);
    const tally = this.selectionSet(fragment.selectionSet, this.schema.getType(fragment.typeCondition.name.value), page);
    this.expanding.delete(name);
    this.memo.set(key, tally);
    return tally;
  }

  private field(node: FieldNode, parent: GraphQLNamedType | undefined, page: number | undefined): Tally {
    if (!node.selectionSet) return { fields: 1, depth: 1, cost: 1 };
    const definition = fieldDefinition(this.schema, parent, node.name.value);
    const type = definition ? getNamedType(definition.type) : undefined;
    const items = definition && isListType(getNullableType(definition.type)) ? this.listSize(node, parent, page) : 1;
    // The introspection query nests `ofType` seven deep; past the schema's deepest wrapping
    // (three for [X!]!) every one is null, a single value however much it selects.
    const ofType = parent && isIntrospectionType(parent) && parent.name === '__Type' && node.name.value === 'ofType';
    if (ofType) this.ofTypeDepth++;
    try {
      const inner = this.selectionSet(node.selectionSet, type, type && definition ? this.pageOf(node, type, definition) : undefined);
      const alwaysNull = ofType && this.ofTypeDepth > (introspectionSizesOf(this.schema).get('__Type.ofType') ?? 0);
      return { fields: 1 + inner.fields, depth: 1 + inner.depth, cost: alwaysNull ? 1 : 1 + items * inner.cost };
    } finally {
      if (ofType) this.ofTypeDepth--;
    }
  }

  /** The page size a Relay connection field asks for (its `first`), for its `edges` and `nodes`. */
  private pageOf(node: FieldNode, type: GraphQLNamedType, definition: GraphQLField<unknown, unknown>): number | undefined {
    if (!isObjectType(type) || !type.name.endsWith('Connection') || !definition.args.some((a) => a.name === 'first')) return undefined;
    const first = this.intArgument(node, 'first');
    if (first === undefined) return DEFAULT_PAGE_SIZE;
    if (first < 0 || first > MAX_PAGE_SIZE) {
      this.errors.push(badInput(`first must be from 0 to ${MAX_PAGE_SIZE}`, 'first'));
      return MAX_PAGE_SIZE;
    }
    return first;
  }

  private listSize(node: FieldNode, parent: GraphQLNamedType | undefined, page: number | undefined): number {
    const name = node.name.value;
    if (parent && isIntrospectionType(parent)) return introspectionSizesOf(this.schema).get(`${parent.name}.${name}`) ?? DEFAULT_LIST_SIZE;
    const asked = this.intArgument(node, 'first') ?? this.intArgument(node, 'last');
    if (asked !== undefined) return Math.max(0, asked);
    if (page !== undefined && (name === 'edges' || name === 'nodes')) return page;
    return DEFAULT_LIST_SIZE;
  }

  /** An integer argument given literally or by a variable (its value, else its default); undefined otherwise. */
  private intArgument(node: FieldNode, name: string): number | undefined {
    const argument = node.arguments?.find((a) => a.name.value === name);
    if (!argument) return undefined;
    let value = argument.value;
    if (value.kind === Kind.VARIABLE) {
      const variable = value.name.value;
      const given = Object.hasOwn(this.variables, variable) ? this.variables[variable] : undefined;
      if (typeof given === 'number') return Number.isInteger(given) ? given : undefined;
      const declared = this.operation.variableDefinitions?.find((d) => d.variable.name.value === variable);
      if (given !== undefined || !declared?.defaultValue) return undefined;
      value = declared.defaultValue;
    }
    return value.kind === Kind.INT ? Number(value.value) : undefined;
  }
}

function costLimit(what: string, found: number, max: number, message: string): GraphQLError {
  return new ApiError('COST_LIMIT', message, { limit: what, max, found: Number.isFinite(found) ? found : null });
}

/**
 * The limits under which a document's shape passed (checkDocumentShape depends on nothing
 * else): a document the gate keeps (admit.ts) is walked once, not at every request.
 */
const shapePassed = new WeakMap<DocumentNode, WeakSet<Readonly<QueryLimits>>>();

/**
 * Checks the operation a request runs (by `operationName`, or the only one) against `limits`
 * and returns the refusals: none when the document may go on to validation and execution.
 * Cheap enough to run on anything the parser accepted within its token limit. The fields
 * written anywhere in the document count too, as validation reads all of them.
 */
export function checkQueryLimits(
  schema: GraphQLSchema,
  document: DocumentNode,
  request: { operationName?: string | null; variables?: Readonly<Record<string, unknown>> | null },
  limits: Readonly<QueryLimits>,
): GraphQLError[] {
  const operation = getOperationAST(document, request.operationName);
  // No such operation, or several and no name: execution refuses it, but only after validation has
  // gone through the whole document, which nothing here measured (500 conflicting aliases took
  // 0.1 s or more). Refused now, with the answer Apollo would give.
  if (!operation) return [operationResolutionError(document, request.operationName)];
  if (!shapePassed.get(document)?.has(limits)) {
    const refused = checkDocumentShape(document, limits);
    if (refused) return [refused];
    let passed = shapePassed.get(document);
    if (!passed) shapePassed.set(document, (passed = new WeakSet()));
    passed.add(limits);
  }
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  const meter = new OperationMeter(schema, fragments, operation, request.variables ?? {});
  const roots = meter.rootFieldNames();
  const name = operation.name ? `operation ${operation.name.value}` : 'the operation';
  if (!limits.introspection && roots.some((r) => r === SchemaMetaFieldDef.name || r === TypeMetaFieldDef.name)) {
    return [new ApiError('UNAUTHENTICATED', 'introspection (__schema, __type) needs a login: send "Authorization: Bearer <token>" (mutation login gives a token)')];
  }
  if (roots.length > limits.maxRootFields) {
    return [costLimit('rootFields', roots.length, limits.maxRootFields, `${name} asks for ${roots.length} root fields; at most ${limits.maxRootFields} are allowed`)];
  }
  const schemas = roots.filter((r) => r === SchemaMetaFieldDef.name).length;
  if (schemas > MAX_SCHEMA_INTROSPECTIONS) {
    return [costLimit('schemaIntrospections', schemas, MAX_SCHEMA_INTROSPECTIONS, `${name} asks for __schema ${schemas} times; once is enough`)];
  }
  for (const field of ONCE_PER_OPERATION) {
    const uses = roots.filter((r) => r === field).length;
    if (uses > 1) return [costLimit(field, uses, 1, `${name} asks for ${field} ${uses} times; once per request`)];
  }
  const tally = meter.measure();
  if (tally.depth > limits.maxDepth) {
    return [new ApiError('QUERY_TOO_DEEP', `${name} nests fields ${tally.depth} deep; at most ${limits.maxDepth} levels are allowed`, { max: limits.maxDepth, found: tally.depth })];
  }
  if (tally.fields > limits.maxFields) {
    return [costLimit('fields', tally.fields, limits.maxFields, `${name} selects ${tally.fields} fields (aliases counted, fragments counted where spread); at most ${limits.maxFields} are allowed`)];
  }
  if (tally.cost > limits.maxCost) {
    const cost = Math.ceil(tally.cost);
    return [costLimit('cost', cost, limits.maxCost, `${name} could return about ${cost} values; at most ${limits.maxCost} are allowed (ask for smaller pages with first, or fewer fields)`)];
  }
  return meter.errors;
}

/**
 * What validation will read, whichever operation runs: it goes through every field and fragment
 * of the document, and compares the fields of a selection set that share a response name pairwise
 * (fragments spread into the set and inline fragments included).
 */
function checkDocumentShape(document: DocumentNode, limits: Readonly<QueryLimits>): GraphQLError | undefined {
  let written = 0;
  const fragments = new Map<string, FragmentDefinitionNode>();
  const sets: SelectionSetNode[] = [];
  visit(document, {
    Field: () => void written++,
    FragmentDefinition: (node) => void fragments.set(node.name.value, node),
    SelectionSet: (node) => void sets.push(node),
  });
  if (written > limits.maxFields) {
    return costLimit('fields', written, limits.maxFields, `the document has ${written} field selections; at most ${limits.maxFields} are allowed`);
  }
  const definitions = document.definitions.filter((d) => d.kind === Kind.FRAGMENT_DEFINITION).length;
  if (definitions > limits.maxFragments) {
    return costLimit('fragments', definitions, limits.maxFragments, `the document defines ${definitions} fragments; at most ${limits.maxFragments} are allowed`);
  }
  const collector = new ResponseNameCollector(fragments);
  for (const set of sets) {
    const busiest = collector.busiest(set);
    if (busiest.count > MAX_FIELDS_PER_RESPONSE_NAME) {
      return costLimit(
        'fieldsPerResponseName',
        busiest.count,
        MAX_FIELDS_PER_RESPONSE_NAME,
        `a selection set asks for "${busiest.name}" ${busiest.count} times; at most ${MAX_FIELDS_PER_RESPONSE_NAME} fields of one selection set may share a response name (use different aliases)`,
      );
    }
  }
  return undefined;
}

/** How many fields of a selection set share each response name, as validation collects them. */
class ResponseNameCollector {
  private readonly byFragment = new Map<string, Map<string, number>>();

  constructor(private readonly fragments: ReadonlyMap<string, FragmentDefinitionNode>) {}

  busiest(set: SelectionSetNode): { name: string; count: number } {
    let busiest = { name: '', count: 0 };
    for (const [name, count] of this.collect(set, new Set())) if (count > busiest.count) busiest = { name, count };
    return busiest;
  }

  private collect(set: SelectionSetNode, spreading: Set<string>): Map<string, number> {
    const counts = new Map<string, number>();
    const add = (from: ReadonlyMap<string, number>) => {
      for (const [name, count] of from) counts.set(name, (counts.get(name) ?? 0) + count);
    };
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) add(new Map([[selection.alias?.value ?? selection.name.value, 1]]));
      else if (selection.kind === Kind.INLINE_FRAGMENT) add(this.collect(selection.selectionSet, spreading));
      else add(this.ofFragment(selection.name.value, spreading));
    }
    return counts;
  }

  private ofFragment(name: string, spreading: Set<string>): ReadonlyMap<string, number> {
    const known = this.byFragment.get(name);
    if (known) return known;
    const fragment = this.fragments.get(name);
    // Unknown fragments and cycles are validation's to report.
    if (!fragment || spreading.has(name)) return new Map();
    spreading.add(name);
    const counts = this.collect(fragment.selectionSet, spreading);
    spreading.delete(name);
    this.byFragment.set(name, counts);
    return counts;
  }
}

function operationResolutionError(document: DocumentNode, operationName: string | null | undefined): GraphQLError {
  const operations = document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION).length;
  const message =
    operationName !== null && operationName !== undefined
      ? `Unknown operation named "${operationName}".`
      : operations === 0
        ? 'Must provide an operation.'
        : 'Must provide operation name if query contains multiple operations.';
  return new ApiError('OPERATION_RESOLUTION_FAILURE', message);
}
