/**
 * A connection inside one process: two ends, each a Duplex with the parts of net.Socket the
 * engine's sessions use (addresses, setTimeout's idle timer, setNoDelay…). The fuzz harness
 * hands one end to a listener (`Listener.adopt`) and talks on the other, so whole sessions run
 * through the same admission, protocol and TLS code as over TCP, without the kernel.
 */
import type net from 'node:net';
import { Duplex } from 'node:stream';

/** Client ports, so that each connection has its own (the SMTP service finds records by port). */
let nextPort = 10_000;

export class MemorySocket extends Duplex {
  peer!: MemorySocket;
  readonly remoteFamily = 'IPv4';
  /** Our write waiting for the peer to read (its buffer was full): the peer's _read releases it. */
  private blocked?: () => void;
  private endSent = false;
  private idleMs = 0;
  private idleTimer?: NodeJS.Timeout;

  constructor(
    readonly localAddress: string,
    readonly localPort: number,
    readonly remoteAddress: string,
    readonly remotePort: number,
  ) {
    // A TCP socket from net.createServer ends its side when the other side has ended.
    super({ allowHalfOpen: false });
  }

  get readyState(): string {
    return this.destroyed ? 'closed' : 'open';
  }

  override _read(): void {
    const release = this.peer.blocked;
    this.peer.blocked = undefined;
    release?.();
  }

  /**
   * The bytes reach the other end in a later turn of the event loop, as from a socket: handed over
   * at once, a whole session (and the next, and the next) ran inside one turn, which starved the
   * engine's timers and made its stall watchdog fire.
   */
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (err?: Error | null) => void): void {
    this.touch();
    setImmediate(() => {
      // Like writing to a socket whose peer is gone, without the EPIPE: the bytes are lost.
      if (this.peer.destroyed || this.peer.readableEnded) return callback();
      this.peer.touch();
      if (this.peer.push(chunk)) callback();
      else this.blocked = () => callback();
    });
  }

  override _writev(chunks: { chunk: Buffer }[], callback: (err?: Error | null) => void): void {
    this._write(chunks.length === 1 ? chunks[0].chunk : Buffer.concat(chunks.map((c) => c.chunk)), 'latin1', callback);
  }

  override _final(callback: (err?: Error | null) => void): void {
    // After the bytes written before it (immediates run in order).
    setImmediate(() => {
      this.sendEnd();
      callback();
    });
  }

  override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    clearTimeout(this.idleTimer);
    const release = this.peer.blocked;
    this.peer.blocked = undefined;
    release?.();
    // The other end sees the end, then closes too (a reset), once what it was sent has been delivered.
    setImmediate(() => {
      this.sendEnd();
      setImmediate(() => this.peer.destroy());
    });
    callback(err);
  }

  /** net.Socket's idle timeout: 'timeout' after `ms` without bytes either way. */
  setTimeout(ms: number, onTimeout?: () => void): this {
    if (onTimeout) {
      if (ms === 0) this.off('timeout', onTimeout);
      else this.once('timeout', onTimeout);
    }
    this.idleMs = ms;
    this.touch();
    return this;
  }

  setNoDelay(): this {
    return this;
  }

  setKeepAlive(): this {
    return this;
  }

  ref(): this {
    return this;
  }

  unref(): this {
    return this;
  }

  address(): net.AddressInfo {
    return { address: this.localAddress, family: 'IPv4', port: this.localPort };
  }

  private sendEnd(): void {
    if (this.endSent) return;
    this.endSent = true;
    if (!this.peer.destroyed) this.peer.push(null);
  }

  private touch(): void {
    clearTimeout(this.idleTimer);
    if (this.idleMs === 0 || this.destroyed) return;
    this.idleTimer = setTimeout(() => this.emit('timeout'), this.idleMs);
    this.idleTimer.unref();
  }
}

/** A connected pair: `client` talks, `server` goes to the listener (typed as the socket it stands for). */
export function memoryConnection(serverPort: number): { client: MemorySocket; server: net.Socket } {
  const clientPort = nextPort;
  nextPort = nextPort >= 65_000 ? 10_000 : nextPort + 1;
  const client = new MemorySocket('127.0.0.1', clientPort, '127.0.0.1', serverPort);
  const server = new MemorySocket('127.0.0.1', serverPort, '127.0.0.1', clientPort);
  client.peer = server;
  server.peer = client;
  return { client, server: server as unknown as net.Socket };
}
