// Drives the real, built Lifeboat app through tauri-driver (which proxies to WebKitWebDriver).
// The harness (scripts/with-desktop.sh) has started Xvfb, a private D-Bus session with a keyring and a
// notification daemon, and tauri-driver; LIFEBOAT_APP names the binary under test.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { remote } from 'webdriverio';

const root = path.resolve(import.meta.dirname, '../../..');
export const artifactsDir = path.join(root, 'target', 'e2e');

/** Starts the app through tauri-driver, with extra command-line `args` for the app. */
export async function openApp(args = []) {
  const application = process.env.LIFEBOAT_APP;
  if (!application) throw new Error('LIFEBOAT_APP must name the built app binary');
  return remote({
    hostname: '127.0.0.1',
    port: Number(process.env.TAURI_DRIVER_PORT ?? 4444),
    logLevel: 'warn',
    connectionRetryCount: 1,
    capabilities: {
      'tauri:options': { application, args },
      // WebKitWebDriver speaks classic WebDriver only; skip WebdriverIO's BiDi attempt.
      'wdio:enforceWebDriverClassic': true,
    },
  });
}

export async function screenshot(browser, name) {
  await mkdir(artifactsDir, { recursive: true });
  const file = path.join(artifactsDir, `${name}.png`);
  await browser.saveScreenshot(file);
  return file;
}

/** Waits for the app to have loaded its first data (the UI sets data-ready on its root). */
export async function waitUntilReady(browser) {
  const ready = await browser.$('[data-ready="true"]');
  await ready.waitForExist({ timeout: 60_000, timeoutMsg: 'the app never finished loading its instances' });
}

/** The counts shown after a restore, read from the number cells. */
export async function countsAfter(browser) {
  const number = async (id) => Number((await (await browser.$(`[data-testid="${id}"]`)).getText()).replace(/[^0-9]/g, ''));
  return { nodes: await number('counts-after-nodes'), relationships: await number('counts-after-relationships') };
}

/** The id of the instance listed under `name`, or undefined when none is. */
export async function instanceIdByName(browser, name) {
  for (const row of await browser.$$('[data-testid="instance-row"]')) {
    if ((await row.$('[data-testid="instance-name"]').getProperty('textContent')).trim() === name) {
      return row.getAttribute('data-instance-id');
    }
  }
  return undefined;
}

/** The ids of the job cards of one kind (`restore`, `upload`, …) shown now. */
export async function jobCardIds(browser, kind) {
  const ids = [];
  for (const card of await browser.$$(`[data-testid="job-progress"][data-kind="${kind}"]`)) {
    ids.push(await card.getAttribute('data-job-id'));
  }
  return ids;
}

/** The selector of the job card of `kind` that appears after the cards `known` (from {@link jobCardIds}). */
export async function newJobCard(browser, kind, known) {
  let id;
  await browser.waitUntil(
    async () => {
      id = (await jobCardIds(browser, kind)).find((c) => !known.includes(c));
      return id !== undefined;
    },
    { timeout: 20_000, timeoutMsg: `no card for the new ${kind} job` },
  );
  return `[data-testid="job-progress"][data-job-id="${id}"]`;
}
