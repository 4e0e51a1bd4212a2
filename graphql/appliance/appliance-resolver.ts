import { Arg, Authorized, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import type { FirmwareRequest, SystemImage } from '../../server/firmware/types';
import type { GraphqlContext } from '../context';
import { badInput } from '../errors';
import {
  ApplianceType,
  FetchSystemImageInput,
  type FirmwareAction,
  FirmwareRequestState,
  FirmwareRequestType,
  ScheduleFactoryResetInput,
  ScheduleSystemRollbackInput,
  ScheduleSystemUpdateInput,
  SystemImageNameInput,
  SystemImageType,
} from './appliance-types';

const SHA256 = /^[0-9a-fA-F]{64}$/;

/**
 * Updates and factory reset through the API. The engine only writes the request; the
 * appliance's firmware agent (root) carries it out and reports back (docs/appliance.md).
 */
@Resolver()
export class ApplianceResolver {
  @Authorized()
  @Query(() => ApplianceType)
  appliance(@Ctx() ctx: GraphqlContext): ApplianceType {
    const { firmware } = ctx.engine;
    const status = firmware.agentStatus();
    const pending = firmware.pendingRequest();
    const last = status?.lastRequest;
    const scheduled = pending && last?.id === pending.id && last.state === 'scheduled';
    return {
      available: !!status,
      runningSlot: status?.runningSlot ?? null,
      defaultSlot: status?.defaultSlot ?? null,
      trialSlot: status?.trialSlot ?? null,
      systemVersion: status?.systemVersion ?? null,
      history: status?.history ?? [],
      reportedAt: status ? new Date(status.updatedAt) : null,
      pendingRequest: pending ? toRequest(pending, scheduled ? FirmwareRequestState.SCHEDULED : FirmwareRequestState.PENDING, scheduled ? last.message : `asked by ${pending.requestedBy}`) : null,
      lastRequest:
        last && last.id !== pending?.id
          ? { id: last.id, action: last.action as FirmwareAction, image: null, notBefore: null, state: last.state as FirmwareRequestState, message: last.message }
          : null,
      images: firmware.images().map(toImage),
    };
  }

  @Authorized('admin')
  @Mutation(() => SystemImageType, { description: 'Starts downloading a system image; `appliance.images` shows its progress.' })
  fetchSystemImage(@Arg('input', () => FetchSystemImageInput) input: FetchSystemImageInput, @Ctx() ctx: GraphqlContext): SystemImageType {
    if (input.sha256 !== undefined && input.sha256 !== null && !SHA256.test(input.sha256)) throw badInput('sha256 must be 64 hexadecimal digits', 'sha256');
    void ctx.engine.firmware.fetchImage(input.name, input.url, input.sha256 ?? undefined).catch(() => undefined);
    const image = ctx.engine.firmware.images().find((i) => i.name === input.name);
    ctx.log.message('system image download started', { name: input.name, url: input.url, by: ctx.admin?.username });
    return toImage(image ?? { name: input.name, size: 0, addedAt: new Date(), fetchingFrom: input.url });
  }

  @Authorized('admin')
  @Mutation(() => Boolean)
  deleteSystemImage(@Arg('input', () => SystemImageNameInput) input: SystemImageNameInput, @Ctx() ctx: GraphqlContext): boolean {
    ctx.engine.firmware.deleteImage(input.name);
    return true;
  }

  @Authorized('admin')
  @Mutation(() => FirmwareRequestType, { description: 'Writes the image to the inactive system slot and reboots into it on trial; rolled back if the engine is not healthy.' })
  scheduleSystemUpdate(@Arg('input', () => ScheduleSystemUpdateInput) input: ScheduleSystemUpdateInput, @Ctx() ctx: GraphqlContext): FirmwareRequestType {
    return made(ctx, 'update', { image: input.image, notBefore: input.at ?? undefined });
  }

  @Authorized('admin')
  @Mutation(() => FirmwareRequestType, { description: 'Makes the other system slot the default again and reboots.' })
  scheduleSystemRollback(@Arg('input', () => ScheduleSystemRollbackInput) input: ScheduleSystemRollbackInput, @Ctx() ctx: GraphqlContext): FirmwareRequestType {
    return made(ctx, 'rollback', { notBefore: input.at ?? undefined });
  }

  @Authorized('admin')
  @Mutation(() => FirmwareRequestType, { description: 'Erases the data partition (all mail, users, settings) and reboots into a first boot.' })
  scheduleFactoryReset(@Arg('input', () => ScheduleFactoryResetInput) input: ScheduleFactoryResetInput, @Ctx() ctx: GraphqlContext): FirmwareRequestType {
    if (input.confirm !== 'ERASE') throw badInput('type ERASE in confirm: a factory reset erases all mail, users and settings', 'confirm');
    return made(ctx, 'factory-reset', { notBefore: input.at ?? undefined });
  }

  @Authorized('admin')
  @Mutation(() => FirmwareRequestType, { description: 'Withdraws the pending request, unless the agent has started on it.' })
  cancelFirmwareRequest(@Ctx() ctx: GraphqlContext): FirmwareRequestType {
    return toRequest(ctx.engine.firmware.cancel(ctx.admin?.username ?? 'admin'), FirmwareRequestState.CANCELLED, `cancelled by ${ctx.admin?.username ?? 'admin'}`);
  }
}

function made(ctx: GraphqlContext, action: FirmwareRequest['action'], options: { image?: string; notBefore?: Date }): FirmwareRequestType {
  const request = ctx.engine.firmware.request(action, { ...options, by: ctx.admin?.username ?? 'admin' });
  return toRequest(request, FirmwareRequestState.PENDING, `asked by ${request.requestedBy}`);
}

function toRequest(r: FirmwareRequest, state: FirmwareRequestState, message: string): FirmwareRequestType {
  return { id: r.id, action: r.action as FirmwareAction, image: r.image ?? null, notBefore: new Date(r.notBefore * 1000), state, message };
}

function toImage(i: SystemImage): SystemImageType {
  return { name: i.name, size: i.size, sha256: i.sha256 ?? null, addedAt: i.addedAt, fetchingFrom: i.fetchingFrom ?? null };
}
