import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { ADMIN_PASSWORD, startEngine, type TestEngine } from '../helpers/engine';
import { freePort } from '../helpers/free-port';
import type { Settings } from '../../server/config/settings-schema';
import type { CreateUserInput } from '../../server/directory/directory';
import { ARTIFACTS, AXE, CONSOLE_INDEX } from './harness';

/**
 * The console in WebKit: Debian's WebKitGTK WebDriver (webkit2gtk-driver), which starts
 * MiniBrowser (from libwebkit2gtk) in automation mode, on an Xvfb display in memory (WebKitGTK
 * has no headless mode; bookworm's WPE driver is 2.38, six stable releases older than
 * WebKitGTK's 2.50). Spoken to over the W3C WebDriver protocol with plain fetch: the handful of
 * commands the walk needs is smaller than a client library (nothing downloads a browser).
 */
export const WEBKIT_DRIVER = process.env.PILLARBOX_WEBKIT_DRIVER ?? '/usr/bin/WebKitWebDriver';
export const XVFB = process.env.PILLARBOX_XVFB ?? '/usr/bin/Xvfb';

/** MiniBrowser lives under the multiarch library directory (/usr/lib/x86_64-linux-gnu/… on amd64). */
function miniBrowser(): string | undefined {
  if (process.env.PILLARBOX_MINIBROWSER) return process.env.PILLARBOX_MINIBROWSER;
  for (const dir of fs.readdirSync('/usr/lib')) {
    const candidate = path.join('/usr/lib', dir, 'webkit2gtk-4.1', 'MiniBrowser');
    if (fs.existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** The reason to skip, when the machine cannot drive WebKit. */
export function webkitSkipReason(): string | false {
  if (!fs.existsSync(WEBKIT_DRIVER)) return `${WEBKIT_DRIVER} is missing (apt-get install webkit2gtk-driver; tests/run.sh does)`;
  if (!miniBrowser()) return 'MiniBrowser is missing (/usr/lib/<arch>/webkit2gtk-4.1/MiniBrowser, from libwebkit2gtk-4.1-0)';
  if (!fs.existsSync(XVFB)) return `${XVFB} is missing (apt-get install xvfb; tests/run.sh does)`;
  if (!fs.existsSync(CONSOLE_INDEX)) return 'the console is not built (npm run build)';
  return false;
}

/** The window sizes of the walk. MiniBrowser's window is at least 447 px wide (its toolbar), still a phone layout (< 800 px). */
export const WK_DESKTOP = { width: 1280, height: 800 };
export const WK_PHONE = { width: 390, height: 844 };

// The key under which WebDriver returns an element reference (W3C WebDriver, "web element identifier").
const ELEMENT = 'element-6066-11e4-a52e-4f735466cecf';

/** A WebDriver session: the commands of the W3C protocol the walk uses. */
export class WebKitPage {
  constructor(private readonly url: string) {}

  private async command<T>(method: 'GET' | 'POST' | 'DELETE', route: string, body?: object): Promise<T> {
    const res = await fetch(this.url + route, {
      method,
      headers: body ? { 'content-type': 'application/json' } : undefined,
      body: body ? JSON.stringify(body) : undefined,
    });
    const json = (await res.json()) as { value: T };
    if (!res.ok) {
      const err = json.value as { error?: string; message?: string };
      throw new Error(`WebDriver ${method} ${route}: ${err.error ?? res.status}: ${err.message ?? ''}`);
    }
    return json.value;
  }

  /** Navigates and returns when the page has loaded (the session's "normal" load strategy). */
  async goto(url: string): Promise<void> {
    await this.command('POST', '/url', { url });
    await this.recordProblems();
  }

  async location(): Promise<string> {
    return this.command<string>('GET', '/url');
  }

  /** Runs a function body in the page (`arguments` are `args`) and returns what it returns. */
  async evaluate<T>(script: string, ...args: unknown[]): Promise<T> {
    return this.command<T>('POST', '/execute/sync', { script, args });
  }

  /** Runs a function body whose last argument is the callback it calls with its result. */
  async evaluateAsync<T>(script: string, ...args: unknown[]): Promise<T> {
    return this.command<T>('POST', '/execute/async', { script, args });
  }

  /** Polls a boolean expression in the page until it holds. */
  async waitFor(expression: string, what: string, ms = 20_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!(await this.evaluate<boolean>(`return Boolean(${expression});`))) {
      if (Date.now() > deadline) throw new Error(`WebKit: timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** Sets the window's outer size; returns the viewport the page then has. */
  async setWindowSize(size: { width: number; height: number }): Promise<{ width: number; height: number }> {
    await this.command('POST', '/window/rect', size);
    const [width, height] = await this.evaluate<[number, number]>('return [innerWidth, innerHeight];');
    return { width, height };
  }

  private async element(selector: string, using: 'css selector' | 'xpath' = 'css selector'): Promise<string> {
    const found = await this.command<Record<string, string>>('POST', '/element', { using, value: selector });
    return found[ELEMENT];
  }

  /** Clicks the element as a person would (WebDriver scrolls it into view and checks it can be clicked). */
  async click(selector: string): Promise<void> {
    await this.command('POST', `/element/${await this.element(selector)}/click`, {});
  }

  /** Clicks the pane's button with this text. */
  async clickButton(text: string): Promise<void> {
    await this.command('POST', `/element/${await this.element(`//main//button[normalize-space()=${JSON.stringify(text)}]`, 'xpath')}/click`, {});
  }

  /** Clears a field and types into it, key by key. */
  async type(selector: string, text: string): Promise<void> {
    const id = await this.element(selector);
    await this.command('POST', `/element/${id}/clear`, {});
    await this.command('POST', `/element/${id}/value`, { text });
  }

  /** Saves a screenshot of the viewport as `name.png` (WebKit's driver clips even an element's screenshot to it). */
  async screenshot(name: string, dir = ARTIFACTS): Promise<string> {
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `${name}.png`);
    const png = await this.command<string>('GET', '/screenshot');
    fs.writeFileSync(file, Buffer.from(png, 'base64'));
    return file;
  }

  /**
   * Records script errors, rejected promises and CSP refusals from now on (WebKitGTK's driver has
   * no log endpoint, and MiniBrowser in automation mode does not write the console to stdout).
   */
  private async recordProblems(): Promise<void> {
    await this.evaluate(`
      if (window.__problems) return;
      const problems = (window.__problems = []);
      addEventListener('error', (e) => problems.push('error: ' + (e.message || e.target?.src || e.target?.href || 'a resource failed')), true);
      addEventListener('unhandledrejection', (e) => problems.push('unhandled rejection: ' + String(e.reason)));
      addEventListener('securitypolicyviolation', (e) => problems.push('CSP refused ' + e.blockedURI + ' (' + e.violatedDirective + ')'));
    `);
  }

  /** What the page reported since it loaded. */
  async problems(): Promise<string[]> {
    return this.evaluate<string[]>('return window.__problems || [];');
  }

  /** Serious and critical axe-core violations (axe's source is injected by the driver, past the page's CSP). */
  async seriousAxeViolations(): Promise<string[]> {
    if (!(await this.evaluate<boolean>('return typeof window.axe !== "undefined";'))) await this.evaluate(fs.readFileSync(AXE, 'utf8'));
    return this.evaluateAsync<string[]>(`
      const done = arguments[arguments.length - 1];
      window.axe.run(document, { resultTypes: ['violations'] }).then((r) => done(r.violations
        .filter((v) => v.impact === 'serious' || v.impact === 'critical')
        .map((v) => v.id + ': ' + v.help + ' at ' + v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', '))),
        (err) => done(['axe failed: ' + err]));
    `);
  }

  async close(): Promise<void> {
    await this.command('DELETE', '');
  }
}

export interface WebKitConsole {
  t: TestEngine;
  base: string;
  page: WebKitPage;
  /** Logs in on the login form (admin by default) and waits for the navigation. */
  login(username?: string, password?: string): Promise<void>;
  close(): Promise<void>;
}

async function startXvfb(): Promise<{ proc: ChildProcess; display: string }> {
  // -displayfd: Xvfb picks a free display number and writes it to fd 3 once it accepts clients.
  const proc = spawn(XVFB, ['-displayfd', '3', '-screen', '0', '1600x1200x24', '-nolisten', 'tcp'], { stdio: ['ignore', 'ignore', 'pipe', 'pipe'] });
  let stderr = '';
  proc.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const fd3 = proc.stdio[3] as NodeJS.ReadableStream;
  const display = await new Promise<string>((resolve, reject) => {
    let out = '';
    fd3.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) resolve(`:${out.trim()}`);
    });
    proc.on('exit', (code) => reject(new Error(`Xvfb exited (${code}): ${stderr}`)));
  });
  return { proc, display };
}

async function startDriver(display: string): Promise<{ proc: ChildProcess; url: string }> {
  const port = await freePort();
  const proc = spawn(WEBKIT_DRIVER, [`--port=${port}`], { env: { ...process.env, DISPLAY: display }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  // The driver says nothing when it listens: ask its /status until it answers.
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`WebKitWebDriver exited (${proc.exitCode}): ${stderr}`);
    const ready = await fetch(`${url}/status`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) return { proc, url };
    if (Date.now() > deadline) throw new Error(`WebKitWebDriver did not answer on ${url}: ${stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function stop(proc: ChildProcess | undefined): Promise<void> {
  if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = once(proc, 'exit');
  proc.kill('SIGTERM');
  await exited;
}

/** A test engine, a display, the driver and one MiniBrowser window on the console's login page. */
export async function startWebKitConsole(opts: { settings?: Partial<Settings>; users?: CreateUserInput[] } = {}): Promise<WebKitConsole> {
  const t = await startEngine(opts);
  let xvfb: ChildProcess | undefined;
  let driver: ChildProcess | undefined;
  let page: WebKitPage | undefined;
  try {
    const x = await startXvfb();
    xvfb = x.proc;
    const d = await startDriver(x.display);
    driver = d.proc;
    const res = await fetch(`${d.url}/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ capabilities: { alwaysMatch: { 'webkitgtk:browserOptions': { binary: miniBrowser(), args: ['--automation'] } } } }),
    });
    const session = (await res.json()) as { value: { sessionId?: string; message?: string } };
    if (!session.value.sessionId) throw new Error(`WebKitWebDriver: no session: ${session.value.message ?? res.status}`);
    page = new WebKitPage(`${d.url}/session/${session.value.sessionId}`);
  } catch (err) {
    await stop(driver);
    await stop(xvfb);
    await t.stop();
    throw err;
  }
  const base = `http://127.0.0.1:${t.ports.http}`;
  const wk = page;
  return {
    t,
    base,
    page: wk,
    async login(username = 'admin', password = ADMIN_PASSWORD) {
      await wk.setWindowSize(WK_DESKTOP);
      await wk.goto(base + '/');
      await wk.waitFor(`document.querySelector('#login-username')`, 'the login form');
      await wk.type('#login-username', username);
      await wk.type('#login-password', password);
      await wk.click('button[type=submit]');
      await wk.waitFor(`document.querySelector('nav[aria-label=Panes]')`, 'the navigation after login');
    },
    async close() {
      // Ending the session closes MiniBrowser; then the driver and the display go.
      await wk.close().catch(() => undefined);
      await stop(driver);
      await stop(xvfb);
      await t.stop();
    },
  };
}
