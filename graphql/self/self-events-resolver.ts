import { DateTimeISOResolver } from 'graphql-scalars';
import { Authorized, Field, Int, ObjectType, Resolver, Root, Subscription } from 'type-graphql';
import { USER_EVENT_KINDS, type UserEvent } from '../../server/directory/user-events';
import type { GraphqlContext } from '../context';
import { closedSet } from '../enums';
import { eventStream } from '../subscriptions';
import { me } from './self-resolver';

export const MyEventKind = closedSet(USER_EVENT_KINDS, {
  name: 'MyEventKind',
  meanings: {
    'new-message': 'A message arrived in one of your mailboxes (delivered, or put there by one of your mail clients).',
    'app-password-created': 'An app password was made for your account (by you or an administrator).',
    'app-password-revoked': 'An app password of yours was revoked (by you or an administrator).',
  },
});

@ObjectType('MyEvent', { description: 'Something that concerns the logged-in mail user, told as it happens.' })
export class MyEventType {
  @Field(() => MyEventKind)
  kind!: string;
  @Field(() => DateTimeISOResolver)
  at!: Date;
  @Field(() => String, { nullable: true, description: 'NEW_MESSAGE: the mailbox (INBOX, Junk, a folder).' })
  mailbox?: string;
  @Field(() => Int, { nullable: true, description: 'NEW_MESSAGE: the message\u2019s UID in that mailbox.' })
  uid?: number;
  @Field(() => String, { nullable: true, description: 'APP_PASSWORD_*: the app password\u2019s name.' })
  appPassword?: string;
}

/**
 * The USER role's subscription (over graphql-ws with the token from userLogin): the session's
 * own events only, picked by the user of the session, never by an argument.
 */
@Resolver()
export class SelfEventsResolver {
  @Authorized('user')
  @Subscription(() => MyEventType, {
    name: 'myEvents',
    description: 'Your new messages and app password changes, as they happen (a mail user\u2019s session).',
    subscribe: ({ context }) => {
      const userId = me(context as GraphqlContext).id;
      const { userEvents } = (context as GraphqlContext).engine;
      return eventStream(userEvents, ['event'], (_event, payload) => ((payload as UserEvent).userId === userId ? (payload as UserEvent) : undefined));
    },
  })
  myEvents(@Root() event: UserEvent): MyEventType {
    return event;
  }
}
