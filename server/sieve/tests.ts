import type { AddressEntry } from './address';
import { formatAddress, parseMailbox } from './address';
import { DEFAULT_COMPARATOR } from './comparators';
import { listFn, numberOf, stringFn, stringsOf, type CompileContext, type ParsedArgs, type StringArg, type TagDef } from './compiler';
import { datePart, isDatePart, localOffset, parseRfc2822Date, parseZone, type ZonedTime } from './date';
import { buildMatcher, matchSetup, matchTags } from './matcher';
import { contentTypeMatches } from './mime';
import type { TestNode } from './parser';
import type { Runtime, TestFn } from './runtime';
import { splitFlags } from './flags';

/** Headers the address test accepts: those whose body is an address list (RFC 5228 5.1 "MUST restrict"). */
const ADDRESS_HEADERS = new Set([
  'from', 'to', 'cc', 'bcc', 'sender', 'resent-from', 'resent-to', 'reply-to', 'resent-reply-to', 'resent-sender',
  'resent-cc', 'resent-bcc', 'for-approval', 'for-handling', 'for-comment', 'apparently-to', 'errors-to',
  'delivered-to', 'return-receipt-to', 'x-admin', 'read-receipt-to', 'x-confirm-reading-to',
  'return-receipt-requested', 'registered-mail-reply-requested-by', 'mail-followup-to', 'mail-reply-to',
  'abuse-reports-to', 'x-complaints-to', 'x-report-abuse-to', 'x-beenthere', 'disposition-notification-to',
]);

const FIELD_NAME = /^[!-9;-~]+$/;

type TestCompiler = (cc: CompileContext, node: TestNode, compileTest: (n: TestNode) => TestFn) => TestFn;

interface TestDef {
  /** The extension(s) that make the test available (any one of them). */
  ext?: string | string[];
  compile: TestCompiler;
}

function addressPartTags(cc: CompileContext): Record<string, TagDef> {
  const t: Record<string, TagDef> = { all: { group: 'part' }, localpart: { group: 'part' }, domain: { group: 'part' } };
  if (cc.has('subaddress')) {
    t.user = { group: 'part' };
    t.detail = { group: 'part' };
  }
  return t;
}

function indexTags(cc: CompileContext): Record<string, TagDef> {
  return cc.has('index') ? { index: { takes: 'number' }, last: {} } : {};
}

/** :index/:last (RFC 5260 section 6): returns a picker of one field occurrence, or undefined for all. */
function indexPicker(cc: CompileContext, parsed: ParsedArgs): (<T>(fields: T[]) => T[]) | undefined {
  const idx = parsed.tags.get('index');
  const last = parsed.tags.get('last');
  if (last && !idx) cc.fail('":last" needs ":index"', last);
  if (!idx) return undefined;
  const n = numberOf(idx.arg);
  if (n < 1) cc.fail('":index" counts from 1', idx);
  return <T>(fields: T[]): T[] => {
    const at = last ? fields.length - n : n - 1;
    return at >= 0 && at < fields.length ? [fields[at]] : [];
  };
}

const SEPARATOR = '+';

/** The address part an address or envelope test compares; undefined drops the entry (RFC 5233 :detail). */
function addressPart(part: string, e: AddressEntry): string | undefined {
  if ('invalid' in e) return part === 'all' ? e.invalid : undefined;
  switch (part) {
    case 'localpart':
      return e.local;
    case 'domain':
      return e.domain;
    case 'user': {
      const i = e.local.indexOf(SEPARATOR);
      return i < 0 ? e.local : e.local.slice(0, i);
    }
    case 'detail': {
      const i = e.local.indexOf(SEPARATOR);
      return i < 0 ? undefined : e.local.slice(i + 1);
    }
    default:
      return formatAddress(e);
  }
}

function checkHeaderNames(cc: CompileContext, a: StringArg, allowed?: Set<string>, what = 'header'): void {
  for (const v of a.values) {
    if (v.value.includes('${') && cc.has('variables')) continue;
    const name = cc.constant(v);
    // Pigeonhole only warns here, and so do we: the test simply never matches.
    if (!FIELD_NAME.test(name)) cc.warn(`invalid ${what} name "${name}"; the test never matches`, v);
    if (allowed && !allowed.has(name.toLowerCase())) cc.fail(`the header "${name}" is not allowed for the address test`, v);
  }
}

