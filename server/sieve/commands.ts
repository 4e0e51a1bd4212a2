import { createHash } from 'node:crypto';
import type { VacationAction } from './actions';
import { formatAddress, parseAddressList, parseMailbox } from './address';
import { listFn, numberOf, stringFn, stringsOf, type CompileContext, type ParsedArgs, type TagDef } from './compiler';
import { addFlags, removeFlags, setFlags, splitFlags } from './flags';
import type { CommandNode } from './parser';
import { Flow, type Exec, type Runtime } from './runtime';
import { quoteRegex, quoteWildcard } from './strings';
import { varName } from './tests';

type CommandCompiler = (cc: CompileContext, node: CommandNode) => Exec;

interface CommandDef {
  ext?: string | string[];
  compile: CommandCompiler;
}

const DAY = 86_400;

/** :flags for keep/fileinto, or the internal variable (RFC 5232 section 5). */
function flagsArg(cc: CompileContext, parsed: ParsedArgs): ((rt: Runtime) => string[] | undefined) | undefined {
  if (!cc.has('imap4flags')) return undefined;
  const given = parsed.tags.get('flags');
  if (given) {
    const list = listFn(cc, stringsOf(given.arg));
    return (rt) => {
      const f = splitFlags(list(rt).join(' '));
      return f.length ? f : undefined;
    };
  }
  return (rt) => {
    const f = splitFlags(rt.internalFlags);
    return f.length ? f : undefined;
  };
}

function storeTags(cc: CompileContext, fileinto: boolean): Record<string, TagDef> {
  const t: Record<string, TagDef> = {};
  if (cc.has('imap4flags')) t.flags = { takes: 'strings' };
  if (fileinto && cc.has('copy')) t.copy = {};
  if (fileinto && cc.has('mailbox')) t.create = {};
  return t;
}

const keep: CommandCompiler = (cc, node) => {
  const parsed = cc.parseArgs(node, { tags: storeTags(cc, false), positional: [] }, 'keep');
  const flags = flagsArg(cc, parsed);
  return (rt) => {
    rt.actions.store('INBOX', { keep: true, copy: false, create: false, flags: flags?.(rt) }, node);
    return Flow.Next;
  };
};

const fileinto: CommandCompiler = (cc, node) => {
  const parsed = cc.parseArgs(node, { tags: storeTags(cc, true), positional: ['string'] }, 'fileinto');
  const mailbox = stringFn(cc, stringsOf(parsed.positional[0]));
  const flags = flagsArg(cc, parsed);
  const copy = parsed.tags.has('copy');
  const create = parsed.tags.has('create');
  return (rt) => {
    const name = mailbox(rt);
    if (name === '') rt.fail('fileinto needs a mailbox name', node);
    rt.actions.store(name, { keep: false, copy, create, flags: flags?.(rt) }, node);
    return Flow.Next;
  };
};

function addressArg(cc: CompileContext, parsed: ParsedArgs, index: number, what: string): (rt: Runtime) => string {
  const arg = stringsOf(parsed.positional[index]);
  const value = stringFn(cc, arg);
  const lit = arg.values[0];
  const constant = !(cc.has('variables') && lit.value.includes('${'));
  if (constant) {
    const a = parseMailbox(cc.constant(lit));
    if (!a) cc.fail(`invalid ${what} address "${lit.value}"`, lit);
    const formatted = formatAddress(a);
    return () => formatted;
  }
  return (rt) => {
    const raw = value(rt);
    const a = parseMailbox(raw);
    if (!a) return rt.fail(`invalid ${what} address "${raw}"`, lit);
    return formatAddress(a);
  };
}

const redirect: CommandCompiler = (cc, node) => {
  const parsed = cc.parseArgs(node, { tags: cc.has('copy') ? { copy: {} } : {}, positional: ['string'] }, 'redirect');
  const address = addressArg(cc, parsed, 0, 'redirect');
  const copy = parsed.tags.has('copy');
  return (rt) => {
    rt.actions.redirect(address(rt), copy, node);
    return Flow.Next;
  };
};

const discard: CommandCompiler = (cc, node) => {
  cc.parseArgs(node, { tags: {}, positional: [] }, 'discard');
  return (rt) => {
    rt.actions.discard(node);
    return Flow.Next;
  };
};

