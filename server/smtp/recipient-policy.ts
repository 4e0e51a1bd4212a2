import type { SMTPServerSession } from 'smtp-server';
import type { EngineContext } from '../context';
import type { User } from '../directory/types';
import type { Logger } from '../logs/logger';
import type { RejectReason } from '../metrics/message-counters';
import { isRoutingTrick, parseAddress } from '../directory/address';
import { localUserId, resolveTargets, targetsFor } from '../queue/targets';
import { addressesIn, headerFields } from '../mail/header-fields';

export interface SessionState {
  kind: 'smtp' | 'submission' | 'smtps';
  authUser: User | undefined;
  connection?: import('../net/connections').ConnectionInfo;
  /** Listed in "accept SMTP relays only from these". */
  approvedRelay?: boolean;
  /** Listed by a junk-mail rejection server (DNSBL). */
  rbl?: { zone: string; text?: string };
  /** RCPT address → queue targets. */
  targets: Map<string, string[]>;
  /** Cancels a DATA transfer in progress when the client disconnects. */
  abortData?: () => void;
  /** Local recipients refused as unknown in this transaction. */
  unknown?: string[];
}

/** A refusal with its SMTP reply code; the message carries the enhanced status code. */
export class SmtpReply extends Error {
  constructor(
    readonly code: number,
    message: string,
    /** What the `rejected` message counter files the refusal under. */
    readonly reason: RejectReason = 'policy',
  ) {
    super(message);
  }
}

type Session = SMTPServerSession & { pillarbox?: SessionState };

/**
 * Who may send to whom. Mail for local recipients is accepted from anyone (unless
 * "allow incoming mail" is off); anything else is relaying, allowed only to
 * authenticated users. Relay tricks in the local part are refused outright.
 */
export class RecipientPolicy {
  constructor(private readonly ctx: EngineContext) {}

  checkSender(address: string, session: Session): void {
    const state = session.pillarbox as SessionState;
    state.targets.clear();
    state.unknown = [];
    const s = this.ctx.settings.get();
    if (state.kind === 'smtp' && s.smtpSsl === 'require' && !session.secure) {
      throw new SmtpReply(530, '5.7.0 Must issue a STARTTLS command first');
    }
    if (state.kind !== 'smtp' && !state.authUser) {
      throw new SmtpReply(530, '5.7.0 Authentication required');
    }
    if (address !== '' && !parseAddress(address)) {
      throw new SmtpReply(553, `5.1.7 <${address}>: Sender address rejected: not a valid address`, 'sender');
    }
    if (address !== '' && state.authUser && !this.mayUseAddress(state.authUser, address)) {
      throw new SmtpReply(553, `5.7.1 <${address}>: Sender address rejected: not owned by user ${state.authUser.shortName}`, 'sender');
    }
  }

  /**
   * Authenticated users send only as themselves (Postfix's reject_sender_login_mismatch)
   * unless smtpRestrictSenderAddresses is off. Unauthenticated clients are not checked here.
   */
  mayUseAddress(user: User, address: string): boolean {
    if (!this.ctx.settings.get().smtpRestrictSenderAddresses) return true;
    return this.ctx.directory.addressBelongsTo(address, user.id);
  }

  /** The first From header address an authenticated user may not use, or undefined when all are theirs. */
  foreignFromAddress(user: User, header: string): string | undefined {
    if (!this.ctx.settings.get().smtpRestrictSenderAddresses) return undefined;
    for (const field of headerFields(header, 'from')) {
      const addresses = addressesIn(field);
      if (addresses.length === 0) return field || '(empty)';
      const foreign = addresses.find((a) => !this.ctx.directory.addressBelongsTo(a, user.id));
      if (foreign) return foreign;
    }
    return undefined;
  }

