import fsp from 'node:fs/promises';
import { domainOfHostname } from '../config/bootstrap';
import type { EngineContext } from '../context';
import type { User } from '../directory/types';
import type { Logger } from '../logs/logger';
import { type SieveAction, type SieveError, SieveMessage, type VacationAction, formatSieveError } from '../sieve/index';
import { type MailboxFacts, cyrusToLocal, existingMailbox } from '../sieve/mailbox-names';
import { type PoolRunResult, type SieveRunHooks, type SieveRunInput, SieveWorkerLost, sharedBytes } from '../sieve/sieve-pool';
import type { SieveScripts } from '../sieve/scripts';
import { buildVacationReply } from '../sieve/vacation-reply';
import { queueGeneratedMail } from '../queue/generated-mail';
import { ByContent, type CopyContent } from './copy-content';
import type { Notifier } from './notifier';
import { resolveTargets } from '../queue/targets';
import type { DeliveryStage, DeliveryTarget, LocalMessage, StoreCopy } from './types';
import { effectiveRights } from '../store/acl';
import { PUBLIC_PREFIX } from '../store/types';

/** Header a redirect adds; a message that already passed through the same user's redirect is not sent on again. */
export const REDIRECT_HEADER = 'X-Pillarbox-Redirected';
/** Redirect hops (of any user) after which a message is kept instead of sent on. */
export const MAX_REDIRECT_HOPS = 10;
/** Where a run stopped: "line:column: message", or only the message when the worker was terminated. */
const where = (e: SieveError): string => (e.line > 0 ? formatSieveError(e) : e.message);

/** After a run over its time budget, the user's script is not run for this long (messages go to INBOX). */
export const SIEVE_SUSPENSION_MS = 10 * 60_000;

/**
 * Runs each recipient's active Sieve script (after screening, before quota) and carries out what
 * it decided: folders and flags, extra copies, redirects and vacation replies through the queue,
 * discard, and reject as a permanent failure the queue bounces.
 */
export class SieveStage implements DeliveryStage {
  readonly name = 'sieve';
  /** Users whose script went over its time budget, and until when it is not run (in memory: a restart forgets). */
  private readonly suspended = new Map<number, number>();

  constructor(
    private readonly ctx: EngineContext,
    private readonly scripts: SieveScripts,
    private readonly log: Logger,
    private readonly notifier?: Notifier,
  ) {}

  async run(message: LocalMessage): Promise<void> {
    // Read once per distinct copy, in shared memory: every recipient's run (in a worker thread)
    // reads the bytes that recipient's copy will have (their own X-Spam-* headers, say).
    let file: Promise<Buffer> | undefined;
    const variants = new ByContent<{ raw: Promise<Buffer>; parsed?: SieveMessage }>(message);
    for (const target of message.targets) {
      if (target.outcome) continue;
      const script = this.scripts.activeSource(target.user.id);
      if (!script) continue;
      const until = this.suspended.get(target.user.id);
      if (until !== undefined) {
        if (Date.now() < until) {
          this.log.message('Sieve script suspended after going over its time budget; the message goes to INBOX unfiltered', {
            queueId: message.entry.id,
            user: target.user.shortName,
            until: new Date(until).toISOString(),
          });
          continue;
        }
        this.suspended.delete(target.user.id);
      }
      const variant = variants.get(target, (content) => ({ raw: this.readMessage(message, content, (file ??= fsp.readFile(message.entry.file))).then(sharedBytes) }));
      const raw = await variant.raw;
      const { entry } = message;
      const userAddresses = this.userAddresses(target.user);
      const result = await this.runScript(
        {
          script,
          raw,
          envelope: { from: entry.sender, to: target.original, orig: target.original },
          spamScore: target.verdicts?.spamScore ?? message.verdicts?.spamScore,
          spamPercent: target.verdicts?.spamPercent ?? message.verdicts?.spamPercent,
          virusScore: message.verdicts?.virusScore,
          userAddresses,
          limits: { maxRunMs: this.ctx.settings.get().sieveMaxRunMs },
        },
        {
          loadInclude: this.scripts.includeLoader(target.user.id),
          mailboxes: () => this.mailboxFacts(target),
          vacationMemory: this.scripts.vacationMemory(target.user.id),
        },
      );
      if (!result) {
        this.log.error('the Sieve worker thread stopped while it ran the script; the message goes to INBOX unfiltered', { queueId: entry.id, user: target.user.shortName, script: script.name });
        continue;
      }
      if (result.compileErrors) {
        // A stored script that no longer compiles (for example after an upgrade) counts as none.
        this.log.error('the active Sieve script does not compile; mail is kept', { user: target.user.shortName, error: formatSieveError(result.compileErrors[0]) });
        continue;
      }
      if (result.budgetExceeded) {
        await this.overBudget(message, target, script.name, result.budgetExceeded.limitMs, result.errors.map(where).join('; '));
      } else {
        for (const e of result.errors) {
          this.log.error('Sieve run-time error; the message is kept', { queueId: entry.id, user: target.user.shortName, error: formatSieveError(e) });
        }
      }
      // The main thread parses the header only when an action needs it (redirect loops, vacation replies).
      await this.apply(message, target, result.actions, () => (variant.parsed ??= new SieveMessage(raw)), userAddresses[0]);
    }
  }

