/**
 * The Sieve mail filtering language (RFC 5228 and the extensions listed in SIEVE_EXTENSIONS).
 *
 *   const c = compileSieve(source);            // once, when the script is stored
 *   if ('errors' in c) …                       // each with line and column
 *   const { actions, errors } = await runSieve(c.script, { raw, envelope }, env);
 *
 * runSieve has no side effects: it returns what to do, and the caller does it.
 */
import { createHash } from 'node:crypto';
import type { SieveAction } from './actions';
import { type CompileOptions } from './compiler';
import { SieveFault, type SieveError } from './errors';
import { SieveMessage } from './message';
import { parseScript } from './parser';
import { CompileContext, SIEVE_EXTENSIONS, compileBlock, processRequires } from './program';
import { Flow, Runtime, type CompiledBody, type Envelope, type IncludeTarget } from './runtime';
import { parseZone } from './date';
import { SieveBudgetExceeded } from './budget';

export type { SieveAction, VacationAction } from './actions';
export type { SieveError } from './errors';
export type { Envelope } from './runtime';
export { formatSieveError } from './errors';
export { SieveMessage } from './message';
export { SIEVE_EXTENSIONS } from './program';

export interface SieveScript {
  readonly name: string;
  /** Extensions the script requires. */
  readonly extensions: readonly string[];
  /** Scripts it includes (RFC 6609), resolved through env.loadInclude when it runs. */
  readonly includes: readonly IncludeTarget[];
  readonly body: CompiledBody;
}

export interface SieveLimits {
  /** Largest script accepted, in bytes. */
  maxScriptSize: number;
  maxBlockDepth: number;
  maxTestDepth: number;
  /** Actions per run (keep, fileinto, redirect, …, implicit keep not counted). */
  maxActions: number;
  /** Distinct redirect addresses per run. */
  maxRedirects: number;
  maxIncludeDepth: number;
  /** Scripts loaded through include per run. */
  maxIncludes: number;
  /** Longest variable value, in characters; longer values are cut (RFC 5229 allows a limit of at least 4000). */
  maxVariableSize: number;
  /** Characters of one value (header, body part) that :contains, :matches and :regex look at. */
  maxMatchedSize: number;
  /**
   * Time one run may take, in milliseconds (wall clock, checked at every command and test and
   * inside the matchers); a run over it ends like a run-time error, with the implicit keep.
   */
  maxRunMs: number;
}

export const DEFAULT_SIEVE_LIMITS: Readonly<SieveLimits> = {
  maxScriptSize: 1024 * 1024,
  maxBlockDepth: 32,
  maxTestDepth: 32,
  maxActions: 32,
  maxRedirects: 5,
  maxIncludeDepth: 10,
  maxIncludes: 64,
  maxVariableSize: 4096,
  maxMatchedSize: 1024 * 1024,
  maxRunMs: 2000,
};

export interface CompileSieveOptions extends CompileOptions {
  /** Shown with errors from included scripts and used as the script's name. */
  name?: string;
  limits?: Partial<SieveLimits>;
}

export type CompileSieveResult =
  | { script: SieveScript; errors?: undefined; warnings?: SieveError[] }
  | { errors: SieveError[]; script?: undefined; warnings?: undefined };

export function compileSieve(source: string | Buffer, options: CompileSieveOptions = {}): CompileSieveResult {
  const limits = { ...DEFAULT_SIEVE_LIMITS, ...options.limits };
  const size = typeof source === 'string' ? Buffer.byteLength(source) : source.length;
  if (size > limits.maxScriptSize) {
    return { errors: [{ line: 1, column: 1, message: `the script is larger than ${limits.maxScriptSize} bytes` }] };
  }
  const text = typeof source === 'string' ? source : source.toString('utf8');
  if (text.includes('\uFFFD') && typeof source !== 'string') {
    const at = text.indexOf('\uFFFD');
    const before = text.slice(0, at).split('\n');
    return { errors: [{ line: before.length, column: before[before.length - 1].length + 1, message: 'the script is not valid UTF-8' }] };
  }
  const allowed = new Set((options.extensionsAllowed ?? SIEVE_EXTENSIONS).map((e) => e.toLowerCase()));
  const cc = new CompileContext(allowed, options);
  try {
    const nodes = parseScript(text, { maxBlockDepth: limits.maxBlockDepth, maxTestDepth: limits.maxTestDepth });
    const skip = processRequires(cc, nodes);
    const exec = compileBlock(cc, nodes, 0, skip);
    const name = options.name ?? 'script';
    const script: SieveScript = { name, extensions: [...cc.requires], includes: cc.includes, body: { name, exec } };
    return cc.warnings.length ? { script, warnings: cc.warnings } : { script };
  } catch (err) {
    if (err instanceof SieveFault) return { errors: [err.toError(options.name)] };
    throw err;
  }
}

/**
 * Source characters of the compiled scripts compileSieveCached keeps (least recently used go
 * first). A compiled script takes about 50 times its source in memory: 2 MB is about 100 MB.
 */
