import { Arg, Args, Authorized, Ctx, FieldResolver, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { listAddresses } from '../../server/lists/addresses';
import { archiveMboxPath, archiveMessagePath } from '../../server/lists/archive';
import type { ModerationAction as Action } from '../../server/lists/lists';
import type { MemberFileKind } from '../../server/lists/mailman-import';
import type { DeliveryState, DigestMode as Digest, ListMember, ListSettings, MailingList, PendingRequest } from '../../server/lists/types';
import type { GraphqlContext } from '../context';
import { badInput, notFound } from '../errors';
import { type Connection, PageArgs, decodeCursor, encodeCursor, pageSize, paginate } from '../pagination';
import {
  AddListMembersInput,
  ArchiveOrder,
  ArchivePeriodType,
  ArchivedPostConnection,
  ArchivedPostType,
  AddListMembersPayload,
  CreateListInput,
  DecideSubscriptionInput,
  DeleteListInput,
  HeldPostType,
  ImportMailmanListInput,
  ImportMailmanListPayload,
  ListMemberConnection,
  ListMemberType,
  MailingListConnection,
  MailingListType,
  MemberDelivery,
  ModeratePostInput,
  PendingSubscriptionType,
  RemoveListMembersInput,
  RemoveListMembersPayload,
  SendListDigestInput,
  UpdateListInput,
  UpdateListMemberInput,
} from './list-types';

const toList = (l: MailingList): Omit<MailingListType, 'memberCount'> => ({ ...l, addresses: listAddresses(l.name, l.domain), createdAt: new Date(l.createdAt) });
const toMember = (m: ListMember): ListMemberType => ({ ...m, createdAt: new Date(m.createdAt) });
const toPending = (p: PendingRequest): PendingSubscriptionType => ({ id: p.id, address: p.displayAddress, name: p.name, digest: p.digest, createdAt: p.createdAt });

/** The settings fields an input gives (the rest stay as they are). */
function settingsOf(input: Partial<Record<keyof ListSettings, unknown>>): Partial<ListSettings> {
  const keys: (keyof ListSettings)[] = ['description', 'info', 'owners', 'language', 'selfSubscribe', 'subscriptionApproval', 'subjectPrefix', 'replyTo', 'maxMessageKb', 'nonMemberAction', 'confirmDays', 'roster', 'personalize', 'welcomeText', 'goodbyeText', 'bounceProcessing', 'bounceScoreThreshold', 'bounceStaleDays', 'bounceWarnings', 'bounceWarningIntervalDays', 'bounceNotifyOwnerOnDisable', 'bounceNotifyOwnerOnRemoval', 'digestSizeKb', 'digestPeriodic', 'digestVolumeFrequency', 'archive', 'archivePrivate', 'archiveVolumeFrequency', 'moderators', 'moderated', 'senderRules', 'bans', 'notifyModerators', 'messageHeader', 'messageFooter', 'digestHeader', 'digestFooter', 'filterContent', 'filterMimeTypes', 'passMimeTypes', 'filterFilenameExtensions', 'passFilenameExtensions', 'collapseAlternatives', 'convertHtmlToPlaintext', 'filterAction', 'dmarcMitigation'];
  const out: Record<string, unknown> = {};
  for (const k of keys) if (input[k] !== undefined && input[k] !== null) out[k] = input[k];
  return out as Partial<ListSettings>;
}

function findList(ctx: GraphqlContext, address: string): MailingList {
  const list = ctx.engine.lists.byAddress(address.trim());
  if (!list) throw notFound(`the list ${address}`);
  return list;
}

/** Mailing lists (docs/lists.md). The rules live in server/lists/; this translates and authorises. */
@Resolver(() => MailingListType)
export class ListResolver {
  @FieldResolver(() => Int)
  memberCount(@Root() list: MailingListType, @Ctx() ctx: GraphqlContext): number {
    return ctx.engine.lists.store.memberCount(list.id);
  }

  @Authorized()
  @Query(() => MailingListConnection)
  lists(
    @Args(() => PageArgs) page: PageArgs,
    @Arg('search', () => String, { nullable: true, description: 'Part of a list\u2019s address or description.' }) search: string | undefined,
    @Ctx() ctx: GraphqlContext,
  ): Connection<Omit<MailingListType, 'memberCount'>> {
    const needle = search?.trim().toLowerCase();
    const lists = ctx.engine.lists.all().filter((l) => !needle || l.address.includes(needle) || l.description.toLowerCase().includes(needle));
    return paginate(lists.map(toList), (l) => l.address, page);
  }

  @Authorized()
  @Query(() => MailingListType, { nullable: true, description: 'A list by its address, or by name and domain.' })
  list(
    @Arg('address', () => String, { nullable: true }) address: string | undefined,
    @Arg('name', () => String, { nullable: true }) name: string | undefined,
    @Arg('domain', () => String, { nullable: true }) domain: string | undefined,
    @Ctx() ctx: GraphqlContext,
  ): Omit<MailingListType, 'memberCount'> | null {
    if (!address && !(name && domain)) throw badInput('give address, or name and domain', 'address');
    const list = address ? ctx.engine.lists.byAddress(address.trim()) : ctx.engine.lists.byName((name as string).trim(), (domain as string).trim());
    return list ? toList(list) : null;
  }

  @Authorized()
  @Query(() => ListMemberConnection)
  listMembers(
    @Arg('list', () => String, { description: 'The list\u2019s address.' }) address: string,
    @Args(() => PageArgs) page: PageArgs,
    @Arg('search', () => String, { nullable: true, description: 'Part of an address or name.' }) search: string | undefined,
    @Arg('delivery', () => MemberDelivery, { nullable: true }) delivery: string | undefined,
    @Ctx() ctx: GraphqlContext,
  ): Connection<ListMemberType> {
    const list = findList(ctx, address);
    const limit = pageSize(page);
    const after = page.after ? decodeCursor(page.after) : undefined;
    // Paged in SQL by address: a list of 100,000 members is never read whole.
    const { members, total } = ctx.engine.lists.members(list.id, { search: search?.trim() || undefined, delivery: delivery as DeliveryState | undefined, after, limit: limit + 1 });
    const nodes = members.slice(0, limit).map(toMember);
    const edges = nodes.map((node) => ({ cursor: encodeCursor(node.address), node }));
    return {
      edges,
      nodes,
      totalCount: total,
      pageInfo: { hasNextPage: members.length > limit, hasPreviousPage: after !== undefined, startCursor: edges[0]?.cursor, endCursor: edges[edges.length - 1]?.cursor },
    };
  }

  @Authorized()
  @Query(() => [ArchivePeriodType], { description: 'The periods of a list\u2019s archive, newest first.' })
  listArchivePeriods(@Arg('list', () => String) address: string, @Ctx() ctx: GraphqlContext): ArchivePeriodType[] {
    const list = findList(ctx, address);
    return ctx.engine.lists.archivePeriods(list.id).map((p) => ({ ...p, mboxPath: archiveMboxPath(list.address, p.period) }));
  }

  @Authorized()
  @Query(() => ArchivedPostConnection, { description: 'A list\u2019s archived posts (paged in SQL), of one period or all, found by words of the subject, sender or text.' })
  listArchive(
    @Arg('list', () => String) address: string,
    @Args(() => PageArgs) page: PageArgs,
    @Arg('period', () => String, { nullable: true }) period: string | undefined,
    @Arg('search', () => String, { nullable: true, description: 'Words that every post found has (the last also as the start of a word).' }) search: string | undefined,
    @Arg('order', () => ArchiveOrder, { defaultValue: 'date' }) order: string,
    @Ctx() ctx: GraphqlContext,
  ): Connection<ArchivedPostType> {
    const list = findList(ctx, address);
    const limit = pageSize(page);
    const offset = page.after ? Number(decodeCursor(page.after)) + 1 : 0;
    if (!Number.isInteger(offset) || offset < 0) throw badInput('not a cursor of this query', 'after');
    const { posts, total } = ctx.engine.lists.archivedPosts(list.id, { period: period?.trim() || undefined, search, order: order as 'date' | 'thread' | 'author', offset, limit: limit + 1 });
    const nodes = posts.slice(0, limit).map((p) => ({ ...p, rawPath: archiveMessagePath(list.address, p.id) }));
    const edges = nodes.map((node, i) => ({ cursor: encodeCursor(String(offset + i)), node }));
    return {
      edges,
      nodes,
      totalCount: total,
      pageInfo: { hasNextPage: posts.length > limit, hasPreviousPage: offset > 0, startCursor: edges[0]?.cursor, endCursor: edges[edges.length - 1]?.cursor },
    };
  }

  @Authorized()
  @Query(() => [HeldPostType], { description: 'Posts waiting for a moderator, oldest first.' })
  heldPosts(@Arg('list', () => String) address: string, @Ctx() ctx: GraphqlContext): HeldPostType[] {
    return ctx.engine.lists.heldPosts(findList(ctx, address).id).map((p) => ({ ...p, from: p.fromAddress }));
  }

  @Authorized()
  @Query(() => [PendingSubscriptionType], { description: 'Confirmed subscriptions waiting for an owner (lists with subscriptionApproval).' })
  pendingSubscriptions(@Arg('list', () => String) address: string, @Ctx() ctx: GraphqlContext): PendingSubscriptionType[] {
    return ctx.engine.lists.pendingSubscriptions(findList(ctx, address).id).map(toPending);
  }

  @Authorized('admin')
  @Mutation(() => MailingListType)
  createList(@Arg('input', () => CreateListInput) input: CreateListInput, @Ctx() ctx: GraphqlContext): Omit<MailingListType, 'memberCount'> {
    const list = ctx.engine.lists.create({ ...settingsOf(input as Partial<Record<keyof ListSettings, unknown>>), name: input.name, domain: input.domain, owners: input.owners });
    return toList(list);
  }

  @Authorized('admin')
  @Mutation(() => MailingListType)
  updateList(@Arg('input', () => UpdateListInput) input: UpdateListInput, @Ctx() ctx: GraphqlContext): Omit<MailingListType, 'memberCount'> {
    const list = findList(ctx, input.list);
    return toList(ctx.engine.lists.update(list.id, settingsOf(input as Partial<Record<keyof ListSettings, unknown>>)));
  }

  @Authorized('admin')
  @Mutation(() => MailingListType, { description: 'Sends the posts gathered since the last digest issue as the next issue now (nothing when none wait); the list afterwards.' })
  async sendListDigest(@Arg('input', () => SendListDigestInput) input: SendListDigestInput, @Ctx() ctx: GraphqlContext): Promise<Omit<MailingListType, 'memberCount'>> {
    const list = findList(ctx, input.list);
    await ctx.engine.lists.sendDigestNow(list.id);
    return toList(ctx.engine.lists.list(list.id) as MailingList);
  }

  @Authorized('admin')
  @Mutation(() => Boolean, { description: 'Deletes the list with its members, pending requests and held posts.' })
  deleteList(@Arg('input', () => DeleteListInput) input: DeleteListInput, @Ctx() ctx: GraphqlContext): boolean {
    ctx.engine.lists.delete(findList(ctx, input.list).id);
    return true;
  }

  @Authorized('admin')
  @Mutation(() => AddListMembersPayload)
  async addListMembers(@Arg('input', () => AddListMembersInput) input: AddListMembersInput, @Ctx() ctx: GraphqlContext): Promise<AddListMembersPayload> {
    if (input.members.length > 10_000) throw badInput('at most 10,000 members at a time', 'members');
    const list = findList(ctx, input.list);
    return ctx.engine.lists.addMembers(list.id, input.members.map((m) => ({ address: m.address, name: m.name, digest: m.digest as Digest | undefined })), { welcome: input.welcome, confirm: input.confirm });
  }

  @Authorized('admin')
  @Mutation(() => RemoveListMembersPayload)
  async removeListMembers(@Arg('input', () => RemoveListMembersInput) input: RemoveListMembersInput, @Ctx() ctx: GraphqlContext): Promise<RemoveListMembersPayload> {
    if (input.addresses.length > 10_000) throw badInput('at most 10,000 addresses at a time', 'addresses');
    const list = findList(ctx, input.list);
    return ctx.engine.lists.removeMembers(list.id, input.addresses, { goodbye: input.goodbye, confirm: input.confirm });
  }

  @Authorized('admin')
  @Mutation(() => ListMemberType)
  updateListMember(@Arg('input', () => UpdateListMemberInput) input: UpdateListMemberInput, @Ctx() ctx: GraphqlContext): ListMemberType {
    const list = findList(ctx, input.list);
    const { list: _list, address, ...patch } = input;
    const defined = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined && v !== null));
    return toMember(ctx.engine.lists.updateMember(list.id, address, defined as Parameters<typeof ctx.engine.lists.updateMember>[2]));
  }

  @Authorized('admin')
  @Mutation(() => HeldPostType, { description: 'APPROVE sends the post to the members; REJECT tells the poster (with the reason); DISCARD drops it; DEFER keeps it held, marked.' })
  async moderatePost(@Arg('input', () => ModeratePostInput) input: ModeratePostInput, @Ctx() ctx: GraphqlContext): Promise<HeldPostType> {
    const post = await ctx.engine.lists.moderate(input.id, input.action as Action, input.reason);
    return { ...post, from: post.fromAddress };
  }

  @Authorized('admin')
  @Mutation(() => PendingSubscriptionType, { description: 'APPROVE makes the address a member (welcomed); REFUSE drops the request.' })
  async decideSubscription(@Arg('input', () => DecideSubscriptionInput) input: DecideSubscriptionInput, @Ctx() ctx: GraphqlContext): Promise<PendingSubscriptionType> {
    return toPending(await ctx.engine.lists.decideSubscription(input.id, input.decision === 'approve'));
  }

  @Authorized('admin')
  @Mutation(() => ImportMailmanListPayload, { description: 'Creates a list from a Mailman 2.1 list\u2019s settings (config_list -o) and members (list_members); what is not taken over is reported.' })
  async importMailmanList(@Arg('input', () => ImportMailmanListInput) input: ImportMailmanListInput, @Ctx() ctx: GraphqlContext): Promise<ImportMailmanListPayload> {
    if (input.members.reduce((n, m) => n + m.text.length, input.config.length) > 50_000_000) throw badInput('at most 50 MB of settings and members at a time', 'members');
    const r = await ctx.engine.lists.importMailman({ domain: input.domain, name: input.name, config: input.config, members: input.members.map((m) => ({ kind: m.kind as MemberFileKind, text: m.text })) });
    return { ...r, list: toList(r.list) };
  }
}
