import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { simpleMessage, smtpSend } from '../helpers/smtp';
import { changingControls, navPaths, pageProblems, screenshot, skipReason, startConsole, textOf, visit, type ConsoleHarness } from './harness';

/**
 * The MONITOR role sees every pane and no control that changes anything: on each pane of the
 * navigation (the administration panes too, as they are added), every button, field and
 * switch in the pane is one that only changes the view (marked data-view).
 */
describe('console: a MONITOR account sees no control that changes anything', { skip: skipReason() }, () => {
  let h: ConsoleHarness;
  before(async () => {
    h = await startConsole({ users: [{ shortName: 'alice', password: 'alice-password-1' }], settings: { holdOutbound: true } });
    h.t.engine.ctx.directory.createAlias('friend', ['friend@remote.test']);
    // Something in the queue, so its table (and the selection an admin would get) is shown.
    await smtpSend(h.t.ports.smtp, 'bob@example.org', ['friend@example.test'], simpleMessage('for the monitor to see'));
    await h.t.engine.ctx.queue.idle();
    await h.t.engine.ctx.admins.create('watcher', 'watcher-password-1', 'monitor');
  });
  after(() => h?.close());

  it('on every pane of the navigation', async () => {
    const admin = await h.loggedIn();
    const adminPaths = await navPaths(admin);
    // The same mechanism shows an administrator the controls (so the check below is not vacuous).
    await visit(admin, h.base, '/overview');
    assert.ok((await changingControls(admin)).length > 0, 'an admin sees the protocol switches');
    await admin.close();

    const page = await h.loggedIn('watcher', 'watcher-password-1');
    assert.match((await textOf(page, '.account')) ?? '', /monitor/);
    const paths = await navPaths(page);
    assert.deepEqual(paths, adminPaths, 'a monitor sees every pane an admin sees');
    for (const pathname of paths) {
      await visit(page, h.base, pathname);
      assert.deepEqual(await changingControls(page), [], `${pathname}: controls a monitor cannot use`);
      assert.equal((await page.$$('main [data-changes]')).length, 0, `${pathname}: marked controls`);
      await screenshot(page, `monitor-${pathname.slice(1)}-desktop`);
    }
    assert.deepEqual(pageProblems(page), []);
    await page.close();
  });
});
