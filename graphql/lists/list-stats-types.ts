import { DateTimeISOResolver } from 'graphql-scalars';
import { Field, Int, ObjectType, registerEnumType } from 'type-graphql';
import { ModerationAction } from './list-types';

@ObjectType('ListMembersByDelivery', { description: 'Members by delivery state.' })
export class ListMembersByDeliveryType {
  @Field(() => Int)
  enabled!: number;
  @Field(() => Int)
  byMember!: number;
  @Field(() => Int)
  byOwner!: number;
  @Field(() => Int)
  byBounces!: number;
}

@ObjectType('ListMembersByDigest', { description: 'Members by digest mode.' })
export class ListMembersByDigestType {
  @Field(() => Int)
  off!: number;
  @Field(() => Int)
  mime!: number;
  @Field(() => Int)
  plain!: number;
}

@ObjectType('ListPostDay')
export class ListPostDayType {
  @Field(() => String, { description: 'The UTC day, YYYY-MM-DD.' })
  day!: string;
  @Field(() => Int, { description: 'Posts sent to the members that day.' })
  posts!: number;
}

@ObjectType('ListStats', { description: 'A list\u2019s figures, each counted in SQL (a 100,000-member list is not read).' })
export class ListStatsType {
  @Field(() => Int)
  members!: number;
  @Field(() => ListMembersByDeliveryType)
  byDelivery!: ListMembersByDeliveryType;
  @Field(() => ListMembersByDigestType)
  byDigest!: ListMembersByDigestType;
  @Field(() => [ListPostDayType], { description: 'Posts sent to the members per UTC day, oldest first, every day of the period (0 on days without).' })
  postsPerDay!: ListPostDayType[];
  @Field(() => Int)
  heldPosts!: number;
  @Field(() => Int, { description: 'Subscribe and unsubscribe requests waiting for their address\u2019s confirmation (not expired).' })
  pendingConfirmations!: number;
  @Field(() => Int, { description: 'Confirmed subscriptions waiting for an owner\u2019s approval.' })
  pendingApprovals!: number;
  @Field(() => Int, { description: 'Members with a bounce score above 0.' })
  bouncingMembers!: number;
  @Field(() => Int, { description: 'Members whose delivery bounces have disabled.' })
  disabledByBounces!: number;
}

export enum ListEventKind {
  POST_SENT = 'post-sent',
  MEMBER_JOINED = 'member-joined',
  MEMBER_LEFT = 'member-left',
  POST_HELD = 'post-held',
  POST_DECIDED = 'post-decided',
  MEMBER_DISABLED = 'member-disabled',
}
registerEnumType(ListEventKind, { name: 'ListEventKind', description: 'A post sent to the members, a member joined or left, a post held or decided by a moderator, a member disabled by bounces.' });

@ObjectType('ListEvent', { description: 'Something that happened on a list, told once it is committed.' })
export class ListEventType {
  @Field(() => ListEventKind)
  kind!: string;
  @Field(() => String, { description: 'The list\u2019s address.' })
  list!: string;
  @Field(() => DateTimeISOResolver)
  at!: Date;
  @Field(() => String, { nullable: true, description: 'The member concerned, or the post\u2019s From.' })
  address?: string;
  @Field(() => String, { nullable: true })
  subject?: string;
  @Field(() => Int, { nullable: true, description: 'POST_SENT: the members it went to.' })
  recipients?: number;
  @Field(() => ModerationAction, { nullable: true, description: 'POST_DECIDED: what the moderator decided.' })
  action?: string;
}

@ObjectType('MailingListPages', { description: 'The web paths of a list\u2019s pages on this server (docs/lists.md "Web pages").' })
export class MailingListPagesType {
  @Field(() => String, { description: 'The info page with the subscribe form.' })
  info!: string;
  @Field(() => String, { description: 'A member\u2019s options (after logging in).' })
  options!: string;
  @Field(() => String, { description: 'The owners\u2019 settings page.' })
  owner!: string;
  @Field(() => String, { description: 'The owners\u2019 members page (paged, searched, bulk add and remove).' })
  members!: string;
  @Field(() => String, { description: 'The moderators\u2019 page of held posts.' })
  moderation!: string;
  @Field(() => String, { description: 'The archive\u2019s periods and search.' })
  archive!: string;
}
