import { EventEmitter } from 'node:events';
import type { Db } from '../db/database';
import { SETTINGS, type SettingKey, type Settings, defaultSettings } from './settings-schema';

export class SettingsError extends Error {
  constructor(
    readonly key: string,
    message: string,
  ) {
    super(`${key}: ${message}`);
  }
}

/**
 * Typed settings stored in the database. `update` validates everything first and
 * writes in one transaction, then emits `change` with the keys that changed, so
 * listeners and jobs reconfigure themselves without a restart.
 */
export class SettingsService extends EventEmitter {
  private current: Settings;

  constructor(private readonly db: Db) {
    super();
    this.current = defaultSettings();
    const rows = db.prepare('SELECT key, value FROM settings').all() as { key: string; value: string }[];
    const values = this.current as unknown as Record<string, unknown>;
    for (const row of rows) {
      if (row.key in SETTINGS) values[row.key] = JSON.parse(row.value);
    }
  }

  get(): Readonly<Settings> {
    return this.current;
  }

  value<K extends SettingKey>(key: K): Settings[K] {
    return this.current[key];
  }

  update(patch: Partial<Settings>): SettingKey[] {
    const next = { ...this.current };
    const changed: SettingKey[] = [];
    for (const [key, value] of Object.entries(patch) as [SettingKey, unknown][]) {
      if (value === undefined) continue;
      const spec = SETTINGS[key] as { default: unknown; check?: (v: unknown) => string | undefined } | undefined;
      if (!spec) throw new SettingsError(key, 'unknown setting');
      if (!sameShape(spec.default, value)) throw new SettingsError(key, `must be ${describeType(spec.default)}`);
      const problem = spec.check?.(value);
      if (problem) throw new SettingsError(key, problem);
      if (JSON.stringify(value) !== JSON.stringify(this.current[key])) {
        (next as Record<string, unknown>)[key] = value;
        changed.push(key);
      }
    }
    if (changed.length === 0) return changed;
    const upsert = this.db.prepare(
      'INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
    );
    this.db.transaction(() => {
      for (const key of changed) upsert.run(key, JSON.stringify(next[key]));
    })();
    this.current = next;
    this.emit('change', changed);
    return changed;
  }
}

function sameShape(reference: unknown, value: unknown): boolean {
  if (Array.isArray(reference)) return Array.isArray(value);
  return typeof reference === typeof value && value !== null;
}

function describeType(reference: unknown): string {
  if (Array.isArray(reference)) return 'a list';
  return `a ${typeof reference}`;
}
