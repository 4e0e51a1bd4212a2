import type net from 'node:net';
import zlib from 'node:zlib';
import type { Readable, Writable } from 'node:stream';
import type { EngineContext } from '../../context';
import { isDiskFull, isTemporaryFault } from '../../db/storage-faults';
import type { User } from '../../directory/types';
import type { Logger } from '../../logs/logger';
import type { ConnectionInfo } from '../../net/connections';
import { StoreError } from '../../store/types';
import { CommandCursor, ParseError } from '../protocol/command-cursor';
import { type RawCommand, readCommand } from '../protocol/command-reader';
import { InputReader, type LineResult } from '../protocol/input-reader';
import { MailboxNameError } from '../../mail/mutf7';
import { COMMANDS } from '../commands';
import { type SearchContext, updateSearchContexts } from '../commands/search-context';
import { SearchLimitError } from '../commands/search';
import { type NotifyEvent, type NotifySpec, notifyStatus } from '../commands/notify';
import { CommandRate } from '../../net/command-rate';
import type { Activity } from '../../metrics/activity';
import { appendLimit, capabilities } from './capabilities';
import type { CommandCall, CommandResult, SessionState } from './command-types';
import type { SelectedView } from './selected-view';

/** What a session needs from the service that owns it. */
export interface SessionHost {
  ctx: EngineContext;
  log: Logger;
  watch(view: SelectedView): void;
  unwatch(view: SelectedView): void;
  ended(session: ImapSession): void;
}

/** RFC 3501 section 5.4: at least 30 minutes once logged in. */
const AUTH_TIMEOUT_MS = 30 * 60_000;
/** Literals of commands other than APPEND (names, search strings, passwords). */
const SMALL_LITERAL = 64 * 1024;
/** Before login only user names, passwords and ID values come as literals. */
const PRE_AUTH_LITERAL = 8 * 1024;
const PRE_AUTH_COMMAND = 64 * 1024;
/** RFC 7888 LITERAL-: non-synchronising literals up to 4096 bytes (offered before login; LITERAL+ after). */
export const LITERAL_MINUS_MAX = 4096;
/** Error codes of faults that pass: too many open files, a busy database, an I/O error. */
/** Commands during which EXPUNGE may not be sent (RFC 3501 section 7.4.1), unless UID-prefixed. */
const NO_EXPUNGE_DURING = new Set(['FETCH', 'STORE', 'SEARCH']);

/**
 * One IMAP connection: reads commands one at a time (pipelined input waits in the
 * reader), runs them, reports pending mailbox changes, and answers with the tag.
 */
export class ImapSession {
  state: SessionState = 'not-authenticated';
  user?: User;
  selected?: SelectedView;
  socket: net.Socket;
  secure: boolean;
  authFailures = 0;
  idling = false;
  /** CONDSTORE (RFC 7162) is on: FETCH responses carry MODSEQ. */
  condstore = false;
  /** QRESYNC (RFC 7162) is on: expunges are reported as VANISHED. */
  qresync = false;
  /** Mailbox names are UTF-8 both ways (not modified UTF-7): after ENABLE UTF8=ACCEPT (RFC 6855) or IMAP4rev2. */
  utf8Accept = false;
  /** ENABLE UTF8=ACCEPT was given (it is reported in ENABLED once). */
  utf8AcceptEnabled = false;
  /**
   * ENABLE IMAP4rev2 was given: the session follows RFC 9051 (no \Recent and no RECENT
   * responses, SEARCH answered with ESEARCH, LIST in SELECT, UTF-8 mailbox names).
   */
  rev2 = false;
  /** SEARCH/SORT RETURN (UPDATE) results kept up to date, by tag (RFC 5267). */
  readonly searchContexts = new Map<string, SearchContext>();
  /** SEARCH RETURN (SAVE) result (RFC 5182), as UIDs; "$" in a sequence set names it. */
  savedResult = new Set<number>();
  /** NOTIFY SET (RFC 5465) in force, and events waiting to be reported, by mailbox id. */
  notify?: NotifySpec;
  private readonly pendingNotify = new Map<number, NotifyEvent>();
  private executing = false;
  private notifyScheduled = false;
  /** COMPRESS=DEFLATE (RFC 4978) is on: output goes through this deflater to the socket. */
  private deflater?: zlib.DeflateRaw;
  private flushScheduled = false;
  /** Output of one command is gathered (socket cork) and sent in as few packets as possible. */
  private corked = false;
  private readonly reader = new InputReader();
  /** Commands per second (imapMaxCommandsPerSecond, with a burst of four seconds' worth). */
  private readonly rate = new CommandRate(
    () => this.settings.imapMaxCommandsPerSecond,
    () => this.settings.imapMaxCommandsPerSecond * 4,
  );
  private closing = false;
  private closed = false;
  /** The command running, for the event-loop watchdog ("imap FETCH alice"). */
  private readonly activity: Activity;
  /** Ends the session if it has not logged in by loginTimeoutSeconds; commands do not extend it. */
  private loginTimer?: NodeJS.Timeout;

