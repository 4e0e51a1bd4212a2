import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { ADMIN_PASSWORD, startEngine, type TestEngine } from '../helpers/engine';
import type { Settings } from '../../server/config/settings-schema';
import type { CreateUserInput } from '../../server/directory/directory';

/**
 * Browser tests of the admin console: Debian's Chromium driven by puppeteer-core (nothing
 * downloads a browser), one browser per test file, a test engine behind it. Screenshots go
 * to test-artifacts/console/ at the top of the repository (git-ignored) for a person to look at.
 */
// The few browser objects the functions run in the page touch: declared here, in this module
// only, because the tests' TypeScript program has no DOM library (the engine's must not).
interface PageElement {
  tagName: string;
  textContent: string | null;
  value: string;
  href: string;
  getAttribute(name: string): string | null;
  closest(selector: string): PageElement | null;
  click(): void;
}
declare const document: { querySelector(s: string): PageElement | null; querySelectorAll(s: string): Iterable<PageElement> & ArrayLike<PageElement> };
declare const window: Record<string, unknown>;
declare function getComputedStyle(el: PageElement): { display: string };

export const CHROMIUM = process.env.PILLARBOX_CHROMIUM ?? '/usr/bin/chromium';
export const FIREFOX = process.env.PILLARBOX_FIREFOX ?? '/usr/bin/firefox-esr';
export type BrowserName = 'chrome' | 'firefox';
const ROOT = path.join(__dirname, '..', '..', '..');
export const ARTIFACTS = path.join(ROOT, 'test-artifacts', 'console');
/** The built console: the browser tests skip without it. */
export const CONSOLE_INDEX = path.join(ROOT, 'dist', 'console', 'index.html');
export const AXE = path.join(path.dirname(require.resolve('axe-core/package.json')), 'axe.min.js');

/** The reason to skip, when the machine cannot run the browser tests. */
export function skipReason(browser: BrowserName = 'chrome'): string | false {
  if (browser === 'chrome' && !fs.existsSync(CHROMIUM)) return `${CHROMIUM} is missing (apt-get install chromium; tests/run.sh does)`;
  if (browser === 'firefox' && !fs.existsSync(FIREFOX)) return `${FIREFOX} is missing (apt-get install firefox-esr; tests/run.sh does)`;
  if (!fs.existsSync(CONSOLE_INDEX)) return 'the console is not built (npm run build)';
  return false;
}

export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844, isMobile: true, hasTouch: true, deviceScaleFactor: 1 };
/** Firefox over WebDriver BiDi sets the size only (no mobile emulation): the layout is the same. */
export const PHONE_SIZE = { width: 390, height: 844 };

export interface ConsoleHarness {
  t: TestEngine;
  browser: Browser;
  base: string;
  /** A new tab logged in as this management account (admin by default). */
  loggedIn(username?: string, password?: string): Promise<Page>;
  close(): Promise<void>;
}

export async function startConsole(opts: { settings?: Partial<Settings>; users?: CreateUserInput[]; browser?: BrowserName } = {}): Promise<ConsoleHarness> {
  const t = await startEngine(opts);
  let browser: Browser;
  try {
    browser =
      opts.browser === 'firefox'
        ? // Debian's Firefox ESR, driven over WebDriver BiDi.
          await puppeteer.launch({ browser: 'firefox', executablePath: FIREFOX, headless: true, extraPrefsFirefox: { 'intl.accept_languages': 'en-US' } })
        : await puppeteer.launch({
            executablePath: CHROMIUM,
            headless: true,
            // --no-sandbox: CI runs as root, where Chromium's sandbox cannot start.
            args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run', '--disable-extensions', '--lang=en-US'],
          });
  } catch (err) {
    await t.stop();
    throw err;
  }
  const base = `http://127.0.0.1:${t.ports.http}`;
  return {
    t,
    browser,
    base,
    async loggedIn(username = 'admin', password = ADMIN_PASSWORD) {
      const page = await browser.newPage();
      page.setDefaultTimeout(20_000);
      const problems: string[] = [];
      page.on('pageerror', (err) => problems.push(String(err)));
      page.on('console', (msg) => {
        if (msg.type() === 'error' && !/status of 4\d\d/.test(msg.text())) problems.push(msg.text());
      });
      (page as Page & { problems?: string[] }).problems = problems;
      await page.setViewport(DESKTOP);
      await page.goto(base + '/');
      await login(page, username, password);
      return page;
    },
    async close() {
      await browser.close();
      await t.stop();
    },
  };
}

/** Script errors and CSP refusals the page reported (failing requests the test provoked aside). */
export function pageProblems(page: Page): string[] {
  return (page as Page & { problems?: string[] }).problems ?? [];
}