  /**
   * The run, in a worker thread. Undefined when the worker died under it (it ran out of memory,
   * say): the message is kept, as after a run-time error, rather than retried into the same end.
   */
  private async runScript(input: SieveRunInput, hooks: SieveRunHooks): Promise<PoolRunResult | undefined> {
    try {
      return await this.scripts.pool.run(input, hooks);
    } catch (err) {
      if (err instanceof SieveWorkerLost) return undefined;
      throw err;
    }
  }

  /** What mailboxexists sees: the user's folders, and the public folders the user may post to. */
  private mailboxFacts(target: DeliveryTarget): MailboxFacts {
    const { store } = this.ctx;
    const user = this.ctx.directory.user(target.user.id) ?? target.user;
    return {
      own: store.mailboxes(target.user.id).map((b) => b.name),
      postable: store
        .mailboxes(store.publicOwnerId)
        .filter((b) => effectiveRights(store.acl.entries(b.id), user).includes('p'))
        .map((b) => b.name),
    };
  }

  /**
   * A run stopped for taking too long: the message is kept (runSieve already returned the implicit
   * keep, so it is delivered and never retried into the same run), the script is suspended for a
   * while so each further message does not cost the same time again, and the user is told.
   */
  private async overBudget(message: LocalMessage, target: DeliveryTarget, scriptName: string, limitMs: number, where: string): Promise<void> {
    const queueId = message.entry.id;
    const user = target.user.shortName;
    const until = Date.now() + SIEVE_SUSPENSION_MS;
    this.suspended.set(target.user.id, until);
    this.log.error('Sieve script stopped: it ran longer than its time budget; the message goes to INBOX unfiltered', {
      queueId,
      user,
      script: scriptName,
      limitMs,
      error: where,
      suspendedUntil: new Date(until).toISOString(),
    });
    if (!this.notifier) return;
    const minutes = Math.round(SIEVE_SUSPENSION_MS / 60_000);
    const text = [
      `Your mail filter (Sieve script "${scriptName}") was stopped while it filtered a message`,
      `(queue ID ${queueId}), because it ran longer than the ${limitMs} ms this server allows.`,
      '',
      'The message was delivered to your INBOX without filtering. For the next',
      `${minutes} minutes your filter is not run, and new mail goes to your INBOX.`,
      '',
      `Where it stopped: ${where}`,
      '',
      'Tests that scan whole message bodies, or many patterns over long headers,',
      'take the most time. Simplify the script, or ask your administrator.',
    ].join('\r\n');
    try {
      await this.notifier.notifyUser(target.user, 'Your mail filter was stopped', text);
    } catch (err) {
      this.log.error('could not deliver the Sieve time-budget notice', { queueId, user, error: String(err) });
    }
  }

  /** The message as the script sees it: the copy's screening headers on top, the copy's subject tag, without the local Return-Path. */
  private async readMessage(message: LocalMessage, content: CopyContent, spool: Promise<Buffer>): Promise<Buffer> {
    const prefix = message.entry.localPrefix;
    const whole = content.replacement ?? (await spool);
    // A rewrite keeps the Return-Path line in front, unless it had to put a Subject before it.
    const body = content.replacement && !content.replacement.subarray(0, prefix).equals((await spool).subarray(0, prefix)) ? whole : whole.subarray(prefix);
    return content.headers ? Buffer.concat([Buffer.from(content.headers, 'utf8'), body]) : body;
  }