const reject =
  (kind: 'reject' | 'ereject'): CommandCompiler =>
  (cc, node) => {
    const parsed = cc.parseArgs(node, { tags: {}, positional: ['string'] }, kind);
    const reason = stringFn(cc, stringsOf(parsed.positional[0]));
    return (rt) => {
      rt.actions.reject(kind, reason(rt), node);
      return Flow.Next;
    };
  };

const stop: CommandCompiler = (cc, node) => {
  cc.parseArgs(node, { tags: {}, positional: [] }, 'stop');
  return () => Flow.Stop;
};

/** Local parts that belong to software, not people: never answered (RFC 5230 4.6, RFC 3834 2). */
const DAEMON = /^(mailer-daemon|listserv|majordomo|owner-.*|.*-request|.*-owner|postmaster|no-?reply)$/i;
const RECIPIENT_HEADERS = ['to', 'cc', 'bcc', 'resent-to', 'resent-cc', 'resent-bcc'];

/** Why a vacation reply must not go out, or undefined when it may (the memory is asked afterwards). */
function vacationVeto(rt: Runtime, sender: string, mine: string[]): string | undefined {
  if (sender === '') return 'the message has no return path';
  const s = parseMailbox(sender);
  if (!s) return 'the return path is not a valid address';
  if (DAEMON.test(s.local)) return 'the sender is a mailer daemon or list address';
  const lowerMine = new Set(mine.map((a) => a.toLowerCase()));
  if (lowerMine.has(formatAddress(s).toLowerCase())) return 'the message is from the user';
  const auto = rt.msg.values('auto-submitted')[0];
  if (auto !== undefined && auto.toLowerCase().split(';')[0].trim() !== 'no') return 'the message is auto-submitted';
  const precedence = (rt.msg.values('precedence')[0] ?? '').toLowerCase();
  if (['bulk', 'list', 'junk'].includes(precedence)) return `the message has Precedence: ${precedence}`;
  if (['list-id', 'list-post', 'list-unsubscribe', 'list-help'].some((h) => rt.msg.has(h))) return 'the message is from a mailing list';
  if (rt.msg.has('x-auto-response-suppress') && /\b(all|oof|autoreply)\b/i.test(rt.msg.values('x-auto-response-suppress')[0])) {
    return 'the sender asked for no automatic replies';
  }
  const addressedToMe = RECIPIENT_HEADERS.some((h) =>
    rt.msg.addressFields(h).some((f) => f.some((e) => !('invalid' in e) && lowerMine.has(formatAddress(e).toLowerCase()))),
  );
  if (!addressedToMe) return 'the user is not among the recipients in To, Cc or Bcc';
  return undefined;
}

