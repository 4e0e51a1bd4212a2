import { EventEmitter } from 'node:events';

export const ALERT_KINDS = ['disk-space', 'queue-size', 'queue-age', 'job-failing', 'virus-database'] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

/** A condition that calls for the administrator, as one check found it. */
export interface AlertCondition {
  /** Names the condition and what it is about ("disk-space:/var/mail"): one alert per key. */
  key: string;
  kind: AlertKind;
  /** One line, for a mail subject and a dashboard. */
  summary: string;
  /** What was measured against which threshold, and what to do. */
  details: string;
}

export interface Alert extends AlertCondition {
  raisedAt: Date;
  /** Set when the condition no longer holds. */
  clearedAt?: Date;
}

/**
 * The alerts standing now. Each check hands in the conditions it found, for the kinds it
 * could look at: a condition not standing yet is raised (an `alert` event, once), one that
 * stands already changes nothing, and a standing one of a looked-at kind that was not found
 * again is cleared (an `alert` event with clearedAt). A kind that could not be looked at
 * (clamd unreachable) keeps its alerts as they are.
 */
export class AlertBoard extends EventEmitter {
  private readonly standing = new Map<string, Alert>();

  update(found: readonly AlertCondition[], looked: readonly AlertKind[], now = new Date()): { raised: Alert[]; cleared: Alert[] } {
    const raised: Alert[] = [];
    const cleared: Alert[] = [];
    const keys = new Set(found.map((c) => c.key));
    for (const [key, alert] of this.standing) {
      if (keys.has(key) || !looked.includes(alert.kind)) continue;
      this.standing.delete(key);
      const done = { ...alert, clearedAt: now };
      cleared.push(done);
      this.emit('alert', done);
    }
    for (const condition of found) {
      if (this.standing.has(condition.key)) continue;
      const alert = { ...condition, raisedAt: now };
      this.standing.set(condition.key, alert);
      raised.push(alert);
      this.emit('alert', alert);
    }
    return { raised, cleared };
  }

  /** The alerts standing, oldest first. */
  active(): Alert[] {
    return [...this.standing.values()].sort((a, b) => a.raisedAt.getTime() - b.raisedAt.getTime());
  }
}