const COMPILE_CACHE_BYTES = 2 * 1024 * 1024;
const compileCache = new Map<string, { size: number; result: CompileSieveResult }>();
let compileCacheBytes = 0;

/**
 * compileSieve, remembered by content and options. Compiling costs about 1 ms per KB of script; in
 * the engine it happens in the Sieve worker threads (sieve-pool.ts), each with its own cache: a
 * script is compiled when it is stored and then reused by every delivery that worker runs, and so
 * is every script it includes. Compiled scripts hold no state of a run.
 */
export function compileSieveCached(source: string, options: CompileSieveOptions = {}): CompileSieveResult {
  const key = createHash('sha256').update(JSON.stringify(options)).update('\u0000').update(source).digest('base64');
  const hit = compileCache.get(key);
  if (hit) {
    compileCache.delete(key);
    compileCache.set(key, hit);
    return hit.result;
  }
  const result = compileSieve(source, options);
  const size = source.length;
  if (size <= COMPILE_CACHE_BYTES / 2) {
    for (const [k, v] of compileCache) {
      if (compileCacheBytes + size <= COMPILE_CACHE_BYTES) break;
      compileCache.delete(k);
      compileCacheBytes -= v.size;
    }
    compileCache.set(key, { size, result });
    compileCacheBytes += size;
  }
  return result;
}

export interface VacationMemory {
  /**
   * True when `sender` has not been answered for `handle` within the last `periodSeconds`. The
   * caller records the reply when it answers true (it is about to be sent), so a second message in
   * the period gets no reply.
   */
  shouldReply(handle: string, sender: string, periodSeconds: number): boolean | Promise<boolean>;
}

export interface SieveEnvironment {
  /** For mailboxexists (RFC 5490); default: only INBOX exists. Called synchronously. */
  mailboxExists?(name: string): boolean;
  vacationMemory?: VacationMemory;
  /** Source (or a compiled script) of an included script; null/undefined when there is none. */
  loadInclude?(name: string, scope: 'personal' | 'global'): string | SieveScript | null | undefined | Promise<string | SieveScript | null | undefined>;
  /** RFC 3685 spamtest value: 0 untested, 1 (clearly not spam) … 10 (clearly spam). */
  spamScore?: number;
  /** spamtestplus :percent value, 0-100; derived from spamScore when absent. */
  spamPercent?: number;
  /** RFC 3685 virustest value: 0 untested, 1 clean … 5 infected and not cleaned. */
  virusScore?: number;
  /** For currentdate; default: now. */
  now?: Date;
  /** The zone date tests use without :zone, as "+hhmm"; default: the server's zone. */
  zone?: string;
  /** The user's addresses: vacation's default From is the first, and replies need one of them in To/Cc/Bcc. */
  userAddresses?: string[];
  limits?: Partial<SieveLimits>;
  /** Options for compiling included scripts. */
  compileOptions?: CompileSieveOptions;
  /**
   * Called once included scripts are loaded, right before the script starts and its time budget
   * with it (the worker thread fetches facts and tells the pool its clock starts here).
   */
  beforeRun?(loaded: readonly SieveScript[]): void | Promise<void>;
}

export interface SieveMessageInput {
  raw: Buffer;
  envelope: Envelope;
  /** A message already parsed for another recipient's run; saves parsing the header again. */
  parsed?: SieveMessage;
}

export interface SieveRunResult {
  actions: SieveAction[];
  errors: SieveError[];
  /** Set when the run was stopped for going over limits.maxRunMs (errors says where it was). */
  budgetExceeded?: { limitMs: number };
}

async function loadIncludes(rt: Runtime, script: SieveScript, env: SieveEnvironment, limits: SieveLimits, compiledOut: SieveScript[]): Promise<void> {
  const queue = [...script.includes];
  while (queue.length > 0) {
    const target = queue.shift() as IncludeTarget;
    if (rt.loaded.has(target.key)) continue;
    if (rt.loaded.size >= limits.maxIncludes) {
      rt.loaded.set(target.key, { error: `more than ${limits.maxIncludes} included scripts` });
      continue;
    }
    const got = env.loadInclude ? await env.loadInclude(target.name, target.scope) : undefined;
    if (got === null || got === undefined) {
      rt.loaded.set(target.key, undefined);
      continue;
    }
    let compiled: SieveScript;
    if (typeof got === 'string') {
      const c = compileSieveCached(got, { ...env.compileOptions, name: target.name, limits });
      if (c.errors) {
        const e = c.errors[0];
        rt.loaded.set(target.key, { error: `${e.line}:${e.column}: ${e.message}` });
        continue;
      }
      compiled = c.script;
    } else compiled = got;
    compiledOut.push(compiled);
    rt.loaded.set(target.key, { script: compiled.body });
    queue.push(...compiled.includes);
  }
}