  checkRecipient(address: string, session: Session, log: Logger): void {
    const state = session.pillarbox as SessionState;
    const s = this.ctx.settings.get();
    const parsed = parseAddress(address);
    if (!parsed) throw new SmtpReply(501, `5.1.3 <${address}>: Recipient address rejected: bad address syntax`);
    const local = !!this.ctx.directory.domainKind(parsed.domain);
    if (isRoutingTrick(address)) {
      log.message('relay attempt refused (routing in local part)', { client: session.remoteAddress, to: address });
      throw new SmtpReply(550, `5.7.1 <${address}>: Relay access denied`, 'relay-denied');
    }
    if (state.rbl && !state.authUser && !state.approvedRelay) {
      log.message('refused: client on a junk mail rejection list', { client: session.remoteAddress, zone: state.rbl.zone, to: address });
      const text = state.rbl.text ? `; ${state.rbl.text}` : '';
      throw new SmtpReply(554, `5.7.1 Service unavailable; Client host [${session.remoteAddress}] blocked using ${state.rbl.zone}${text}`, 'rbl');
    }
    if (!local) {
      if (!state.authUser && !state.approvedRelay) {
        log.message('relay attempt refused', { client: session.remoteAddress, to: address, from: session.envelope.mailFrom ? session.envelope.mailFrom.address : undefined });
        throw new SmtpReply(554, `5.7.1 <${address}>: Relay access denied`, 'relay-denied');
      }
      state.targets.set(address, [address]);
      return;
    }
    if (state.kind === 'smtp' && !state.authUser && !s.smtpAllowIncoming) {
      throw new SmtpReply(550, `5.7.1 <${address}>: this server does not accept incoming mail`);
    }
    // A list address (lists on) is the list's; off, it falls through and is unknown like any other.
    const list = this.ctx.lists.targetFor(address);
    if (list) {
      state.targets.set(address, [list]);
      return;
    }
    const resolution = resolveTargets(this.ctx.directory, address);
    switch (resolution.kind) {
      case 'unknown':
      case 'remote':
        log.message('unknown recipient refused', { client: session.remoteAddress, to: address });
        state.unknown?.push(address);
        throw new SmtpReply(550, `5.1.1 <${address}>: Recipient address rejected: User unknown in local recipient table`, 'unknown-user');
      case 'loop':
        log.error('alias loop', { to: address, chain: resolution.chain });
        throw new SmtpReply(550, `5.4.6 <${address}>: Recipient address rejected: alias loop`);
      case 'ok':
        this.checkQuota(address, resolution.targets);
        state.targets.set(address, resolution.targets);
    }
  }

  /** Refuses at RCPT when every local mailbox behind the address is already full. */
  private checkQuota(address: string, targets: string[]): void {
    const users = targets.map(localUserId).filter((id): id is number => id !== undefined);
    if (users.length === 0 || users.length !== targets.length) return;
    const full = users.every((id) => {
      const user = this.ctx.directory.user(id);
      if (!user) return false;
      const q = this.ctx.accounts.quota(user);
      return q.limitBytes > 0 && q.usedBytes >= q.limitBytes;
    });
    if (!full) return;
    if (this.ctx.settings.get().disableMailboxOverQuota) throw new SmtpReply(552, `5.2.2 <${address}>: Mailbox full`, 'quota');
    throw new SmtpReply(452, `4.2.2 <${address}>: Mailbox full, try again later`, 'quota');
  }

  /** Queue recipients for the accepted RCPTs, plus the archive copy ("copy incoming and outgoing messages to"). */
  queueTargets(state: SessionState): { address: string; original: string }[] {
    const out: { address: string; original: string }[] = [];
    for (const [original, targets] of state.targets) for (const t of targets) out.push({ address: t, original });
    const s = this.ctx.settings.get();
    this.addCopy(out, s.archiveCopyTo);
    // "Copy undeliverable messages to": a message that also named unknown local
    // recipients is copied there, so misaddressed mail can be passed on by hand.
    if (state.unknown?.length) this.addCopy(out, s.copyUndeliverableTo);
    return out;
  }

  private addCopy(out: { address: string; original: string }[], name: string): void {
    if (!name) return;
    const full = name.includes('@') ? name : `${name}@${this.ctx.options.hostname}`;
    for (const t of targetsFor(this.ctx.directory, this.ctx.options.hostname, full)) out.push({ address: t, original: full });
  }
}
