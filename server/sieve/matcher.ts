import { COMPARATORS, DEFAULT_COMPARATOR, asciiUpper, type Comparator } from './comparators';
import { type CompileContext, type ParsedArgs, type StringArg, type TagDef } from './compiler';
import { SieveFault, type SievePosition } from './errors';
import { type CodePoints } from './codepoints';
import { type LinearRegex, RegexSyntaxError, compileRegex } from './regex';
import type { Runtime } from './runtime';
import { type WildcardPattern, compileWildcard, hasWildcards, matchWildcard } from './wildcard';

export type MatchType = 'is' | 'contains' | 'matches' | 'regex' | 'value' | 'count';
type Relation = 'gt' | 'ge' | 'lt' | 'le' | 'eq' | 'ne';
const RELATIONS = new Set<Relation>(['gt', 'ge', 'lt', 'le', 'eq', 'ne']);

/** Tests a list of values against the keys; sets match variables on success when the script can see them. */
export type Matcher = (rt: Runtime, values: readonly string[]) => boolean;

/** The :comparator and match-type tags every matching test accepts, given the required extensions. */
export function matchTags(cc: CompileContext): Record<string, TagDef> {
  const tags: Record<string, TagDef> = {
    comparator: { takes: 'string' },
    is: { group: 'match' },
    contains: { group: 'match' },
    matches: { group: 'match' },
  };
  if (cc.has('relational')) {
    tags.value = { group: 'match', takes: 'string' };
    tags.count = { group: 'match', takes: 'string' };
  }
  if (cc.has('regex')) tags.regex = { group: 'match' };
  return tags;
}

interface Key {
  raw: string;
  folded: string;
  wild?: WildcardPattern;
  re?: LinearRegex;
}

const dynamicCache = new Map<string, Key>();
const CACHE_LIMIT = 500;
/** Keys made from variables are cached only when short: the cache lives across runs. */
const CACHED_KEY_LENGTH = 4096;

function prepareKey(raw: string, type: MatchType, cmp: Comparator, capture: boolean): Key {
  const key: Key = { raw, folded: cmp.fold(raw) };
  if (type === 'matches' && hasWildcards(raw)) key.wild = compileWildcard(raw, cmp.caseless);
  else if (type === 'regex') key.re = compileRegex(raw, cmp.caseless, capture);
  return key;
}

function relationHolds(r: Relation, c: number): boolean {
  switch (r) {
    case 'gt':
      return c > 0;
    case 'ge':
      return c >= 0;
    case 'lt':
      return c < 0;
    case 'le':
      return c <= 0;
    case 'eq':
      return c === 0;
    case 'ne':
      return c !== 0;
  }
}

export interface MatchSetup {
  type: MatchType;
  cmp: Comparator;
  relation?: Relation;
}

/** Reads :comparator and the match type from parsed tags and checks that they go together. */
export function matchSetup(cc: CompileContext, parsed: ParsedArgs, what: string, defaultCmp: Comparator = DEFAULT_COMPARATOR): MatchSetup {
  let cmp = defaultCmp;
  const c = parsed.tags.get('comparator');
  if (c) {
    const arg = c.arg as StringArg;
    const name = cc.constant(arg.values[0]).toLowerCase();
    const found = COMPARATORS.get(name);
    const required = name === 'i;octet' || name === 'i;ascii-casemap' || cc.has(`comparator-${name}`);
    if (!found || !required) cc.fail(`unknown comparator "${name}"${found ? ` (it needs require "comparator-${name}")` : ''}`, arg);
    cmp = found;
  }
  const type = (parsed.groups.get('match') ?? 'is') as MatchType;
  let relation: Relation | undefined;
  if (type === 'value' || type === 'count') {
    const arg = parsed.tags.get(type)?.arg as StringArg;
    const r = cc.constant(arg.values[0]).toLowerCase() as Relation;
    if (!RELATIONS.has(r)) cc.fail(`invalid relational match "${r}" (expected gt, ge, lt, le, eq or ne)`, arg);
    relation = r;
  }
  if (!cmp.substring && (type === 'contains' || type === 'matches' || type === 'regex')) {
    cc.fail(`the comparator "${cmp.name}" does not support :${type} in ${what}`, parsed.tags.get(type) ?? c ?? { line: 0, column: 0 });
  }
  if (type === 'matches' || type === 'regex') cc.captures = cc.has('variables');
  return { type, cmp, relation };
}

