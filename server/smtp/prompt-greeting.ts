import { SMTPConnection } from 'smtp-server/lib/smtp-connection';

/** Sockets whose client is greeted at once (see greetAtOnce). */
const promptSockets = new WeakSet<object>();

/**
 * smtp-server waits 100 ms before the greeting of every connection to catch clients that
 * talk before it (they are refused, "You talk too soon"). A client allowed to relay
 * through us gains nothing from that check, and it caps each of its sessions at ten
 * messages a second (a new connection per message), so it is skipped for such clients.
 * Postfix's smtpd greets at once as well.
 */
export function greetAtOnce(socket: object): void {
  promptSockets.add(socket);
}

let installed = false;

/** Replaces smtp-server's connection start (the same steps, with the delay chosen per socket). */
export function installPromptGreeting(): void {
  if (installed) return;
  installed = true;
  SMTPConnection.prototype.init = function init(this: SMTPConnection): void {
    const delayMs = promptSockets.has(this._socket as object) ? 0 : 100;
    this._setListeners(() => {
      const maxClients = this._server.options.maxClients;
      if (maxClients && this._server.connections.size > maxClients) return this.send(421, `${this.name} Too many connected clients, try again in a moment`, false);
      setTimeout(() => this.connectionReady(), delayMs).unref();
    });
  };
}
