import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

/**
 * The failregex of the fail2ban filter in docs/security.md as a JavaScript regular
 * expression, with fail2ban's <HOST> as the named group `host`, so tests check the
 * documented filter against real log lines.
 */
export function fail2banRegex(): RegExp {
  const doc = fs.readFileSync(path.join(__dirname, '..', '..', '..', 'docs', 'security.md'), 'utf8');
  const m = /^failregex = (.+)$/m.exec(doc);
  assert.ok(m, 'docs/security.md has a fail2ban filter');
  return new RegExp(m[1].replace('<HOST>', '(?<host>[0-9A-Fa-f.:]+)'));
}
