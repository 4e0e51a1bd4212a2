import type { KeyObject } from 'node:crypto';
import type { MessageSource } from './spooled-message';

/** A key as the pool sends it: its object only the first time a worker sees it, then its number. */
export interface WireKey {
  id: number;
  selector: string;
  key?: KeyObject;
}

export interface SignRequest {
  job: number;
  /** The message bytes (a message read into memory), or its spool file (a large one, streamed by the worker). */
  source: MessageSource;
  domain: string;
  keys: WireKey[];
  signTime?: Date;
}

export interface SignReply {
  job: number;
  signatures: string;
  /** The messages of the errors (an Error does not cross threads with its class). */
  errors: string[];
}