const vacation: CommandCompiler = (cc, node) => {
  const tags: Record<string, TagDef> = {
    days: { takes: 'number', group: 'period' },
    subject: { takes: 'string' },
    from: { takes: 'string' },
    addresses: { takes: 'strings' },
    mime: {},
    handle: { takes: 'string' },
  };
  if (cc.has('vacation-seconds')) tags.seconds = { takes: 'number', group: 'period' };
  const parsed = cc.parseArgs(node, { tags, positional: ['string'] }, 'vacation');
  const reason = stringFn(cc, stringsOf(parsed.positional[0]));
  const subjectTag = parsed.tags.get('subject');
  const subject = subjectTag ? stringFn(cc, stringsOf(subjectTag.arg)) : undefined;
  const fromTag = parsed.tags.get('from');
  const from = fromTag ? stringFn(cc, stringsOf(fromTag.arg)) : undefined;
  if (fromTag && !cc.has('variables')) {
    const lit = stringsOf(fromTag.arg).values[0];
    if (!parseMailbox(cc.constant(lit))) cc.fail(`invalid :from address "${lit.value}"`, lit);
  }
  const addrTag = parsed.tags.get('addresses');
  const addresses = addrTag ? listFn(cc, stringsOf(addrTag.arg)) : () => [];
  const handleTag = parsed.tags.get('handle');
  const handle = handleTag ? stringFn(cc, stringsOf(handleTag.arg)) : undefined;
  const mime = parsed.tags.has('mime');
  const days = parsed.tags.get('days');
  const secondsTag = parsed.tags.get('seconds');
  // RFC 5230 4.1: at least one day; RFC 6131 lets :seconds go lower (0 = always answer).
  const seconds = secondsTag ? numberOf(secondsTag.arg) : days ? Math.max(1, numberOf(days.arg)) * DAY : 7 * DAY;
  return (rt) => {
    const text = reason(rt);
    const fromValue = from?.(rt);
    let fromAddr: string | undefined;
    if (fromValue !== undefined) {
      const list = parseAddressList(fromValue);
      if (list.length !== 1 || 'invalid' in list[0]) rt.fail(`invalid :from address "${fromValue}"`, fromTag ?? node);
      fromAddr = fromValue.trim();
    }
    const extra = addresses(rt).map((a) => {
      const p = parseMailbox(a);
      return p ? formatAddress(p) : a;
    });
    const subj = subject ? subject(rt) : `Auto: ${rt.msg.values('subject')[0] ?? ''}`.trimEnd();
    const h =
      handle?.(rt) ??
      createHash('sha256')
        .update([text, subject?.(rt) ?? '', fromValue ?? '', mime ? 'mime' : ''].join('\u0000'))
        .digest('hex')
        .slice(0, 32);
    const mine = [...rt.facts.userAddresses, rt.envelope.to, ...(rt.envelope.orig ? [rt.envelope.orig] : []), ...extra];
    const veto = vacationVeto(rt, rt.envelope.from, mine);
    const action: VacationAction = {
      action: 'vacation',
      to: rt.envelope.from,
      ...(fromAddr !== undefined ? { from: fromAddr } : {}),
      subject: subj,
      reason: text,
      mime,
      handle: h,
      seconds,
      addresses: [...new Set([...rt.facts.userAddresses, ...extra])],
      send: veto === undefined,
      ...(veto ? { skipped: veto } : {}),
    };
    rt.actions.vacation(action, node);
    return Flow.Next;
  };
};

const flagCommand =
  (kind: 'setflag' | 'addflag' | 'removeflag'): CommandCompiler =>
  (cc, node) => {
    const parsed = cc.parseArgs(node, { tags: {}, positional: ['string', 'strings'], minPositional: 1 }, kind);
    if (parsed.positional.length === 2 && !cc.has('variables')) cc.fail(`${kind} with a variable name needs require "variables"`, parsed.positional[0]);
    const target = parsed.positional.length === 2 ? varName(cc, cc.constant(stringsOf(parsed.positional[0]).values[0]), parsed.positional[0]) : undefined;
    const list = listFn(cc, stringsOf(parsed.positional[parsed.positional.length - 1]));
    return (rt) => {
      const current = target ? rt.getVar(target.name, target.global) : rt.internalFlags;
      const given = list(rt);
      const next = kind === 'setflag' ? setFlags(given) : kind === 'addflag' ? addFlags(current, given) : removeFlags(current, given);
      if (target) rt.setVar(target.name, target.global, next);
      else rt.internalFlags = next;
      return Flow.Next;
    };
  };

const MODIFIERS: [string, number, (s: string) => string][] = [
  ['lower', 40, (s) => s.toLowerCase()],
  ['upper', 40, (s) => s.toUpperCase()],
  ['lowerfirst', 30, (s) => s.charAt(0).toLowerCase() + s.slice(1)],
  ['upperfirst', 30, (s) => s.charAt(0).toUpperCase() + s.slice(1)],
  ['quotewildcard', 20, quoteWildcard],
  ['quoteregex', 20, quoteRegex],
  ['length', 10, (s) => String(Array.from(s).length)],
];

const set: CommandCompiler = (cc, node) => {
  const tags: Record<string, TagDef> = {};
  for (const [name, prec] of MODIFIERS) if (name !== 'quoteregex' || cc.has('regex')) tags[name] = { group: `modifier${prec}` };
  const parsed = cc.parseArgs(node, { tags, positional: ['string', 'string'] }, 'set');
  const nameLit = stringsOf(parsed.positional[0]).values[0];
  const target = varName(cc, cc.constant(nameLit), nameLit);
  const value = stringFn(cc, stringsOf(parsed.positional[1]));
  // Higher precedence first (RFC 5229 4.1).
  const mods = MODIFIERS.filter(([name]) => parsed.tags.has(name)).map(([, , fn]) => fn);
  return (rt) => {
    let v = value(rt);
    for (const m of mods) v = m(v);
    rt.setVar(target.name, target.global, v);
    return Flow.Next;
  };
};

