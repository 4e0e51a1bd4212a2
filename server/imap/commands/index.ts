import type { CommandSpec } from '../session/command-types';
import { aclCommands } from './acl';
import { appendCommands } from './append';
import { authCommands } from './auth';
import { basicCommands } from './basic';
import { fetchCommands } from './fetch';
import { idleCommands } from './idle';
import { listCommands } from './list';
import { mailboxCommands } from './mailbox';
import { messageCommands } from './messages';
import { notifyCommands } from './notify';
import { quotaCommands } from './quota';
import { searchCommands } from './search';
import { searchContextCommands } from './search-context';
import { sortCommands } from './sort';
import { urlauthCommands } from './urlauth';
import { urlfetchCommands } from './urlfetch';

/** Every command the server knows, by upper-case name. */
export const COMMANDS: Record<string, CommandSpec> = {
  ...basicCommands,
  ...authCommands,
  ...mailboxCommands,
  ...listCommands,
  ...appendCommands,
  ...fetchCommands,
  ...messageCommands,
  ...searchCommands,
  ...notifyCommands,
  ...quotaCommands,
  ...aclCommands,
  ...searchContextCommands,
  ...sortCommands,
  ...urlauthCommands,
  ...urlfetchCommands,
  ...idleCommands,
};
