// The part of smtp-server's connection class that prompt-greeting.ts replaces.
declare module 'smtp-server/lib/smtp-connection' {
  export class SMTPConnection {
    _socket: unknown;
    _server: { options: { maxClients?: number }; connections: Set<unknown> };
    name: string;
    init(): void;
    _setListeners(callback: () => void): void;
    connectionReady(): void;
    send(code: number, message: string, close?: boolean): void;
  }
}
