import type { Readable } from 'node:stream';
import type { MessageMeta } from '../store/types';
import type { Maildrop } from './maildrop';
import { sendMessageBody } from './message-output';
import type { SessionIo } from './session-io';

/** The TRANSACTION state's commands (RFC 1939 section 5) over a session's maildrop. */
export class Transaction {
  constructor(
    private readonly io: SessionIo,
    readonly maildrop: Maildrop,
  ) {}

  stat(): void {
    const { count, octets } = this.maildrop.stat();
    this.io.reply(`+OK ${count} ${octets}`);
  }

  list(args: string[]): void {
    this.scanListing(args, (m) => String(m.size));
  }

  uidl(args: string[]): void {
    this.scanListing(args, (m) => this.maildrop.uniqueId(m));
  }

  dele(args: string[]): void {
    const found = this.maildrop.lookup(args[0]);
    if (!found.ok) return this.io.reply(`-ERR ${found.error}`);
    const n = Number(args[0]);
    this.maildrop.markDeleted(n);
    this.io.reply(`+OK message ${n} deleted`);
  }

  rset(): void {
    this.maildrop.reset();
    const { count, octets } = this.maildrop.stat();
    this.io.reply(`+OK maildrop has ${count} messages (${octets} octets)`);
  }

  async retr(args: string[]): Promise<void> {
    const found = this.maildrop.lookup(args[0]);
    if (!found.ok) return this.io.reply(`-ERR ${found.error}`);
    if (args.length > 1) return this.io.reply('-ERR usage: RETR msg');
    if (await this.send(found.message, `+OK ${found.message.size} octets`)) this.maildrop.markRetrieved(Number(args[0]));
  }

  async top(args: string[]): Promise<void> {
    const found = this.maildrop.lookup(args[0]);
    if (!found.ok) return this.io.reply(`-ERR ${found.error}`);
    if (args.length !== 2 || !/^[0-9]{1,10}$/.test(args[1])) return this.io.reply('-ERR usage: TOP msg lines');
    await this.send(found.message, '+OK', Number(args[1]));
  }

  /** Opens the file before saying +OK, so a vanished file still gets a proper -ERR. */
  private async send(message: { file: string }, okLine: string, topLines?: number): Promise<boolean> {
    let stream: Readable;
    try {
      stream = await openStream(this.io.ctx.store.openMessage(message));
    } catch (err) {
      this.io.log.error('cannot open a message file', { file: message.file, error: String(err) });
      this.io.reply('-ERR [SYS/PERM] the message is no longer available');
      return false;
    }
    if (this.io.closed) {
      stream.destroy();
      return false;
    }
    this.io.reply(okLine);
    try {
      return await sendMessageBody(stream, this.io.socket, topLines);
    } catch (err) {
      // Half a multi-line response cannot be taken back: end the session.
      this.io.log.error('reading a message file failed', { file: message.file, error: String(err) });
      this.io.socket.destroy();
      return false;
    }
  }

  private scanListing(args: string[], value: (m: MessageMeta) => string): void {
    if (args.length > 0) {
      const found = this.maildrop.lookup(args[0]);
      if (!found.ok) return this.io.reply(`-ERR ${found.error}`);
      return this.io.reply(`+OK ${Number(args[0])} ${value(found.message)}`);
    }
    const lines = ['+OK'];
    for (const [n, m] of this.maildrop.visible()) lines.push(`${n} ${value(m)}`);
    lines.push('.');
    this.io.reply(lines.join('\r\n'));
  }
}

function openStream(stream: Readable): Promise<Readable> {
  return new Promise((resolve, reject) => {
    stream.once('ready', () => {
      stream.off('error', reject);
      resolve(stream);
    });
    stream.once('error', reject);
  });
}