  constructor(
    readonly host: SessionHost,
    socket: net.Socket,
    readonly conn: ConnectionInfo,
  ) {
    this.socket = socket;
    this.secure = conn.secure;
    this.activity = host.ctx.activities.open();
    this.attachSocket(socket);
    const seconds = this.settings.loginTimeoutSeconds;
    this.loginTimer = setTimeout(() => {
      if (this.state !== 'not-authenticated') return;
      this.log.event('no login in time', { remote: conn.remoteAddress, seconds });
      void this.bye(`No login within ${seconds} seconds`);
    }, seconds * 1000);
    this.loginTimer.unref();
    this.ctx.connections.onEvict(conn, () => {
      this.log.message('connection ended to make room', { remote: conn.remoteAddress });
      void this.bye('Too many connections waiting to log in, try again later');
    });
  }

  get ctx(): EngineContext {
    return this.host.ctx;
  }

  get settings() {
    return this.ctx.settings.get();
  }

  get log(): Logger {
    return this.host.log;
  }

  capabilities(): string[] {
    return capabilities(this.settings, { secure: this.secure, authenticated: this.state !== 'not-authenticated' });
  }

  async run(): Promise<void> {
    try {
      await this.write(`* OK [CAPABILITY ${this.capabilities().join(' ')}] ${this.ctx.options.hostname} IMAP service ready\r\n`);
      while (!this.closing) {
        const preAuth = this.state === 'not-authenticated';
        const got = await readCommand(
          this.reader,
          preAuth
            ? {
                maxLineLength: this.settings.maxLineLength,
                maxLiteral: () => PRE_AUTH_LITERAL,
                maxCommandBytes: () => PRE_AUTH_COMMAND,
                maxNonSyncLiteral: LITERAL_MINUS_MAX,
              }
            : {
                maxLineLength: this.settings.maxLineLength,
                maxLiteral: (verb) => (verb === 'APPEND' ? appendLimit(this.settings) : SMALL_LITERAL),
                maxCommandBytes: (verb) => (verb === 'APPEND' ? appendLimit(this.settings) + 1024 * 1024 : 1024 * 1024),
              },
          () => this.write('+ Ready for literal data\r\n'),
        );
        if (got.kind === 'closed') break;
        if (got.kind === 'non-sync-too-big') {
          this.log.event('non-synchronising literal too large before login', { remote: this.conn.remoteAddress, size: got.size });
          await this.write(`${got.tag ?? '*'} BAD [TOOBIG] Non-synchronizing literals over ${LITERAL_MINUS_MAX} bytes are not allowed before login (LITERAL-)\r\n`);
          await this.bye('Literal too large');
          break;
        }
        if (got.kind === 'too-long') {
          await this.write(`${got.tag ?? '*'} BAD [TOOBIG] Command line too long\r\n`);
          continue;
        }
        if (got.kind === 'literal-too-big') {
          const text = got.verb === 'APPEND' ? 'NO [TOOBIG] Message too large' : 'BAD [TOOBIG] Literal too large';
          await this.write(`${got.tag ?? '*'} ${text}\r\n`);
          continue;
        }
        const waited = await this.rate.take();
        if (waited > 0) this.log.event('IMAP commands slowed down', { remote: this.conn.remoteAddress, waitedMs: waited });
        await this.execute(got.command);
      }
    } catch (err) {
      if (!this.closed) this.log.error('IMAP session failed', { error: String(err), remote: this.conn.remoteAddress });
    } finally {
      this.close();
    }
  }