/** Builds the matcher for a key list; constant keys (and their patterns) are prepared now. */
export function buildMatcher(cc: CompileContext, setup: MatchSetup, keysArg: StringArg, split?: (k: string) => string[]): Matcher {
  const { type, cmp, relation } = setup;
  const capture = cc.captures && (type === 'matches' || type === 'regex');
  const templates = keysArg.values.map((v) => ({ t: cc.template(v), pos: v as SievePosition }));
  let constantKeys: Key[] | undefined;
  if (templates.every((x) => typeof x.t === 'string')) {
    constantKeys = [];
    for (const { t, pos } of templates) {
      for (const k of split ? split(t as string) : [t as string]) {
        try {
          constantKeys.push(prepareKey(k, type, cmp, capture));
        } catch (err) {
          if (err instanceof RegexSyntaxError) cc.fail(`invalid regular expression "${k}": ${err.message}`, pos);
          throw err;
        }
      }
    }
  }
  const keysAt = (rt: Runtime): Key[] => {
    if (constantKeys) return constantKeys;
    const keys: Key[] = [];
    for (const { t, pos } of templates) {
      const s = rt.expand(t);
      for (const k of split ? split(s) : [s]) {
        const cacheKey = `${type}\u0000${cmp.name}\u0000${capture ? 1 : 0}\u0000${k}`;
        let key = k.length <= CACHED_KEY_LENGTH ? dynamicCache.get(cacheKey) : undefined;
        if (!key) {
          try {
            key = prepareKey(k, type, cmp, capture);
          } catch (err) {
            if (err instanceof RegexSyntaxError) throw new SieveFault(`invalid regular expression "${k.length > 200 ? k.slice(0, 200) + '…' : k}": ${err.message}`, pos);
            throw err;
          }
          if (k.length <= CACHED_KEY_LENGTH) {
            if (dynamicCache.size >= CACHE_LIMIT) dynamicCache.clear();
            dynamicCache.set(cacheKey, key);
          }
        }
        keys.push(key);
      }
    }
    return keys;
  };

  switch (type) {
    case 'is':
      if (cmp.caseless) {
        return (rt, values) => {
          const keys = keysAt(rt);
          for (const v of values) {
            const fv = rt.folded(v, cmp);
            rt.budget.spend(keys.length);
            for (const k of keys) if (fv === k.folded) return true;
          }
          return false;
        };
      }
      return (rt, values) => {
        const keys = keysAt(rt);
        for (const v of values) {
          rt.budget.spend(keys.length);
          for (const k of keys) if (cmp.equals(v, k.raw)) return true;
        }
        return false;
      };
    case 'contains':
      return (rt, values) => {
        const keys = keysAt(rt);
        for (const value of values) {
          const v = rt.scanned(value);
          const fv = rt.folded(v, cmp);
          for (const k of keys) {
            // String.includes is native and fast; count the work so a long run still ends.
            rt.budget.spend(1 + (v.length >> 8));
            if (fv.includes(k.folded)) return true;
          }
        }
        return false;
      };
    case 'matches':
    case 'regex':
      return (rt, values) => {
        const keys = keysAt(rt);
        for (const value of values) {
          const v = rt.scanned(value);
          let cps: CodePoints | undefined;
          for (const k of keys) {
            rt.budget.spend(1);
            if (k.wild) {
              cps ??= rt.codePoints(v);
              const m = matchWildcard(k.wild, cps, capture, rt.budget);
              if (m) {
                if (capture) rt.setMatch(m);
                return true;
              }
              continue;
            }
            if (!k.re) {
              if (cmp.caseless ? asciiUpper(v) === k.folded : v === k.raw) {
                if (capture) rt.setMatch([v]);
                return true;
              }
              continue;
            }
            cps ??= rt.codePoints(v);
            if (!capture) {
              if (k.re.test(cps, rt.budget)) return true;
              continue;
            }
            const m = k.re.exec(cps, rt.budget);
            if (m) {
              rt.setMatch(m);
              return true;
            }
          }
        }
        return false;
      };
    case 'value':
      return (rt, values) => {
        const keys = keysAt(rt);
        for (const v of values) {
          rt.budget.spend(keys.length);
          for (const k of keys) if (relationHolds(relation ?? 'eq', cmp.compare(v, k.raw))) return true;
        }
        return false;
      };
    case 'count':
      return (rt, values) => {
        const n = String(values.length);
        for (const k of keysAt(rt)) if (relationHolds(relation ?? 'eq', cmp.compare(n, k.raw))) return true;
        return false;
      };
  }
}
