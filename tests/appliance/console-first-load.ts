/**
 * Run by tests/appliance/boot-test.sh against the appliance in qemu: the admin console's first
 * load in Debian's Chromium through the image's HTTPS (self-signed certificate accepted), with an
 * empty cache, until the login form is on the screen. Prints one JSON line with the browser's own
 * timings; exits 1 when the console is not usable or took longer than the limit (issue 14: 1 s).
 *
 *   node dist/tests/appliance/console-first-load.js https://127.0.0.1:PORT/ [limitMs]
 */
import puppeteer from 'puppeteer-core';

const CHROMIUM = process.env.PILLARBOX_CHROMIUM ?? '/usr/bin/chromium';

interface Timings {
  responseStart: number;
  domContentLoaded: number;
  load: number;
  scriptBytes: number;
  requests: number;
}
declare const performance: {
  getEntriesByType(type: string): { responseStart?: number; domContentLoadedEventEnd?: number; loadEventEnd?: number; initiatorType?: string; encodedBodySize?: number }[];
};

async function main(): Promise<void> {
  const [url, limitArg] = process.argv.slice(2);
  if (!url) throw new Error('usage: console-first-load URL [limitMs]');
  const limit = Number(limitArg ?? 1000);
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    acceptInsecureCerts: true,
    // --no-sandbox: the appliance test runs as root, where Chromium's sandbox cannot start.
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run', '--disable-extensions'],
  });
  try {
    const page = await browser.newPage();
    await page.setCacheEnabled(false);
    const started = Date.now();
    await page.goto(url, { waitUntil: 'load', timeout: 30_000 });
    await page.waitForSelector('#login-username', { timeout: 30_000 });
    const untilLogin = Date.now() - started;
    const t = await page.evaluate((): Timings => {
      const nav = performance.getEntriesByType('navigation')[0] ?? {};
      const resources = performance.getEntriesByType('resource');
      return {
        responseStart: Math.round(nav.responseStart ?? 0),
        domContentLoaded: Math.round(nav.domContentLoadedEventEnd ?? 0),
        load: Math.round(nav.loadEventEnd ?? 0),
        scriptBytes: resources.filter((r) => r.initiatorType === 'script').reduce((n, r) => n + (r.encodedBodySize ?? 0), 0),
        requests: resources.length + 1,
      };
    });
    console.log(JSON.stringify({ url, untilLoginFormMs: untilLogin, ...t, limitMs: limit }));
    if (untilLogin > limit) process.exitCode = 1;
  } finally {
    await browser.close();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exitCode = 1;
});