const include: CommandCompiler = (cc, node) => {
  const parsed = cc.parseArgs(
    node,
    { tags: { personal: { group: 'scope' }, global: { group: 'scope' }, once: {}, optional: {} }, positional: ['string'] },
    'include',
  );
  const lit = stringsOf(parsed.positional[0]).values[0];
  const name = cc.constant(lit);
  if (cc.has('variables') && name.includes('${')) cc.fail('the name of an included script must be a constant', lit);
  if (name === '' || name.length > 255 || name.includes('/') || [...name].some((ch) => ch.charCodeAt(0) < 0x20 || ch === '\u007f')) cc.fail(`invalid script name "${name}"`, lit);
  const scope = parsed.groups.get('scope') === 'global' ? 'global' : 'personal';
  const key = `${scope}:${name}`;
  const once = parsed.tags.has('once');
  const optional = parsed.tags.has('optional');
  const known = cc.includes.find((i) => i.key === key);
  if (known) known.optional &&= optional;
  else cc.includes.push({ key, name, scope, optional, line: node.line, column: node.column });
  return (rt) => {
    if (once && rt.includedOnce.has(key)) return Flow.Next;
    const loaded = rt.loaded.get(key);
    if (!loaded) {
      if (optional) return Flow.Next;
      return rt.fail(`the included script "${name}" (${scope}) does not exist`, node);
    }
    if ('error' in loaded) return rt.fail(`the included script "${name}" does not compile: ${loaded.error}`, node);
    if (rt.includeStack.includes(key)) rt.fail(`the script "${name}" includes itself`, node);
    if (rt.includeStack.length >= rt.facts.maxIncludeDepth) rt.fail(`includes are nested deeper than ${rt.facts.maxIncludeDepth}`, node);
    rt.includedOnce.add(key);
    const saved = { vars: rt.vars, match: rt.matchVars, name: rt.scriptName };
    rt.vars = new Map();
    rt.matchVars = [];
    rt.scriptName = name;
    rt.includeStack.push(key);
    const flow = loaded.script.exec(rt);
    rt.includeStack.pop();
    rt.vars = saved.vars;
    rt.matchVars = saved.match;
    rt.scriptName = saved.name;
    return flow === Flow.Stop ? Flow.Stop : Flow.Next;
  };
};

const global: CommandCompiler = (cc, node) => {
  const parsed = cc.parseArgs(node, { tags: {}, positional: ['strings'] }, 'global');
  if (!cc.has('variables')) cc.fail('global needs require "variables"', node);
  for (const lit of stringsOf(parsed.positional[0]).values) {
    const name = cc.constant(lit).toLowerCase();
    if (!/^[a-z_][a-z0-9_]*$/.test(name)) cc.fail(`invalid variable name "${lit.value}"`, lit);
    cc.globals.add(name);
  }
  return () => Flow.Next;
};

const ret: CommandCompiler = (cc, node) => {
  cc.parseArgs(node, { tags: {}, positional: [] }, 'return');
  return () => Flow.Return;
};

export const COMMANDS: Record<string, CommandDef> = {
  keep: { compile: keep },
  discard: { compile: discard },
  redirect: { compile: redirect },
  stop: { compile: stop },
  fileinto: { ext: 'fileinto', compile: fileinto },
  reject: { ext: 'reject', compile: reject('reject') },
  ereject: { ext: 'ereject', compile: reject('ereject') },
  vacation: { ext: 'vacation', compile: vacation },
  setflag: { ext: 'imap4flags', compile: flagCommand('setflag') },
  addflag: { ext: 'imap4flags', compile: flagCommand('addflag') },
  removeflag: { ext: 'imap4flags', compile: flagCommand('removeflag') },
  set: { ext: 'variables', compile: set },
  include: { ext: 'include', compile: include },
  return: { ext: 'include', compile: ret },
  global: { ext: 'include', compile: global },
};