  /** The user's own addresses, primary first: short name and additional names in every local domain. */
  private userAddresses(user: User): string[] {
    const { hostname } = this.ctx.options;
    const primary = domainOfHostname(hostname) ?? hostname;
    const domains = this.ctx.directory
      .domains()
      .filter((d) => d.kind !== 'virtual-host')
      .map((d) => d.name)
      .sort((a, b) => (a === primary ? -1 : b === primary ? 1 : 0));
    const out: string[] = [];
    for (const name of [user.shortName, ...user.names]) {
      if (name.includes('@')) out.push(name);
      else for (const d of domains) out.push(`${name}@${d}`);
    }
    return out;
  }

  private async apply(message: LocalMessage, target: DeliveryTarget, actions: SieveAction[], parsed: () => SieveMessage, from: string): Promise<void> {
    const { entry } = message;
    const copies: StoreCopy[] = [];
    const user = target.user.shortName;
    for (const a of actions) {
      switch (a.action) {
        case 'keep':
          // RFC 5228 keep: what would have happened without a script, so the user's own junk
          // verdict still files into Junk with $Junk (the junk stage set the target's folder).
          copies.push({ mailbox: target.mailbox, flags: [...new Set([...target.flags, ...(a.flags ?? [])])] });
          break;
        case 'fileinto':
          if (a.mailbox.startsWith(PUBLIC_PREFIX)) copies.push(this.publicCopy(target, a.mailbox, a.flags ?? [], entry.id));
          else copies.push({ mailbox: this.folder(target, a.mailbox, a.create), flags: a.flags ?? [] });
          break;
        case 'discard':
          this.log.message('Sieve discarded the message', { queueId: entry.id, user });
          break;
        case 'reject':
        case 'ereject':
          target.outcome = { status: 'permanent', diagnostic: `5.7.1 ${a.reason.replace(/[\r\n]+/g, ' ').trim() || 'rejected by the recipient\u2019s filter'}` };
          this.log.message('Sieve rejected the message', { queueId: entry.id, user, reason: a.reason });
          return;
        case 'redirect':
          if (!(await this.redirect(message, target, a.address, parsed, from))) copies.push({ mailbox: 'INBOX', flags: [] });
          break;
        case 'vacation':
          if (a.send) await this.vacation(message, target, a, parsed, from);
          else this.log.event('Sieve vacation not sent', { queueId: entry.id, user, to: a.to, reason: a.skipped });
          break;
      }
    }
    // The same folder once: a failed redirect's fallback copy may meet a keep.
    const unique = copies.filter((c, i) => copies.findIndex((d) => d.mailbox === c.mailbox && d.ownerId === c.ownerId) === i);
    if (unique.length === 0) {
      target.outcome = { status: 'delivered' };
      return;
    }
    target.mailbox = unique[0].mailbox;
    target.flags = unique[0].flags;
    // A copy for another store owner (a public folder) is carried only by `copies`.
    target.copies = unique.length > 1 || unique[0].ownerId !== undefined ? unique : undefined;
  }

  /**
   * The public folder a script's "Shared Folders/…" name means, if it exists and the
   * recipient has the post right 'p' on it (RFC 4314: p allows delivery by Sieve); else why not.
   */
  private publicFolder(target: DeliveryTarget, name: string): string | { refused: string } {
    const { store } = this.ctx;
    const box = store.mailbox(store.publicOwnerId, name.slice(PUBLIC_PREFIX.length));
    if (!box) return { refused: 'no such public folder' };
    const user = this.ctx.directory.user(target.user.id) ?? target.user;
    if (!effectiveRights(store.acl.entries(box.id), user).includes('p')) return { refused: 'no post right (p) on the public folder' };
    return box.name;
  }

  /** fileinto a public folder: stored there with 'p', else kept in INBOX (public folders are never created by Sieve). */
  private publicCopy(target: DeliveryTarget, name: string, flags: string[], queueId: string): StoreCopy {
    const folder = this.publicFolder(target, name);
    if (typeof folder === 'string') return { mailbox: folder, flags, ownerId: this.ctx.store.publicOwnerId };
    this.log.message('Sieve fileinto a public folder refused; the message goes to INBOX', { queueId, user: target.user.shortName, mailbox: name, reason: folder.refused });
    return { mailbox: 'INBOX', flags };
  }