const address: TestCompiler = (cc, node) => {
  const parsed = cc.parseArgs(node, { tags: { ...matchTags(cc), ...addressPartTags(cc), ...indexTags(cc) }, positional: ['strings', 'strings'] }, 'the address test');
  const headers = stringsOf(parsed.positional[0]);
  checkHeaderNames(cc, headers, ADDRESS_HEADERS);
  const names = listFn(cc, headers);
  const part = parsed.groups.get('part') ?? 'all';
  const pick = indexPicker(cc, parsed);
  const match = buildMatcher(cc, matchSetup(cc, parsed, 'the address test'), stringsOf(parsed.positional[1]));
  return (rt) => {
    const values: string[] = [];
    for (const name of names(rt)) {
      let fields = rt.msg.addressFields(name);
      if (pick) fields = pick(fields);
      for (const f of fields) for (const e of f) {
        const v = addressPart(part, e);
        if (v !== undefined) values.push(v);
      }
    }
    return match(rt, values);
  };
};

const envelope: TestCompiler = (cc, node) => {
  const parsed = cc.parseArgs(node, { tags: { ...matchTags(cc), ...addressPartTags(cc) }, positional: ['strings', 'strings'] }, 'the envelope test');
  const partsArg = stringsOf(parsed.positional[0]);
  for (const v of partsArg.values) {
    if (v.value.includes('${') && cc.has('variables')) continue;
    const p = cc.constant(v).toLowerCase();
    if (p !== 'from' && p !== 'to') cc.fail(`unknown envelope part "${p}" (expected "from" or "to")`, v);
  }
  const parts = listFn(cc, partsArg);
  const part = parsed.groups.get('part') ?? 'all';
  const match = buildMatcher(cc, matchSetup(cc, parsed, 'the envelope test'), stringsOf(parsed.positional[1]));
  return (rt) => {
    const values: string[] = [];
    for (const p of parts(rt)) {
      const which = p.toLowerCase();
      const addr = which === 'from' ? rt.envelope.from : which === 'to' ? (rt.envelope.orig ?? rt.envelope.to) : undefined;
      if (addr === undefined) continue;
      if (addr === '') {
        // The null reverse path: "" for :all, nothing for the parts of an address it does not have.
        if (part === 'all') values.push('');
        continue;
      }
      const parsedAddr = parseMailbox(addr);
      const v = addressPart(part, parsedAddr ?? { invalid: addr });
      if (v !== undefined) values.push(v);
    }
    return match(rt, values);
  };
};

const header: TestCompiler = (cc, node) => {
  const parsed = cc.parseArgs(node, { tags: { ...matchTags(cc), ...indexTags(cc) }, positional: ['strings', 'strings'] }, 'the header test');
  const headers = stringsOf(parsed.positional[0]);
  checkHeaderNames(cc, headers);
  const names = listFn(cc, headers);
  const pick = indexPicker(cc, parsed);
  const match = buildMatcher(cc, matchSetup(cc, parsed, 'the header test'), stringsOf(parsed.positional[1]));
  return (rt) => {
    const list = names(rt);
    if (list.length === 1 && !pick) return match(rt, rt.msg.values(list[0]));
    const values: string[] = [];
    for (const name of list) values.push(...(pick ? pick(rt.msg.values(name)) : rt.msg.values(name)));
    return match(rt, values);
  };
};

const exists: TestCompiler = (cc, node) => {
  const parsed = cc.parseArgs(node, { tags: {}, positional: ['strings'] }, 'the exists test');
  const headers = stringsOf(parsed.positional[0]);
  checkHeaderNames(cc, headers);
  const names = listFn(cc, headers);
  return (rt) => names(rt).every((n) => rt.msg.has(n));
};

const size: TestCompiler = (cc, node) => {
  const parsed = cc.parseArgs(node, { tags: { over: { group: 'size' }, under: { group: 'size' } }, positional: ['number'] }, 'the size test');
  const which = parsed.groups.get('size');
  if (!which) cc.fail('the size test needs ":over" or ":under"', node);
  const limit = numberOf(parsed.positional[0]);
  return which === 'over' ? (rt) => rt.msg.size > limit : (rt) => rt.msg.size < limit;
};

const body: TestCompiler = (cc, node) => {
  const parsed = cc.parseArgs(
    node,
    { tags: { ...matchTags(cc), raw: { group: 'transform' }, content: { group: 'transform', takes: 'strings' }, text: { group: 'transform' } }, positional: ['strings'] },
    'the body test',
  );
  const transform = parsed.groups.get('transform') ?? 'text';
  const types = transform === 'content' ? listFn(cc, stringsOf(parsed.tags.get('content')?.arg)) : undefined;
  const match = buildMatcher(cc, matchSetup(cc, parsed, 'the body test'), stringsOf(parsed.positional[0]));
  return (rt) => {
    if (transform === 'raw') return match(rt, [rt.msg.rawBody()]);
    const wanted = types ? types(rt) : ['text'];
    const values = rt.msg.bodyParts().filter((p) => wanted.some((w) => contentTypeMatches(p.type, w))).map((p) => p.text);
    return match(rt, values);
  };
};

