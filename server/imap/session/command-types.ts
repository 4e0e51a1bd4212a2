import type { CommandCursor } from '../protocol/command-cursor';
import type { ImapSession } from './imap-session';

export type SessionState = 'not-authenticated' | 'authenticated' | 'selected' | 'logout';

export interface CommandResult {
  status: 'OK' | 'NO' | 'BAD';
  /** Response code without brackets, e.g. "TRYCREATE" or "APPENDUID 123 4". */
  code?: string;
  text: string;
  /** The handler already sent the tagged response (STARTTLS must, before the handshake). */
  answered?: boolean;
}

export interface CommandCall {
  tag: string;
  /** Upper-case command name (without the UID prefix). */
  name: string;
  /** True for UID FETCH, UID STORE, ... */
  uid: boolean;
}

export type CommandHandler = (session: ImapSession, args: CommandCursor, call: CommandCall) => Promise<CommandResult>;

export interface CommandSpec {
  states: SessionState[];
  run: CommandHandler;
  /** May be prefixed with UID. */
  uid?: boolean;
}

export const ok = (text: string, code?: string): CommandResult => ({ status: 'OK', text, code });
export const no = (text: string, code?: string): CommandResult => ({ status: 'NO', text, code });
export const bad = (text: string, code?: string): CommandResult => ({ status: 'BAD', text, code });

export const ANY: SessionState[] = ['not-authenticated', 'authenticated', 'selected'];
export const NOT_AUTHENTICATED: SessionState[] = ['not-authenticated'];
export const AUTHENTICATED: SessionState[] = ['authenticated', 'selected'];
export const SELECTED: SessionState[] = ['selected'];
