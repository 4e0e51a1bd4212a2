import type { Directory } from '../directory/directory';
import type { SettingsService } from '../config/settings';
import type { JunkFilter } from '../junk/filter';
import type { UserJunkTables } from '../junk/user-tables';
import { addressesIn, headerFields } from '../mail/header-fields';
import { blankLineEnd } from '../mail/mime/header';
import type { JunkClass } from '../junk/token-store';
import type { MailStore } from '../store/store';
import type { JobDefinition } from './scheduler';

export const JUNK_TRAINING_JOB = 'junk-training';
/** The seed's two training accounts: users redirect missed junk to one, wrongly marked mail to the other. */
export const TRAINING_ACCOUNTS: { account: string; as: JunkClass }[] = [
  { account: 'junkmail', as: 'spam' },
  { account: 'notjunkmail', as: 'ham' },
];
/** Messages learnt per transaction, so a full inbox does not sit in memory at once. */
const BATCH = 200;

/**
 * The seed's nightly training (1 am): learn junkmail's INBOX as junk and notjunkmail's
 * as not junk, then empty both. Only messages that were learnt are removed; mail that
 * arrives during the run waits for the next one. An account that does not exist is
 * skipped (the administrator creates them, as the seed's step 2 says). With per-user token
 * tables (junkTokenTables) a message redirected or forwarded by a local user (forwardedBy) is
 * also learnt into that user's own table.
 */
export function junkTrainingJob(ctx: { directory: Directory; store: MailStore; settings: SettingsService }, filters: { global: JunkFilter; users: UserJunkTables }): JobDefinition {
  const filter = filters.global;
  return {
    name: JUNK_TRAINING_JOB,
    description: 'Learns the junkmail account\u2019s inbox as junk and notjunkmail\u2019s as not junk, then empties both.',
    scheduleSetting: 'junkTrainingSchedule',
    run: async (signal) => {
      const lines: string[] = [];
      for (const { account, as } of TRAINING_ACCOUNTS) {
        const user = ctx.directory.userByName(account);
        if (!user) {
          lines.push(`${account}: no such account, skipped`);
          continue;
        }
        const box = ctx.store.mailbox(user.id, 'INBOX');
        const messages = box ? ctx.store.messages(box.id) : [];
        const counts = { learnt: 0, relearnt: 0, already: 0 };
        for (let i = 0; i < messages.length; i += BATCH) {
          if (signal.aborted) throw new Error(`stopped with the engine after ${i} of ${messages.length} ${account} messages (those were learnt and removed)`);
          const batch = messages.slice(i, i + BATCH);
          const raws = await Promise.all(batch.map((m) => ctx.store.readMessage(m)));
          for (const outcome of filter.learnMany(raws, as)) {
            if (outcome === 'learnt') counts.learnt++;
            else if (outcome === 'relearnt') counts.relearnt++;
            else counts.already++;
          }
          if (ctx.settings.get().junkTokenTables === 'per-user') {
            raws.forEach((raw) => {
              const by = forwardedBy(ctx.directory, raw);
              if (by !== undefined) filters.users.learnMany(by, [raw], as);
            });
          }
          // Learnt and committed: now these may go.
          await ctx.store.expunge(box!.id, batch.map((m) => m.uid));
        }
        lines.push(`${account}: ${messages.length} message(s) as ${as}: ${counts.learnt} learnt, ${counts.relearnt} moved from the other class, ${counts.already} already known; inbox emptied`);
      }
      const s = filter.stats();
      lines.push(`filter now knows ${s.spamLearnt} junk and ${s.hamLearnt} good messages, ${s.tokens} tokens`);
      return lines.join('\n');
    },
  };
}

/**
 * The local user who redirected (or forwarded) a message to junkmail or notjunkmail: a redirect
 * keeps the original From, so the redirecting client's Resent-From comes first, then the
 * envelope sender (Return-Path), then From for a plain forward.
 */
function forwardedBy(directory: Directory, raw: Buffer): number | undefined {
  const end = blankLineEnd(raw, 0);
  const header = raw.toString('latin1', 0, end < 0 ? raw.length : end);
  for (const field of ['resent-from', 'return-path', 'from']) {
    for (const address of headerFields(header, field).flatMap(addressesIn)) {
      const user = directory.loginUser(address);
      if (user) return user.id;
    }
  }
  return undefined;
}