const stringTest: TestCompiler = (cc, node) => {
  const parsed = cc.parseArgs(node, { tags: matchTags(cc), positional: ['strings', 'strings'] }, 'the string test');
  const source = listFn(cc, stringsOf(parsed.positional[0]));
  const setup = matchSetup(cc, parsed, 'the string test');
  const match = buildMatcher(cc, setup, stringsOf(parsed.positional[1]));
  // RFC 5229 5: for :count, an empty string counts as no value.
  if (setup.type === 'count') return (rt) => match(rt, source(rt).filter((s) => s !== ''));
  return (rt) => match(rt, source(rt));
};

const hasflag: TestCompiler = (cc, node) => {
  const parsed = cc.parseArgs(node, { tags: matchTags(cc), positional: ['strings', 'strings'], minPositional: 1 }, 'the hasflag test');
  const vars = parsed.positional.length === 2 ? varNames(cc, stringsOf(parsed.positional[0])) : undefined;
  const match = buildMatcher(cc, matchSetup(cc, parsed, 'the hasflag test'), stringsOf(parsed.positional[parsed.positional.length - 1]), splitFlags);
  return (rt) => {
    const flags = vars ? vars.flatMap((v) => splitFlags(rt.getVar(v.name, v.global))) : splitFlags(rt.internalFlags);
    return match(rt, flags);
  };
};

/** Variable names given as arguments (setflag "name", hasflag ["a","b"]): constants, validated now. */
export function varNames(cc: CompileContext, a: StringArg): { name: string; global: boolean }[] {
  return a.values.map((v) => varName(cc, cc.constant(v), v));
}

export function varName(cc: CompileContext, raw: string, pos: { line: number; column: number }): { name: string; global: boolean } {
  const lower = raw.toLowerCase();
  if (/^[a-z_][a-z0-9_]*$/.test(lower)) return { name: lower, global: cc.globals.has(lower) };
  const m = /^global\.([a-z_][a-z0-9_]*)$/.exec(lower);
  if (m && cc.has('include')) return { name: m[1], global: true };
  cc.fail(`invalid variable name "${raw}"`, pos);
}

/** The :zone offset; an invalid zone is a warning and is ignored, as in Pigeonhole. */
function zoneArg(cc: CompileContext, parsed: ParsedArgs): number | undefined {
  const z = parsed.tags.get('zone');
  if (!z) return undefined;
  const lit = stringsOf(z.arg).values[0];
  const offset = parseZone(cc.constant(lit));
  if (offset === undefined) cc.warn(`invalid time zone "${lit.value}" (expected +hhmm or -hhmm); the local zone is used`, lit);
  return offset;
}

/** The date part; an unknown one is a warning and the test never matches, as in Pigeonhole. */
function datePartArg(cc: CompileContext, a: StringArg): (rt: Runtime) => string {
  const lit = a.values[0];
  if (!(lit.value.includes('${') && cc.has('variables')) && !isDatePart(cc.constant(lit))) cc.warn(`unknown date part "${lit.value}"; the test never matches`, lit);
  return stringFn(cc, a);
}

function zoned(rt: Runtime, t: ZonedTime, zone: number | undefined, original: boolean): ZonedTime {
  if (original) return t;
  return { epoch: t.epoch, offset: zone ?? rt.facts.zoneOffset ?? localOffset(t.epoch) };
}

/** The date-time in a header value; Received carries it after its last ";". */
function headerDate(value: string): ZonedTime | undefined {
  const direct = parseRfc2822Date(value);
  if (direct) return direct;
  const semi = value.lastIndexOf(';');
  return semi >= 0 ? parseRfc2822Date(value.slice(semi + 1)) : undefined;
}

const date: TestCompiler = (cc, node) => {
  const parsed = cc.parseArgs(
    node,
    { tags: { ...matchTags(cc), ...indexTags(cc), zone: { takes: 'string', group: 'zone' }, originalzone: { group: 'zone' } }, positional: ['string', 'string', 'strings'] },
    'the date test',
  );
  const headerArg = stringsOf(parsed.positional[0]);
  checkHeaderNames(cc, headerArg);
  const name = stringFn(cc, headerArg);
  const part = datePartArg(cc, stringsOf(parsed.positional[1]));
  const zone = zoneArg(cc, parsed);
  const original = parsed.groups.get('zone') === 'originalzone';
  const pick = indexPicker(cc, parsed);
  const match = buildMatcher(cc, matchSetup(cc, parsed, 'the date test'), stringsOf(parsed.positional[2]));
  return (rt) => {
    let values = rt.msg.values(name(rt));
    values = pick ? pick(values) : values.slice(0, 1);
    const out: string[] = [];
    for (const v of values) {
      const t = headerDate(v);
      const p = part(rt);
      if (t && isDatePart(p)) out.push(datePart(zoned(rt, t, zone, original), p));
    }
    return match(rt, out);
  };
};

