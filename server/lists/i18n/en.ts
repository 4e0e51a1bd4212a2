/**
 * The English catalogue: every text the lists generate, keyed by message id. Other languages
 * translate the same ids (their files are typed against this one, so none can miss a text).
 * {name} marks a value filled in when the text is used.
 */
export const EN = {
  'confirm.subscribe.subject': 'confirm {token}',
  'confirm.subscribe.body':
    'We have received a request to subscribe {address} to the {list} mailing list.\n\n' +
    'To confirm, reply to this message (keep the subject), or send a message to {confirmAddress}, or send\n\n' +
    '    confirm {token}\n\n' +
    'to {request}.\n\n' +
    'If you did not ask for this, ignore this message: nothing happens and the request expires on {expires}.',
  'confirm.unsubscribe.subject': 'confirm {token}',
  'confirm.unsubscribe.body':
    'We have received a request to remove {address} from the {list} mailing list.\n\n' +
    'To confirm, reply to this message (keep the subject), or send a message to {confirmAddress}, or send\n\n' +
    '    confirm {token}\n\n' +
    'to {request}.\n\n' +
    'If you did not ask for this, ignore this message: you stay subscribed and the request expires on {expires}.',
  'welcome.subject': 'Welcome to the {list} mailing list',
  'welcome.body':
    'Welcome to the {list} mailing list{description}.\n\n' +
    'To post, write to {post}.\n\n' +
    '{welcomeText}' +
    'To leave the list, send a message to {leave} (you will be asked to confirm), or send "help" to {request} for the other commands.\n\n' +
    'You are subscribed as {address}.',
  'goodbye.subject': 'You have left the {list} mailing list',
  'goodbye.body': '{address} has been removed from the {list} mailing list.\n\n{goodbyeText}To join again, send a message to {join}.',
  'approval.waiting': 'Your subscription to {list} is confirmed and now waits for the list owner\u2019s approval.',
  'results.subject': 'The results of your email commands',
  'results.intro': 'The results of your email commands to {request}:',
  'results.line': '> {command}',
  'results.ignored': '{count} more line(s) ignored: at most {max} lines are read from a command message.',
  'results.tooMany': 'Your message has {count} commands; at most {max} are accepted in one message. None of them was carried out.',
  'results.none': 'No commands were found in your message. Send "help" for the list of commands.',
  'results.done': 'End of the commands.',
  'cmd.unknown': 'Unknown command. Send "help" for the list of commands.',
  'cmd.help':
    'Commands for {request} (in the subject or the body, one per line):\n' +
    '  help                         this text\n' +
    '  info                         what the list is about\n' +
    '  lists                        the lists on this server\n' +
    '  who                          the members (when the list allows it)\n' +
    '  subscribe [address] [digest|nodigest]   join (a confirmation is mailed to the address)\n' +
    '  unsubscribe [address]        leave (a confirmation is mailed to the address)\n' +
    '  set delivery on|off          receive posts or not, staying subscribed\n' +
    '  set digest mime|plain|off    receive digests instead of each post, or not\n' +
    '  set myposts on|off           receive your own posts or not\n' +
    '  set ack on|off               a short acknowledgement of each of your posts\n' +
    '  set hide on|off              leave your address out of the member list (who)\n' +
    '  confirm TOKEN                confirm a request\n' +
    '  end                          stop reading (also a line "-- " before a signature)\n' +
    'You can also write to {join} to join and {leave} to leave.',
  'cmd.info': '{list}{description}\nPost to: {post}\nCommands: {request}\nOwners: {owner}\n{info}',
  'cmd.lists.header': 'Mailing lists on {domain}:',
  'cmd.lists.line': '  {address}{description}',
  'cmd.lists.none': 'There are no mailing lists on {domain}.',
  'cmd.who.header': 'Members of {list} ({count}):',
  'cmd.who.line': '  {address}',
  'cmd.who.refused': 'The member list of {list} is shown only to {who}.',
  'cmd.who.members': 'members',
  'cmd.who.owners': 'the list owners',
  'cmd.subscribe.sent': 'A confirmation request was mailed to {address}.',
  'cmd.subscribe.already': '{address} is already a member of {list}.',
  'cmd.subscribe.closed': '{list} does not accept subscriptions by mail; ask its owners ({owner}).',
  'cmd.subscribe.badAddress': '"{address}" is not a valid address.',
  'cmd.subscribe.badOption': '"{option}" is not an option of subscribe (digest or nodigest).',
  'cmd.unsubscribe.sent': 'If {address} is a member of {list}, a confirmation request was mailed to it.',
  'cmd.set.usage': 'Usage: set delivery on|off, set digest mime|plain|off, set myposts on|off, set ack on|off or set hide on|off',
  'cmd.set.done': 'Delivery to {address} is now {state}.',
  'cmd.set.on': 'on',
  'cmd.set.off': 'off',
  'cmd.notMember': '{address} is not a member of {list}.',
  'cmd.confirm.usage': 'Usage: confirm TOKEN',
  'confirm.subscribed': '{address} is now a member of {list}.',
  'confirm.unsubscribed': '{address} has left {list}.',
  'confirm.unknown': 'This confirmation token is not valid (mistyped, or never issued). Nothing was changed.',
  'confirm.expired': 'This confirmation token has expired. Nothing was changed; send the request again.',
  'confirm.used': 'This confirmation token has been used already. Nothing was changed.',
  'confirm.error.subject': 'Your confirmation to {list}',
  'notice.held.subject': 'Your message to {list} awaits moderator approval',
  'notice.held.body':
    'Your message to {list} with the subject\n\n    {subject}\n\nis being held until a list moderator can review it. Reason: {reason}.\n\n' +
    'You will be told if it is rejected.',
  'notice.rejected.subject': 'Your message to {list} was rejected',
  'notice.rejected.body': 'Your message to {list} with the subject\n\n    {subject}\n\nwas rejected. Reason: {reason}.',
  'reason.nonMember': 'posts from non-members are not accepted without approval',
  'reason.nonMemberRejected': 'the list accepts posts from its members only',
  'reason.tooBig': 'the message is {size} KB, larger than the list\u2019s limit of {max} KB',
  'reason.moderator': 'a moderator rejected it',
  'reason.bounces': 'bounces (score {score}, last: {status})',
  'bounce.disabled.subject': 'Your membership in {list} has been disabled',
  'bounce.disabled.body': 'Your membership in the {list} mailing list has been disabled because mail to your address {address} has been bouncing. You will receive no posts from the list until you turn delivery on again.\n\nTo turn it on, send a message with the line\n\n    set delivery on\n\nto {request} from {address}.\n\nYou will receive {left} more notice(s) like this one; if delivery is still off by {removal}, you will be removed from the list.',
  'bounce.owner.disabled.subject': 'Delivery to {address} on {list} disabled by bounces',
  'bounce.owner.disabled.body': 'Delivery to {address} on the {list} mailing list has been disabled: its bounce score {score} reached the list\u2019s threshold of {threshold} (last bounce: {status}). The member has been told how to turn it on again.',
  'bounce.owner.removed.subject': '{address} removed from {list} after bounces',
  'bounce.owner.removed.body': '{address} has been removed from the {list} mailing list: delivery to it was disabled by bounces and was not turned on again after the last notice.',
  'digest.subject': '{list} Digest, Vol {volume}, Issue {issue}',
  'digest.masthead': 'Send {list} mailing list submissions to\n\t{post}\n\nTo subscribe or unsubscribe, or for the other commands, send a message with "help" in the subject or body to\n\t{request}\n\nYou can reach the people who run the list at\n\t{owner}\n\nWhen replying, please edit your Subject line so it is more specific than "Re: Contents of {list} digest..."',
  'digest.topics': 'Today’s Topics:',
  'digest.end': 'End of {list} Digest, Vol {volume}, Issue {issue}',
  'cmd.set.digestDone': '{address} now receives {mode}.',
  'cmd.digest.mime': 'MIME digests',
  'cmd.digest.plain': 'plain text digests',
  'cmd.digest.off': 'every post as it comes (no digests)',
  'archive.title': 'The {list} archives',
  'archive.periods': 'Periods',
  'archive.posts': '{count} post(s)',
  'archive.byThread': 'by thread',
  'archive.byDate': 'by date',
  'archive.byAuthor': 'by author',
  'archive.mbox': 'mbox file',
  'archive.search': 'Search the archive',
  'archive.searchButton': 'Search',
  'archive.results': '{count} post(s) found for “{query}”',
  'archive.empty': 'No posts are archived yet.',
  'archive.back': 'Back to the archive',
  'archive.raw': 'The message as sent (.eml)',
  'archive.private': 'The archive of {list} is private.',
  'archive.period': '{list}: {period}, {order}',
  'reason.moderated': 'every post to this list is reviewed by a moderator',
  'reason.memberModerated': 'your posts to this list are reviewed by a moderator',
  'cmd.subscribe.banned': '{address} may not subscribe to {list}.',
  'moderation.notice.subject': '{list} post from {from} requires approval',
  'moderation.notice.body':
    'A post to {list} is held for a moderator.\n\n    From: {from}\n    Subject: {subject}\n    Reason: {reason}\n    Size: {size} bytes\n\n' +
    'Reply to this message to decide: a first line "approve" (or an "Approved:" header) sends it to the members; "reject" followed by a reason returns it to the poster; "defer" keeps it held. A reply without any of these discards it (as with Mailman: reply to discard spam).\n\n' +
    'Or send one of these lines to {request}:\n\n    approve {token}\n    reject {token} REASON\n    discard {token}\n    defer {token}\n\nThe beginning of the post:\n\n{excerpt}',
  'moderation.approve': 'The post from {from} ("{subject}") was approved and sent to the members.',
  'moderation.reject': 'The post from {from} ("{subject}") was rejected; the poster has been told.',
  'moderation.discard': 'The post from {from} ("{subject}") was discarded.',
  'moderation.defer': 'The post from {from} ("{subject}") stays held (deferred).',
  'moderation.unknown': 'No held post has this token (moderated already, or never issued). Nothing was changed.',
  'moderation.usage': 'Usage: approve TOKEN, reject TOKEN [reason], discard TOKEN or defer TOKEN',
  'summary.subject': '{count} {list} moderator request(s) waiting',
  'summary.intro': 'These requests to the {list} mailing list wait for a moderator:',
  'summary.held': 'Held posts ({count}):',
  'summary.heldLine': '  #{id}  {date}\n      from {from}: {subject}\n      reason: {reason}{deferred}',
  'summary.deferred': ' (deferred)',
  'summary.subscriptions': 'Subscriptions waiting for approval ({count}):',
  'summary.subscriptionLine': '  #{id}  {date}  {address}',
  'summary.howTo': 'Reply to a post\u2019s moderation notice to decide on it, or send "approve TOKEN", "reject TOKEN REASON", "discard TOKEN" or "defer TOKEN" to {request} with the token of its notice; subscriptions are decided by the list\u2019s administrators.',
  'reason.filtered': 'nothing was left of the message after the list’s content filtering',
  'cmd.set.myposts': '{address} now receives {state} own posts.',
  'cmd.set.mypostsOn': 'its',
  'cmd.set.mypostsOff': 'none of its',
  'cmd.set.ack': 'Acknowledgements of posts from {address} are now {state}.',
  'cmd.set.hide': '{address} is now {state} the member list.',
  'cmd.set.hidden': 'left out of',
  'cmd.set.shown': 'shown in',
  'ack.subject': '{list} post acknowledgement',
  'ack.body': 'Your message to {list} with the subject\n\n    {subject}\n\nwas received and sent to the members.\n\nYou get this acknowledgement because you asked for one ("set ack on"); "set ack off" to {request} turns it off.',
  'confirm.invite.body': 'The owners of the {list} mailing list{description} invite {address} to join it.\n\nTo accept, reply to this message (keep the subject), or send a message to {confirmAddress}, or send\n\n    confirm {token}\n\nto {request}.\n\nIf you do not want to join, ignore this message: nothing happens and the invitation expires on {expires}.',
  'confirm.set.subject': 'confirm {token}',
  'confirm.set.body': 'We have received a request to change the options of {address} on the {list} mailing list: set {change}.\n\nTo confirm, reply to this message (keep the subject), or send a message to {confirmAddress}, or send\n\n    confirm {token}\n\nto {request}.\n\nIf you did not ask for this, ignore this message: nothing changes and the request expires on {expires}.',
  'cmd.set.confirmSent': 'If {address} is a member of {list}, a confirmation request was mailed to it: "set {change}" is made once it is confirmed.',
} as const;

export type MessageId = keyof typeof EN;
export type Catalogue = Record<MessageId, string>;
