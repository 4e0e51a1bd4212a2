// The part of smtp-server's connection class that prompt-greeting.ts replaces.
declare module 'smtp-server/lib/smtp-connection' {
  export class SMTPConnection {
    _socket: unknown;
    _server: {
      options: { maxClients?: number };
      connections: Set<unknown>;
      onSecure(socket: unknown, session: unknown, callback: (err?: Error | null) => void): void;
    };
    _parser: unknown;
    _upgrading: boolean;
    session: { secure: boolean; user: unknown; tlsOptions: unknown; servername: unknown };
    secure: boolean;
    tlsOptions: unknown;
    hostNameAppearsAs: unknown;
    openingCommand: unknown;
    name: string;
    init(): void;
    upgrade(callback: () => void, secureCallback?: () => void): void;
    _createParser(): unknown;
    _onError(err: Error): void;
    _onCloseEvent(hadError: boolean): void;
    _armTimeout(socket?: unknown): void;
    _resetSession(): void;
    _refuse(err: Error): void;
    _setListeners(callback: () => void): void;
    connectionReady(): void;
    send(code: number, message: string, close?: boolean): void;
  }
}