const currentdate: TestCompiler = (cc, node) => {
  const parsed = cc.parseArgs(node, { tags: { ...matchTags(cc), zone: { takes: 'string' } }, positional: ['string', 'strings'] }, 'the currentdate test');
  const part = datePartArg(cc, stringsOf(parsed.positional[0]));
  const zone = zoneArg(cc, parsed);
  const match = buildMatcher(cc, matchSetup(cc, parsed, 'the currentdate test'), stringsOf(parsed.positional[1]));
  return (rt) => {
    const epoch = rt.facts.now.getTime();
    const p = part(rt);
    return match(rt, isDatePart(p) ? [datePart(zoned(rt, { epoch, offset: 0 }, zone, false), p)] : []);
  };
};

const mailboxexists: TestCompiler = (cc, node) => {
  const parsed = cc.parseArgs(node, { tags: {}, positional: ['strings'] }, 'the mailboxexists test');
  const names = listFn(cc, stringsOf(parsed.positional[0]));
  return (rt) => names(rt).every((n) => rt.facts.mailboxExists(n));
};

/** RFC 3685 spamtest value: "0" untested, "1" (surely not spam) to "10" (surely spam); :percent 0-100. */
function spamValue(rt: Runtime, percent: boolean): string {
  const { spamScore, spamPercent } = rt.facts;
  if (percent) {
    if (spamPercent !== undefined) return String(Math.round(Math.min(100, Math.max(0, spamPercent))));
    if (spamScore === undefined || spamScore < 1) return '0';
    return String(Math.round(((Math.min(10, spamScore) - 1) * 100) / 9));
  }
  if (spamScore !== undefined) return String(Math.round(Math.min(10, Math.max(0, spamScore))));
  if (spamPercent !== undefined) return String(1 + Math.round((Math.min(100, Math.max(0, spamPercent)) * 9) / 100));
  return '0';
}

const spamtest: TestCompiler = (cc, node) => {
  const tags = matchTags(cc);
  if (cc.has('spamtestplus')) tags.percent = {};
  const parsed = cc.parseArgs(node, { tags, positional: ['string'] }, 'the spamtest test');
  const percent = parsed.tags.has('percent');
  const match = buildMatcher(cc, matchSetup(cc, parsed, 'the spamtest test', DEFAULT_COMPARATOR), stringsOf(parsed.positional[0]));
  return (rt) => match(rt, [spamValue(rt, percent)]);
};

const virustest: TestCompiler = (cc, node) => {
  const parsed = cc.parseArgs(node, { tags: matchTags(cc), positional: ['string'] }, 'the virustest test');
  const match = buildMatcher(cc, matchSetup(cc, parsed, 'the virustest test'), stringsOf(parsed.positional[0]));
  return (rt) => {
    const v = rt.facts.virusScore;
    return match(rt, [v === undefined ? '0' : String(Math.round(Math.min(5, Math.max(0, v))))]);
  };
};

export const TESTS: Record<string, TestDef> = {
  address: { compile: address },
  envelope: { ext: 'envelope', compile: envelope },
  header: { compile: header },
  exists: { compile: exists },
  size: { compile: size },
  true: { compile: (cc, node) => (cc.parseArgs(node, { tags: {}, positional: [] }, 'true'), () => true) },
  false: { compile: (cc, node) => (cc.parseArgs(node, { tags: {}, positional: [] }, 'false'), () => false) },
  not: {
    compile: (cc, node, sub) => {
      cc.parseArgs(node, { tags: {}, positional: [], tests: 'one' }, 'not');
      const t = sub(node.tests[0]);
      return (rt) => !t(rt);
    },
  },
  allof: {
    compile: (cc, node, sub) => {
      cc.parseArgs(node, { tags: {}, positional: [], tests: 'list' }, 'allof');
      const ts = node.tests.map(sub);
      return (rt) => ts.every((t) => t(rt));
    },
  },
  anyof: {
    compile: (cc, node, sub) => {
      cc.parseArgs(node, { tags: {}, positional: [], tests: 'list' }, 'anyof');
      const ts = node.tests.map(sub);
      return (rt) => ts.some((t) => t(rt));
    },
  },
  body: { ext: 'body', compile: body },
  string: { ext: 'variables', compile: stringTest },
  hasflag: { ext: 'imap4flags', compile: hasflag },
  date: { ext: 'date', compile: date },
  currentdate: { ext: 'date', compile: currentdate },
  mailboxexists: { ext: 'mailbox', compile: mailboxexists },
  spamtest: { ext: ['spamtest', 'spamtestplus'], compile: spamtest },
  virustest: { ext: 'virustest', compile: virustest },
};