  private async execute(raw: RawCommand): Promise<void> {
    this.executing = true;
    this.activity.begin('imap');
    this.cork();
    try {
      try {
        await this.executeCommand(raw);
      } finally {
        this.executing = false;
        this.uncork();
      }
      await this.flushNotify();
    } finally {
      this.activity.end();
    }
  }

  private cork(): void {
    if (this.corked || this.deflater || this.closed) return;
    this.socket.cork();
    this.corked = true;
  }

  /** Sends what is gathered: at the end of a command, and before waiting for the client (IDLE, AUTHENTICATE, STARTTLS). */
  private uncork(): void {
    if (!this.corked) return;
    this.corked = false;
    this.socket.uncork();
  }

  /** A NOTIFY event in one of the user's mailboxes: reported at once between commands or in IDLE, else after the command. */
  notifyEvent(mailboxId: number, event: NotifyEvent): void {
    if (!this.notify || this.closed) return;
    this.pendingNotify.set(mailboxId, event);
    if ((this.executing && !this.idling) || this.notifyScheduled) return;
    this.notifyScheduled = true;
    setImmediate(() => {
      this.notifyScheduled = false;
      if (!this.executing || this.idling) void this.flushNotify();
    });
  }

  private async flushNotify(): Promise<void> {
    if (this.pendingNotify.size === 0) return;
    const lines: string[] = [];
    for (const [mailboxId, event] of this.pendingNotify) {
      const box = this.ctx.store.mailboxById(mailboxId);
      const line = box && notifyStatus(this, box, event);
      if (line) lines.push(line);
    }
    this.pendingNotify.clear();
    if (lines.length) await this.write(lines.join(''));
  }

  private async executeCommand(raw: RawCommand): Promise<void> {
    const args = new CommandCursor(raw);
    args.utf8Names = this.utf8Accept;
    let tag: string;
    try {
      tag = args.tag();
    } catch {
      await this.write('* BAD Missing or invalid command tag\r\n');
      return;
    }
    let result: CommandResult;
    let call: CommandCall | undefined;
    try {
      args.sp();
      let name = args.atom().toUpperCase();
      let uid = false;
      if (name === 'UID') {
        args.sp();
        name = args.atom().toUpperCase();
        uid = true;
      }
      const spec = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
      call = { tag, name, uid };
      this.activity.begin(this.user ? `imap ${uid ? 'UID ' : ''}${name.slice(0, 32)} ${this.user.shortName}` : `imap ${uid ? 'UID ' : ''}${name.slice(0, 32)}`);
      if (!spec || (uid && !spec.uid)) {
        result = { status: 'BAD', text: `Unknown command ${uid ? 'UID ' : ''}${name.slice(0, 32)}` };
      } else if (!spec.states.includes(this.state)) {
        result = { status: 'BAD', text: `${name} is not allowed ${this.state === 'not-authenticated' ? 'before login' : this.state === 'selected' || !spec.states.includes('selected') ? 'now' : 'without a selected mailbox'}` };
      } else {
        if (name !== 'LOGIN' && name !== 'AUTHENTICATE') this.log.event('command', { user: this.user?.shortName, command: (uid ? 'UID ' : '') + name, remote: this.conn.remoteAddress });
        result = await spec.run(this, args, call);
      }
    } catch (err) {
      result = this.errorResult(err);
    }
    if (this.closed) return;
    if (this.selected && this.state === 'selected') {
      const allowExpunge = !(call && NO_EXPUNGE_DURING.has(call.name) && !call.uid);
      const contexts = this.searchContexts.size > 0;
      if (contexts) await updateSearchContexts(this, 'removed');
      await this.reportChanges(allowExpunge);
      if (contexts && this.selected && !this.closed) await updateSearchContexts(this, 'added');
    }
    if (this.closed || result.answered) return;
    const code = result.code ? `[${result.code}] ` : '';
    // The debug level: how every command ended (never its arguments, which may hold a password).
    if (this.log.debugging) {
      this.log.debug('reply', { user: this.user?.shortName, command: call ? (call.uid ? 'UID ' : '') + call.name : undefined, status: result.status, code: result.code, text: result.text, remote: this.conn.remoteAddress });
    }
    await this.write(`${tag} ${result.status} ${code}${result.text}\r\n`);
    if (this.state === 'logout') this.close();
  }

