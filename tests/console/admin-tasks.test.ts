import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { gqlOk, login as apiLogin } from '../graphql/client';
import { DESKTOP, PHONE, assertAccessible, clickButton, fill, pageProblems, screenshot, skipReason, startConsole, textOf, visit, type ConsoleHarness } from './harness';

/**
 * The seed's tasks in the administration panes, done in the browser as an administrator
 * would, then checked through GraphQL: create a user with a quota and aliases, change the
 * relay settings (and see the API's error next to a bad value), run a job and see its run.
 */
// What the functions run in the page touch (the tests' TypeScript program has no DOM library).
interface PageElement {
  textContent: string | null;
  value: string;
  getAttribute(name: string): string | null;
  click(): void;
}
declare const document: { querySelector(s: string): PageElement | null; querySelectorAll(s: string): Iterable<PageElement> & ArrayLike<PageElement> };
declare const location: { pathname: string };

describe('console: the seed\u2019s administration tasks', { skip: skipReason() }, () => {
  let h: ConsoleHarness;
  let token: string;
  before(async () => {
    h = await startConsole({ users: [{ shortName: 'alice', password: 'alice-password-1', quotaMb: 5 }] });
    token = await apiLogin(h.t.ports.http);
  });
  after(() => h?.close());

  it('creates a user with a quota and aliases, and GraphQL has them', async () => {
    const page = await h.loggedIn();
    await visit(page, h.base, '/accounts', DESKTOP);
    await page.waitForFunction(() => document.querySelector('main [role=table]')?.textContent?.includes('alice'));
    await page.click('main a[href="/accounts/new"]');
    await page.waitForSelector('form[aria-label="Mail settings"]');
    await fill(page, 'Short name', 'bruno');
    await fill(page, 'Full name', 'Bruno Diaz');
    await fill(page, 'Password', 'bruno-password-1');
    await fill(page, 'Mail quota (MB)', '250');
    await fill(page, 'Additional names (aliases)', 'bdiaz\nbruno.diaz');
    await clickButton(page, 'Create user');
    await page.waitForFunction(() => /^\/accounts\/\d+$/.test(location.pathname));
    await page.waitForFunction(() => document.querySelector('main h1')?.textContent === 'User bruno');
    await screenshot(page, 'accounts-user-desktop');
    await assertAccessible(page, 'a user\u2019s mail tab');
    const { user } = await gqlOk<{ user: { quotaMb: number; names: string[]; fullName: string; mailEnabled: boolean } }>(h.t.ports.http, '{ user(shortName: "bruno") { quotaMb names fullName mailEnabled } }', { token });
    assert.deepEqual(user, { quotaMb: 250, names: ['bdiaz', 'bruno.diaz'], fullName: 'Bruno Diaz', mailEnabled: true });

    // A bad quota: the API's error shows next to the field, and nothing changes.
    await fill(page, 'Mail quota (MB)', '-3');
    await clickButton(page, 'Save');
    await page.waitForSelector('.field-invalid .field-error');
    assert.match((await textOf(page, '.field-invalid label')) ?? '', /Mail quota/);
    assert.equal((await gqlOk<{ user: { quotaMb: number } }>(h.t.ports.http, '{ user(shortName: "bruno") { quotaMb } }', { token })).user.quotaMb, 250);

    await visit(page, h.base, '/accounts', PHONE);
    await page.type('#account-search', 'diaz');
    await page.waitForFunction(() => {
      const t = document.querySelector('main [role=table]')?.textContent ?? '';
      return t.includes('bruno') && !t.includes('alice');
    });
    await screenshot(page, 'accounts-search-phone');
    assert.deepEqual(pageProblems(page), []);
    await page.close();
  });

  it('changes the relay settings, and shows the API\u2019s error next to a bad value', async () => {
    const page = await h.loggedIn();
    await visit(page, h.base, '/relay', DESKTOP);
    await page.waitForSelector('form[aria-label="Relay settings"] textarea[name=relayAllowedHosts]');
    await page.$eval('textarea[name=relayAllowedHosts]', (el) => ((el as unknown as PageElement).value = ''));
    await page.type('textarea[name=relayAllowedHosts]', '192.168.40.0/21\n10.0.0.0/');
    await page.$eval('textarea[name=rblServers]', (el) => ((el as unknown as PageElement).value = ''));
    await page.type('textarea[name=rblServers]', 'zen.spamhaus.org');
    await clickButton(page, 'Save');
    await page.waitForSelector('.field-invalid textarea[name=relayAllowedHosts]');
    assert.match((await textOf(page, '.field-invalid .field-error')) ?? '', /INVALID_SETTING.*10\.0\.0\.0\//);
    await screenshot(page, 'relay-error-desktop');
    await assertAccessible(page, 'the relay pane with an error');
    let settings = (await gqlOk<{ settings: { relayAllowedHosts: string[]; rblServers: string[] } }>(h.t.ports.http, '{ settings { relayAllowedHosts rblServers } }', { token })).settings;
    assert.deepEqual(settings.rblServers, [], 'a refused change changes nothing');

    await page.$eval('textarea[name=relayAllowedHosts]', (el) => ((el as unknown as PageElement).value = ''));
    await page.type('textarea[name=relayAllowedHosts]', '192.168.40.0/21\n10.0.0.0/8');
    await clickButton(page, 'Save');
    await page.waitForFunction(() => document.querySelector('main .saved')?.textContent?.includes('Saved'));
    settings = (await gqlOk<{ settings: { relayAllowedHosts: string[]; rblServers: string[] } }>(h.t.ports.http, '{ settings { relayAllowedHosts rblServers } }', { token })).settings;
    assert.deepEqual(settings, { relayAllowedHosts: ['192.168.40.0/21', '10.0.0.0/8'], rblServers: ['zen.spamhaus.org'] });
    await visit(page, h.base, '/relay', PHONE);
    await screenshot(page, 'relay-saved-phone');
    assert.deepEqual(pageProblems(page), []);
    await page.close();
  });

  it('runs a job now and shows its run', async () => {
    const page = await h.loggedIn();
    await visit(page, h.base, '/jobs/log-archive', DESKTOP);
    await clickButton(page, 'Run now: log-archive');
    await page.waitForFunction(() => {
      const rows = [...document.querySelectorAll('main [role=table] [role=row]')].map((r) => r.textContent ?? '');
      return rows.some((r) => r.includes('log-archive') && r.includes('manual') && /OK|Failed/.test(r));
    });
    await screenshot(page, 'jobs-run-desktop');
    await assertAccessible(page, 'the jobs pane after a run');
    const runs = await gqlOk<{ jobRuns: { nodes: { job: string; trigger: string }[] } }>(h.t.ports.http, '{ jobRuns(job: "log-archive", first: 5) { nodes { job trigger } } }', { token });
    assert.equal(runs.jobRuns.nodes[0]?.trigger, 'MANUAL');
    assert.deepEqual(pageProblems(page), []);
    await page.close();
  });
});
