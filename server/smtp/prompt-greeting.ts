import { SMTPConnection } from 'smtp-server/lib/smtp-connection';

/** Sockets whose greeting waits other than smtp-server's 100 ms (see greetAfter). */
const greetingDelays = new WeakMap<object, number>();

/**
 * smtp-server waits 100 ms before the greeting of every connection to catch clients that
 * talk before it (they are refused, "You talk too soon"). The wait is the setting
 * smtpEarlyTalkerWaitMs; a client allowed to relay through us is greeted at once, since the
 * check gains nothing there and caps each of its sessions at a few messages a second (a new
 * connection per message). Postfix's smtpd greets at once; its postscreen can wait too.
 */
export function greetAfter(socket: object, delayMs: number): void {
  greetingDelays.set(socket, delayMs);
}

let installed = false;

/** Replaces smtp-server's connection start (the same steps, with the delay chosen per socket). */
export function installPromptGreeting(): void {
  if (installed) return;
  installed = true;
  SMTPConnection.prototype.init = function init(this: SMTPConnection): void {
    const delayMs = greetingDelays.get(this._socket as object) ?? 100;
    this._setListeners(() => {
      const maxClients = this._server.options.maxClients;
      if (maxClients && this._server.connections.size > maxClients) return this.send(421, `${this.name} Too many connected clients, try again in a moment`, false);
      setTimeout(() => this.connectionReady(), delayMs).unref();
    });
  };
}
