import { Arg, Authorized, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import { SETTINGS, type SettingKey, type Settings } from '../../server/config/settings-schema';
import type { GraphqlContext } from '../context';
import { defaultForApi, SettingDescriptionType, SettingsType, settingsForApi, UpdateSettingsInput } from './settings-types';

@Resolver()
export class SettingsResolver {
  @Authorized()
  @Query(() => SettingsType, { description: 'The current value of every setting.' })
  settings(@Ctx() ctx: GraphqlContext): Readonly<Settings> {
    return settingsForApi(ctx.engine.settings.get());
  }

  @Authorized()
  @Query(() => [SettingDescriptionType], { description: 'What each setting means, its default and the seed\u2019s name for it.' })
  settingDescriptions(): SettingDescriptionType[] {
    return Object.entries(SETTINGS).map(([key, spec]) => ({
      key,
      default: defaultForApi(key as SettingKey),
      seedName: spec.seedName,
      description: spec.description,
    }));
  }

  @Authorized('admin')
  @Mutation(() => SettingsType, {
    description: 'Changes the settings given. A bad value fails with INVALID_SETTING (extensions.field) and changes nothing.',
  })
  updateSettings(
    @Arg('input', () => UpdateSettingsInput) input: UpdateSettingsInput,
    @Ctx() ctx: GraphqlContext,
  ): Readonly<Settings> {
    // Input objects arrive as class instances with only the given fields set.
    const patch = { ...(input as Partial<Settings>) };
    if (patch.storeLocations) patch.storeLocations = patch.storeLocations.map((l) => ({ name: l.name, path: l.path }));
    const before = { ...ctx.engine.settings.get() };
    const changed = ctx.engine.settings.update(patch);
    if (changed.length) ctx.log.message('settings changed', { keys: changed, by: ctx.admin?.username });
    const after = ctx.engine.settings.get();
    ctx.changes = Object.fromEntries(changed.map((key) => [key, { from: before[key], to: after[key] }]));
    return settingsForApi(ctx.engine.settings.get());
  }
}