  /** The folder fileinto means: existing (Cyrus names mapped), created, or INBOX. */
  private folder(target: DeliveryTarget, name: string, create: boolean): string {
    const { store } = this.ctx;
    const userId = target.user.id;
    const found = existingMailbox(name, (n) => !!store.mailbox(userId, n));
    if (found) return found;
    const local = cyrusToLocal(name);
    if (create || this.ctx.settings.get().sieveFileintoCreatesMailbox) {
      try {
        store.createMailbox(userId, local);
        this.log.message('Sieve created a folder', { user: target.user.shortName, mailbox: local });
        return local;
      } catch (err) {
        if (store.mailbox(userId, local)) return local;
        this.log.error('Sieve could not create a folder; the message goes to INBOX', { user: target.user.shortName, mailbox: name, error: String(err) });
        return 'INBOX';
      }
    }
    this.log.message('Sieve fileinto: no such folder; the message goes to INBOX', { user: target.user.shortName, mailbox: name });
    return 'INBOX';
  }

  /** Queues the message, unchanged but for a trace header, to `address`. False when it could not. */
  private async redirect(message: LocalMessage, target: DeliveryTarget, address: string, parsed: () => SieveMessage, userAddress: string): Promise<boolean> {
    const { entry } = message;
    const user = target.user.shortName;
    const hops = parsed().values(REDIRECT_HEADER);
    if (hops.some((h) => h.toLowerCase() === userAddress.toLowerCase())) {
      this.log.error('Sieve redirect loop: this user redirected the message before; it is kept', { queueId: entry.id, user, to: address });
      return false;
    }
    if (hops.length >= MAX_REDIRECT_HOPS) {
      this.log.error('Sieve redirect refused: too many redirects already; the message is kept', { queueId: entry.id, user, to: address });
      return false;
    }
    const resolution = resolveTargets(this.ctx.directory, address);
    const recipients =
      resolution.kind === 'ok' ? resolution.targets : resolution.kind === 'remote' ? [address] : [];
    if (recipients.length === 0) {
      this.log.error('Sieve redirect to an address that does not exist; the message is kept', { queueId: entry.id, user, to: address, reason: resolution.kind });
      return false;
    }
    try {
      const file = await fsp.readFile(entry.file);
      const queued = await queueGeneratedMail(this.ctx.queue, {
        sender: entry.sender,
        recipients: recipients.map((r) => ({ address: r, original: address })),
        client: `sieve redirect by ${user}`,
        content: Buffer.concat([Buffer.from(`${REDIRECT_HEADER}: ${userAddress}\r\n`), file.subarray(entry.localPrefix)]),
        once: { parentId: entry.id, key: `sieve redirect ${target.address} ${address.toLowerCase()}` },
      });
      if (queued.before) this.log.event('Sieve redirect already queued by an earlier attempt', { queueId: entry.id, user, to: address, newQueueId: queued.id });
      else this.log.message('Sieve redirected the message', { queueId: entry.id, user, to: address, newQueueId: queued.id });
      return true;
    } catch (err) {
      this.log.error('Sieve redirect could not be queued; the message is kept', { queueId: entry.id, user, to: address, error: String(err) });
      return false;
    }
  }

  private async vacation(message: LocalMessage, target: DeliveryTarget, a: VacationAction, parsed: () => SieveMessage, from: string): Promise<void> {
    const user = target.user.shortName;
    const resolution = resolveTargets(this.ctx.directory, a.to);
    const recipients = resolution.kind === 'ok' ? resolution.targets : resolution.kind === 'remote' ? [a.to] : [];
    if (recipients.length === 0) {
      this.log.event('Sieve vacation: the sender cannot be reached', { queueId: message.entry.id, user, to: a.to });
      return;
    }
    try {
      const reply = buildVacationReply(a, parsed(), from, this.ctx.options.hostname);
      const queued = await queueGeneratedMail(this.ctx.queue, {
        sender: '',
        recipients: recipients.map((r) => ({ address: r, original: a.to })),
        client: `sieve vacation of ${user}`,
        content: reply,
        signDkim: true,
        once: { parentId: message.entry.id, key: `sieve vacation ${target.address} ${a.to.toLowerCase()}` },
      });
      if (!queued.before) this.log.message('Sieve vacation reply queued', { queueId: message.entry.id, user, to: a.to, newQueueId: queued.id });
    } catch (err) {
      this.log.error('Sieve vacation reply could not be queued', { queueId: message.entry.id, user, to: a.to, error: String(err) });
    }
  }
}
