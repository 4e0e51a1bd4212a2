import { EventEmitter } from 'node:events';
import type net from 'node:net';
import type tls from 'node:tls';
import type { TlsManager } from '../certs/tls-manager';
import type { Activity } from '../metrics/activity';

/**
 * The protocol's framing: bytes in, complete units out (POP3's lines within the line limit,
 * ManageSieve's commands with their `{n+}` literals). Partial input waits inside, within limits.
 */
export interface InputReader<E> {
  push(chunk: Buffer): E[];
  /** Forgets buffered input (nothing sent in the clear before STARTTLS may be acted on after it). */
  reset(): void;
}

export interface LinePumpOptions<E> {
  socket: net.Socket;
  reader: InputReader<E>;
  /** No input for this long ends the session (onIdle). */
  idleTimeoutMs: number;
  /** Labelled while an event is handled, for the event-loop watchdog. */
  activity: Activity;
  /** The label until the handler names the command ("pop3", "managesieve"). */
  label: string;
  /** Handles one unit of input; units are handled one at a time, in order, so replies keep the order of commands. */
  handle(event: E): Promise<void> | void;
  /** The client sent nothing for idleTimeoutMs. */
  onIdle(): void;
  /** The handler threw: the session says so and closes. */
  onFailure(err: unknown): void;
}

/** Pipelined commands waiting beyond this make the session stop reading from the socket. */
export const PAUSE_AT = 64;
/** ...and it reads again once no more than this many wait. */
export const RESUME_AT = 8;
const LINGER_MS = 2000;
const HANDSHAKE_TIMEOUT_MS = 60_000;

/**
 * The input side of a line-based session (POP3, ManageSieve): reads the socket through the
 * protocol's reader, queues what comes and hands it to the session one unit at a time.
 *
 * Back-pressure both ways: a client that pipelines faster than its commands are answered
 * makes the queue grow to PAUSE_AT, and then the socket is paused (the kernel's buffers fill
 * and the client's writes wait); a client that does not read its replies makes the next
 * command wait until the replies already written have drained, so neither the queue nor the
 * replies held in memory grow without bound. Also: the idle timeout, the login deadline,
 * STARTTLS, and closing with a short linger.
 *
 * Emits 'backpressure' whenever `paused` or `waitingForClient` changes.
 */
export class LinePump<E> extends EventEmitter {
  /** The current socket (the TLS one after STARTTLS). */
  socket: net.Socket;
  private readonly pending: E[] = [];
  private processing = false;
  private ended = false;
  private loginTimer?: NodeJS.Timeout;
  /** True while the socket is paused because too many commands wait. */
  paused = false;
  /** True while the next command waits for the client to read the replies already written. */
  waitingForClient = false;
  /** The most commands that have waited at once. */
  peakPending = 0;

  constructor(private readonly options: LinePumpOptions<E>) {
    super();
    this.socket = options.socket;
  }

  /** Commands read and not yet handled. */
  get pendingCount(): number {
    return this.pending.length;
  }

  /** True once close() was called or the connection is gone: input is no longer handled. */
  get closed(): boolean {
    return this.ended;
  }

  start(): void {
    this.attach(this.socket);
    this.socket.once('close', () => {
      this.ended = true;
      this.pending.length = 0;
      clearTimeout(this.loginTimer);
    });
  }

  /** Writes to the client unless the connection is going; the text carries its own CRLF. */
  write(text: string): void {
    if (this.socket.destroyed || !this.socket.writable) return;
    this.socket.write(text);
  }

  /** Stops handling input and ends the connection after what was written (cut after a short linger). */
  close(): void {
    this.ended = true;
    this.pending.length = 0;
    clearTimeout(this.loginTimer);
    const socket = this.socket;
    socket.end();
    setTimeout(() => socket.destroy(), LINGER_MS).unref();
  }

  /** From now the client has `ms` to log in, whatever it sends meanwhile (commands do not extend it). */
  startLoginTimer(ms: number, onExpire: () => void): void {
    clearTimeout(this.loginTimer);
    this.loginTimer = setTimeout(onExpire, ms);
    this.loginTimer.unref();
  }

  stopLoginTimer(): void {
    clearTimeout(this.loginTimer);
  }

  /**
   * STARTTLS / STLS: drops whatever was sent after the command in the clear, writes `ready`,
   * and upgrades the socket; resolves with the TLS socket, or undefined when the handshake
   * failed, timed out or the client left (the connection is then cut).
   */
  /** STARTTLS/STLS: `ready` is sent in clear, then the handshake with the certificate chosen for `listener`. */
  async startTls(tlsManager: TlsManager, listener: string | undefined, ready: string): Promise<tls.TLSSocket | undefined> {
    this.pending.length = 0;
    this.options.reader.reset();
    const plain = this.socket;
    this.detach(plain);
    this.setPaused(false);
    plain.write(ready);
    // upgrade() wraps the socket at once, before the client's handshake can arrive.
    const upgraded = tlsManager.upgrade(plain, listener).catch(() => undefined);
    let timer: NodeJS.Timeout | undefined;
    const gone = new Promise<undefined>((resolve) => {
      plain.once('close', () => resolve(undefined));
      timer = setTimeout(() => resolve(undefined), HANDSHAKE_TIMEOUT_MS);
    });
    const secure = await Promise.race([upgraded, gone]);
    clearTimeout(timer);
    if (!secure || this.ended) {
      plain.destroy();
      return undefined;
    }
    this.socket = secure;
    this.attach(secure);
    return secure;
  }

  private readonly onData = (chunk: Buffer): void => {
    if (this.ended) return;
    for (const event of this.options.reader.push(chunk)) this.pending.push(event);
    this.peakPending = Math.max(this.peakPending, this.pending.length);
    if (this.pending.length >= PAUSE_AT) this.setPaused(true);
    void this.pump();
  };

  private readonly onTimeout = (): void => {
    if (!this.ended) this.options.onIdle();
  };

  private attach(socket: net.Socket): void {
    socket.on('data', this.onData);
    socket.on('timeout', this.onTimeout);
    socket.on('error', () => undefined);
    socket.setTimeout(this.options.idleTimeoutMs);
  }

  private detach(socket: net.Socket): void {
    socket.off('data', this.onData);
    socket.off('timeout', this.onTimeout);
    socket.setTimeout(0);
  }

  private setPaused(paused: boolean): void {
    if (this.paused === paused) return;
    this.paused = paused;
    if (paused) this.socket.pause();
    else this.socket.resume();
    this.emit('backpressure');
  }

  private async pump(): Promise<void> {
    if (this.processing) return;
    this.processing = true;
    try {
      while (this.pending.length > 0 && !this.ended) {
        await this.untilClientReads();
        if (this.ended) break;
        const event = this.pending.shift() as E;
        this.options.activity.begin(this.options.label);
        try {
          await this.options.handle(event);
        } finally {
          this.options.activity.end();
        }
        if (this.pending.length <= RESUME_AT && !this.ended) this.setPaused(false);
      }
    } catch (err) {
      this.options.onFailure(err);
    } finally {
      this.processing = false;
    }
  }

  /** While the replies already written wait for the client to read them, the next command waits too. */
  private async untilClientReads(): Promise<void> {
    const socket = this.socket;
    if (!socket.writableNeedDrain || socket.destroyed) return;
    this.waitingForClient = true;
    this.emit('backpressure');
    await new Promise<void>((resolve) => {
      const done = () => {
        socket.off('drain', done);
        socket.off('close', done);
        resolve();
      };
      socket.on('drain', done);
      socket.on('close', done);
    });
    this.waitingForClient = false;
    this.emit('backpressure');
  }
}
