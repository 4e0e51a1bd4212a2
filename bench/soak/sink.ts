import net from 'node:net';

/**
 * The next hop for outbound mail: accepts every message on 127.0.0.1 and counts it,
 * keeping nothing (four hours of smtp-sink -d would fill a disk with files).
 */
export class CountingSink {
  received = 0;
  private readonly sockets = new Set<net.Socket>();
  private readonly server = net.createServer((socket) => {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => undefined);
    socket.write('220 sink.remote.test ESMTP\r\n');
    let buf = '';
    let inData = false;
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      buf += chunk;
      for (;;) {
        if (inData) {
          const end = buf.indexOf('\r\n.\r\n');
          if (end < 0) {
            // Keep only what could be the start of the terminator.
            if (buf.length > 8) buf = buf.slice(-4);
            return;
          }
          buf = buf.slice(end + 5);
          inData = false;
          this.received++;
          socket.write('250 2.0.0 Ok: queued\r\n');
          continue;
        }
        const i = buf.indexOf('\r\n');
        if (i < 0) return;
        const verb = buf.slice(0, i).split(' ')[0].toUpperCase();
        buf = buf.slice(i + 2);
        if (verb === 'EHLO') socket.write('250-sink.remote.test\r\n250-PIPELINING\r\n250-8BITMIME\r\n250 SIZE 52428800\r\n');
        else if (verb === 'DATA') {
          inData = true;
          socket.write('354 End data with <CR><LF>.<CR><LF>\r\n');
        } else if (verb === 'QUIT') socket.end('221 2.0.0 Bye\r\n');
        else socket.write('250 2.0.0 Ok\r\n');
      }
    });
  });

  async start(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as net.AddressInfo).port;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
