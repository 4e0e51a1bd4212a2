import { Link, useRoute } from 'wouter';
import { useMemo } from 'react';
import type { Pane } from './pane';
import { ErrorState, Loading } from '../ui/states';
import { SettingsForm, useSettingsMeta } from './settings-form';
import { SETTINGS_TABS, tabsFor } from './settings-tabs';

/** Server Admin's Mail Settings: the seed's tabs, each at its own URL (/settings/relay). */
function Settings() {
  const [, params] = useRoute<{ tab: string }>('/:tab');
  const { meta, error } = useSettingsMeta();
  const tabs = useMemo(() => (meta ? tabsFor([...meta.keys()]) : SETTINGS_TABS), [meta]);
  const tab = tabs.find((t) => t.id === params?.tab) ?? tabs[0];
  return (
    <>
      <h1>Settings</h1>
      <p className="lede">The mail service's settings, by the seed's tabs. A change takes effect at once, without a restart.</p>
      <nav className="tabs" aria-label="Settings tabs">
        {tabs.map((t) => (
          <Link key={t.id} href={`/${t.id}`} className="tab" aria-current={t.id === tab.id ? 'page' : undefined}>
            {t.title}
          </Link>
        ))}
      </nav>
      {error ? <ErrorState error={error} /> : !meta ? <Loading /> : <SettingsForm key={tab.id} title={`${tab.title} settings`} sections={tab.sections} />}
    </>
  );
}

export const settingsPane: Pane = { id: 'settings', title: 'Settings', group: 'Mail', component: Settings };
