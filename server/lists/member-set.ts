import { Effect } from './effects';
import { text } from './i18n/catalogue';
import type { ListStore } from './list-store';
import type { LanguageCode, ListMember } from './types';

/** A member option the `set` command changes, as the command says it ("digest mime", "ack on"). */
export interface OptionChange {
  what: 'delivery' | 'digest' | 'myposts' | 'ack' | 'hide';
  value: string;
}

/** The change a `set` command's two words ask for, or undefined when they are no option (the usage is answered). */
export function parseOptionChange(what: string | undefined, value: string | undefined): OptionChange | undefined {
  const w = what?.toLowerCase();
  const v = value?.toLowerCase();
  if (w === 'digest' && (v === 'mime' || v === 'plain' || v === 'off')) return { what: w, value: v };
  if ((v === 'on' || v === 'off') && (w === 'delivery' || w === 'myposts' || w === 'ack' || w === 'hide')) return { what: w, value: v };
  return undefined;
}

/** The change as text ("digest mime"), kept with a request that waits for confirmation. */
export const changeText = (c: OptionChange) => `${c.what} ${c.value}`;

/** Makes a member option change (by the member's own `set`, or once a `set ... address=` is confirmed); the answer in `lang`. */
export function applyOptionChange(store: ListStore, member: ListMember, c: OptionChange, lang: LanguageCode): { effect: Effect; answer: string } {
  const effect = new Effect();
  const on = c.value === 'on';
  const address = member.displayAddress;
  switch (c.what) {
    case 'myposts':
      effect.changes.push(() => store.updateMember(member.id, { receiveOwnPosts: on }));
      return { effect, answer: text(lang, 'cmd.set.myposts', { address, state: text(lang, on ? 'cmd.set.mypostsOn' : 'cmd.set.mypostsOff') }) };
    case 'ack':
      effect.changes.push(() => store.updateMember(member.id, { acknowledgePosts: on }));
      return { effect, answer: text(lang, 'cmd.set.ack', { address, state: text(lang, on ? 'cmd.set.on' : 'cmd.set.off') }) };
    case 'hide':
      effect.changes.push(() => store.updateMember(member.id, { hidden: on }));
      return { effect, answer: text(lang, 'cmd.set.hide', { address, state: text(lang, on ? 'cmd.set.hidden' : 'cmd.set.shown') }) };
    case 'digest': {
      const digest = c.value as 'mime' | 'plain' | 'off';
      effect.changes.push(() => store.updateMember(member.id, { digest }));
      return { effect, answer: text(lang, 'cmd.set.digestDone', { address, mode: text(lang, digest === 'mime' ? 'cmd.digest.mime' : digest === 'plain' ? 'cmd.digest.plain' : 'cmd.digest.off') }) };
    }
    case 'delivery':
      effect.changes.push(() => store.updateMember(member.id, on ? { delivery: 'enabled', deliveryReason: '' } : { delivery: 'by-member', deliveryReason: 'set delivery off by mail' }));
      return { effect, answer: text(lang, 'cmd.set.done', { address, state: text(lang, on ? 'cmd.set.on' : 'cmd.set.off') }) };
  }
}