/**
 * Checks what only the included scripts can tell (RFC 6609): that non-optional ones exist, compile,
 * and do not include each other in a circle. Pigeonhole does this when a script is uploaded; call it
 * from PUTSCRIPT/CHECKSCRIPT. At delivery the same problems are run-time errors (the message is kept).
 */
export async function checkIncludes(script: SieveScript, env: Pick<SieveEnvironment, 'loadInclude' | 'compileOptions' | 'limits'>): Promise<SieveError[]> {
  const limits = { ...DEFAULT_SIEVE_LIMITS, ...env.limits };
  const cache = new Map<string, SieveScript | string | undefined>();
  const errors: SieveError[] = [];
  const visit = async (s: SieveScript, stack: string[]): Promise<void> => {
    for (const inc of s.includes) {
      const at = { line: inc.line, column: inc.column, ...(s !== script ? { script: s.name } : {}) };
      if (stack.includes(inc.key)) {
        errors.push({ ...at, message: `circular include of "${inc.name}"` });
        continue;
      }
      if (stack.length >= limits.maxIncludeDepth) {
        errors.push({ ...at, message: `includes are nested deeper than ${limits.maxIncludeDepth}` });
        continue;
      }
      if (!cache.has(inc.key)) {
        const got = env.loadInclude ? await env.loadInclude(inc.name, inc.scope) : undefined;
        if (typeof got === 'string') {
          const c = compileSieveCached(got, { ...env.compileOptions, name: inc.name, limits });
          cache.set(inc.key, c.script ?? `${c.errors[0].line}:${c.errors[0].column}: ${c.errors[0].message}`);
        } else cache.set(inc.key, got ?? undefined);
      }
      const target = cache.get(inc.key);
      if (target === undefined) {
        if (!inc.optional) errors.push({ ...at, message: `the included ${inc.scope} script "${inc.name}" does not exist` });
      } else if (typeof target === 'string') errors.push({ ...at, message: `the included script "${inc.name}" does not compile: ${target}` });
      else await visit(target, [...stack, inc.key]);
    }
  };
  await visit(script, []);
  return errors;
}

/** Runs a compiled script on a message. Never throws for script problems: they come back in `errors`. */
export async function runSieve(script: SieveScript, message: SieveMessageInput, env: SieveEnvironment = {}): Promise<SieveRunResult> {
  const limits = { ...DEFAULT_SIEVE_LIMITS, ...env.limits };
  const msg = message.parsed ?? new SieveMessage(message.raw);
  const zoneOffset = env.zone !== undefined ? parseZone(env.zone) : undefined;
  const rt = new Runtime(
    msg,
    message.envelope,
    {
      mailboxExists: env.mailboxExists ?? ((name) => name.toUpperCase() === 'INBOX'),
      userAddresses: env.userAddresses ?? [],
      spamScore: env.spamScore,
      spamPercent: env.spamPercent,
      virusScore: env.virusScore,
      now: env.now ?? new Date(),
      zoneOffset,
      maxVariableSize: limits.maxVariableSize,
      maxIncludeDepth: limits.maxIncludeDepth,
      maxMatchedSize: limits.maxMatchedSize,
    },
    limits,
  );
  rt.scriptName = script.name;
  const loaded = [script];
  if (script.includes.length > 0) await loadIncludes(rt, script, env, limits, loaded);
  if (env.beforeRun) await env.beforeRun(loaded);
  let actions: SieveAction[];
  try {
    // The clock starts with the script: loading includes waited for the store, not for the CPU.
    rt.startBudget(limits.maxRunMs);
    const flow = script.body.exec(rt);
    void (flow === Flow.Stop);
    const imapFlags = rt.internalFlags.trim();
    actions = rt.actions.finish(imapFlags ? imapFlags.split(/\s+/) : undefined);
  } catch (err) {
    if (!(err instanceof SieveFault)) throw err;
    // RFC 5228 2.10.6: a run-time error cancels the script's actions; the message is kept.
    const error = err.toError(rt.scriptName !== script.name ? rt.scriptName : undefined);
    const keep: SieveAction[] = [{ action: 'keep', implicit: true }];
    if (err instanceof SieveBudgetExceeded) return { actions: keep, errors: [error], budgetExceeded: { limitMs: err.limitMs } };
    return { actions: keep, errors: [error] };
  }
  if (env.vacationMemory) await applyVacationMemory(actions, env.vacationMemory);
  return { actions, errors: [] };
}

/**
 * Asks the vacation memory about every reply a run wants to send (and so records it): a sender
 * answered within the period gets `send: false`. runSieve does this itself; a run in a worker
 * thread returns its actions and the caller does it with the memory it holds.
 */
export async function applyVacationMemory(actions: SieveAction[], memory: VacationMemory): Promise<void> {
  for (const a of actions) {
    if (a.action !== 'vacation' || !a.send) continue;
    if (!(await memory.shouldReply(a.handle, a.to, a.seconds))) {
      a.send = false;
      a.skipped = 'the sender was already answered within the period';
    }
  }
}