export async function login(page: Page, username: string, password: string): Promise<void> {
  await page.waitForSelector('#login-username');
  await page.$eval('#login-username', (el) => ((el as unknown as PageElement).value = ''));
  await page.type('#login-username', username);
  await page.type('#login-password', password);
  await page.click('button[type=submit]');
  await page.waitForSelector('nav[aria-label=Panes]');
}

/** Waits until the pane shows its heading and nothing is loading any more. */
export async function settled(page: Page): Promise<void> {
  await page.waitForFunction(() => document.querySelector('main h1') !== null && document.querySelector('main .state-loading') === null);
}

/** Opens a pane by its URL (a real load, as a bookmark would) at a viewport, and waits for it. */
export async function visit(page: Page, base: string, pathname: string, viewport: { width: number; height: number } = DESKTOP): Promise<void> {
  await page.setViewport(viewport);
  await page.goto(base + pathname);
  await settled(page);
}

/** Saves a full-page screenshot as `dir/name.png` (test-artifacts/console/ unless told). */
export async function screenshot(page: Page, name: string, dir = ARTIFACTS): Promise<string> {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.png`);
  await page.screenshot({ path: file as `${string}.png`, fullPage: true });
  return file;
}

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: string[];
}

/** Runs axe-core in the page (evaluated over the DevTools protocol, so the page's CSP does not apply). */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  const loaded = await page.evaluate(() => typeof window.axe !== 'undefined');
  if (!loaded) await page.evaluate(fs.readFileSync(AXE, 'utf8'));
  return page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (ctx: unknown, opts: object) => Promise<{ violations: { id: string; impact: string | null; help: string; nodes: { target: string[] }[] }[] }> } }).axe;
    const result = await axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' ')) }));
  });
}

/** Fails on any serious or critical accessibility violation. */
export async function assertAccessible(page: Page, what: string): Promise<void> {
  const serious = (await axeViolations(page)).filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(serious, [], `${what}: axe-core found serious violations`);
}

/** Interactive elements in the pane that are not marked as view-only (data-view): controls that change something. */
export async function changingControls(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const selector = 'button, input, select, textarea, [role=switch], [role=button], [contenteditable=true]';
    return [...document.querySelectorAll('main ' + selector.split(', ').join(', main '))]
      .filter((el) => !el.closest('[data-view]'))
      .map((el) => `${el.tagName.toLowerCase()}${el.getAttribute('aria-label') ? `[aria-label="${el.getAttribute('aria-label')}"]` : ''} ${(el.textContent ?? '').trim().slice(0, 40)}`);
  });
}

/** The paths of the panes in the navigation, in order. */
export async function navPaths(page: Page): Promise<string[]> {
  return page.$$eval('nav[aria-label=Panes] a', (links) => links.map((a) => new URL((a as unknown as PageElement).href).pathname));
}

/** The text of the first element matching, or null. */
export async function textOf(page: Page, selector: string): Promise<string | null> {
  return page.evaluate((s) => document.querySelector(s)?.textContent ?? null, selector);
}

export async function attributeOf(page: Page, selector: string, name: string): Promise<string | null> {
  return page.evaluate((s, n) => document.querySelector(s)?.getAttribute(n) ?? null, selector, name);
}

/** The computed CSS display of the first element matching. */
export async function displayOf(page: Page, selector: string): Promise<string | null> {
  return page.evaluate((s) => {
    const el = document.querySelector(s);
    return el ? getComputedStyle(el).display : null;
  }, selector);
}

/** The pane the navigation marks as current. */
export async function currentPane(page: Page): Promise<string | null> {
  return page.evaluate(() => {
    const a = document.querySelector('nav a[aria-current=page]');
    return a ? new URL(a.href).pathname : null;
  });
}

export async function waitForPath(page: Page, pathname: string): Promise<void> {
  await page.waitForFunction(`location.pathname === ${JSON.stringify(pathname)}`);
}

/** The selector of the pane's field with this label. */
export async function fieldSelector(page: Page, label: string): Promise<string> {
  const id = await page.evaluate((l) => {
    const found = [...document.querySelectorAll('main label')].find((x) => x.textContent?.trim() === l);
    return found?.getAttribute('for') ?? null;
  }, label);
  assert.ok(id, `a field labelled "${label}"`);
  return `[id="${id}"]`;
}

/** Replaces the text of a field in the pane found by its label. */
export async function fill(page: Page, label: string, text: string): Promise<void> {
  const selector = await fieldSelector(page, label);
  await page.$eval(selector, (el) => {
    (el as unknown as PageElement).value = '';
  });
  await page.type(selector, text);
}

/** Clicks the pane's button with this text (or aria-label). */
export async function clickButton(page: Page, text: string): Promise<void> {
  const clicked = await page.evaluate((t) => {
    const button = [...document.querySelectorAll('main button')].find((b) => b.textContent?.trim() === t || b.getAttribute('aria-label') === t);
    button?.click();
    return Boolean(button);
  }, text);
  assert.ok(clicked, `a button "${text}"`);
}