  private errorResult(err: unknown): CommandResult {
    if (err instanceof ParseError) return { status: 'BAD', text: `Syntax error: ${err.message}` };
    if (err instanceof SearchLimitError) return { status: 'NO', code: 'LIMIT', text: err.message };
    if (err instanceof MailboxNameError) return { status: 'NO', code: 'CANNOT', text: err.message };
    if (err instanceof StoreError) {
      const code = err.code === 'INVALID' ? 'CANNOT' : err.code === 'INUSE' ? 'INUSE' : err.code;
      return { status: 'NO', code, text: err.message };
    }
    // A passing fault of the disk or the database: the client may try again (RFC 5530 UNAVAILABLE).
    if (isDiskFull(err)) {
      this.log.error('IMAP command failed: the disk is full', { error: String(err), user: this.user?.shortName });
      return { status: 'NO', code: 'UNAVAILABLE', text: 'Not enough disk space on the server, try again later' };
    }
    if (isTemporaryFault(err)) {
      this.log.error('IMAP command failed for a passing fault', { error: String(err), user: this.user?.shortName });
      return { status: 'NO', code: 'UNAVAILABLE', text: 'Temporarily unavailable, try again' };
    }
    this.log.error('IMAP command failed', { error: err instanceof Error ? err.stack ?? err.message : String(err), user: this.user?.shortName });
    return { status: 'NO', code: 'SERVERBUG', text: 'Internal error' };
  }

  /** Sends what changed in the selected mailbox; EXPUNGE only when `allowExpunge`. */
  async reportChanges(allowExpunge: boolean): Promise<void> {
    const view = this.selected;
    if (!view) return;
    const lines = view.flush(allowExpunge);
    if (lines.length) await this.write(lines.join(''));
    if (view.gone && this.selected === view) {
      await this.write('* BYE Selected mailbox was deleted\r\n');
      this.close();
    }
  }

  /**
   * Turns CONDSTORE on (ENABLE, or the first command that uses it, RFC 7162 section 3.1);
   * with a mailbox selected the client is told its HIGHESTMODSEQ then.
   */
  async enableCondstore(): Promise<void> {
    if (this.condstore) return;
    this.condstore = true;
    const view = this.selected;
    if (!view) return;
    view.withModseq = true;
    const box = this.ctx.store.mailboxById(view.mailbox.id);
    if (box) await this.write(`* OK [HIGHESTMODSEQ ${box.highestModseq}] Highest mailbox modseq\r\n`);
  }

  /** QRESYNC (RFC 7162 section 3.2) implies CONDSTORE; from now on expunges are VANISHED. */
  async enableQresync(): Promise<void> {
    if (this.qresync) return;
    await this.enableCondstore();
    this.qresync = true;
    if (this.selected) this.selected.withVanished = true;
  }

  /** IMAP4rev2 (RFC 9051): mailbox names in UTF-8 from now on, and the selected mailbox loses \Recent. */
  enableRev2(): void {
    this.rev2 = true;
    this.utf8Accept = true;
    if (this.selected) {
      this.selected.rev2 = true;
      this.selected.recent.clear();
    }
  }

  // ---- state changes -----------------------------------------------------------------

  select(view: SelectedView): void {
    this.unselect();
    this.selected = view;
    this.state = 'selected';
    this.host.watch(view);
  }

  unselect(): void {
    if (this.selected) {
      this.host.unwatch(this.selected);
      this.selected.close();
    }
    this.searchContexts.clear();
    this.savedResult = new Set();
    this.selected = undefined;
    if (this.state === 'selected') this.state = 'authenticated';
  }

  loggedIn(user: User): void {
    clearTimeout(this.loginTimer);
    this.user = user;
    this.state = 'authenticated';
    this.ctx.connections.setUser(this.conn, user.shortName);
    this.socket.setTimeout(AUTH_TIMEOUT_MS);
  }

  // ---- I/O -----------------------------------------------------------------------------

  /** Writes a wire string (latin1) or bytes, waiting while the socket's buffer is full. */
  async write(data: string | Buffer): Promise<void> {
    if (this.closed) return;
    const socket = this.socket;
    const target: Writable = this.deflater ?? socket;
    const ok = target.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
    if (this.deflater) this.scheduleFlush();
    if (!ok && !this.closed) {
      // A big response (a large FETCH) goes out as it is produced, not held until the command ends.
      this.uncork();
      // The time the client takes to read is not the engine's (watchdog).
      this.activity.suspend();
      await new Promise<void>((resolve) => {
        const done = () => {
          target.off('drain', done);
          socket.off('close', done);
          resolve();
        };
        target.once('drain', done);
        socket.once('close', done);
      });
      this.activity.resume();
    }
  }

  /** Compressed output is flushed once per turn of the event loop, so responses arrive without waiting for more. */
  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      if (!this.closed) this.deflater?.flush(zlib.constants.Z_SYNC_FLUSH);
    });
  }

  get compressed(): boolean {
    return this.deflater !== undefined;
  }

  /**
   * COMPRESS DEFLATE: after the tagged OK (sent uncompressed), both directions are raw
   * DEFLATE streams (RFC 4978). Input is read through an inflater in place of the socket.
   */
  startCompression(): void {
    this.uncork();
    const socket = this.socket;
    const inflater = zlib.createInflateRaw();
    const deflater = zlib.createDeflateRaw();
    inflater.on('error', () => this.close());
    deflater.on('error', () => this.close());
    this.reader.detach();
    socket.pipe(inflater);
    deflater.pipe(socket);
    this.reader.attach(inflater);
    this.deflater = deflater;
  }

  async writeStream(stream: Readable): Promise<void> {
    try {
      for await (const chunk of stream) {
        if (this.closed) break;
        await this.write(chunk as Buffer);
      }
    } finally {
      stream.destroy();
    }
  }

  /** The next line from the client, inside a command (IDLE's DONE, an AUTHENTICATE response). */
  async readLine(): Promise<LineResult> {
    this.uncork();
    this.activity.suspend();
    try {
      return await this.reader.readLine(this.settings.maxLineLength);
    } finally {
      this.activity.resume();
    }
  }

  /** True when the client sent more after a command that must be last (STARTTLS). */
  get hasBufferedInput(): boolean {
    return this.reader.hasBuffered;
  }

  async startTls(): Promise<void> {
    this.uncork();
    const plain = this.socket;
    this.reader.detach();
    plain.setTimeout(0);
    plain.removeAllListeners('timeout');
    const secure = await this.ctx.tls.upgrade(plain, this.conn.listener);
    this.socket = secure;
    this.secure = true;
    this.conn.secure = true;
    this.attachSocket(secure);
  }

  private attachSocket(socket: net.Socket): void {
    this.reader.attach(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => this.close());
    // Before login the deadline (loginTimeoutSeconds) ends the session anyway; idle as long is allowed.
    socket.setTimeout(this.state === 'not-authenticated' ? this.settings.loginTimeoutSeconds * 1000 : AUTH_TIMEOUT_MS);
    socket.on('timeout', () => void this.bye('Autologout; idle for too long'));
  }

  /** Sends an untagged BYE and closes. */
  async bye(text: string): Promise<void> {
    if (this.closed) return;
    this.closing = true;
    await Promise.race([this.write(`* BYE ${text}\r\n`), new Promise((r) => setTimeout(r, 1000).unref())]);
    this.close();
  }

  close(): void {
    this.closing = true;
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.loginTimer);
    this.activity.close();
    this.unselect();
    this.reader.detach();
    // With compression the deflater ends the socket after its last bytes (pipe).
    if (this.deflater) this.deflater.end();
    else this.socket.end();
    const socket = this.socket;
    setTimeout(() => socket.destroy(), 1000).unref();
    this.host.ended(this);
  }

  get isClosed(): boolean {
    return this.closed;
  }
}
