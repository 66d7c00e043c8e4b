// The app as the .deb installs it: /usr/bin/lifeboat, a release build, started by tauri-driver inside a private
// desktop with its own HOME (scripts/with-desktop.sh), exactly as a user's first start. Run by
// scripts/test-packages.sh, which installs the package first and passes the generated backups:
//   LIFEBOAT_OPEN_FIRST   on the app's command line (`lifeboat FILE`, what "Open with" runs)
//   LIFEBOAT_OPEN_SECOND  opened with a second `lifeboat FILE` while the window is open
// No automation hook is used: release builds have none. tauri-driver sets TAURI_WEBVIEW_AUTOMATION, which is
// how any Tauri release build lets WebKitWebDriver in.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { openApp, screenshot, waitUntilReady } from '../lib/app.mjs';

const first = process.env.LIFEBOAT_OPEN_FIRST;
const second = process.env.LIFEBOAT_OPEN_SECOND;
let browser;
const $ = (s) => browser.$(s);

/** The name on the file card, once the card shows `name` (it is replaced when another file is opened). */
async function cardShows(name) {
  await browser.waitUntil(
    async () => {
      const title = await $('[data-testid="file-card"] [data-testid="file-name"]');
      return (await title.isExisting()) && (await title.getProperty('textContent')).trim() === name;
    },
    { timeout: 60_000, interval: 200, timeoutMsg: `the file card never showed ${name}` },
  );
}

before(async () => {
  assert.ok(first && second, 'LIFEBOAT_OPEN_FIRST and LIFEBOAT_OPEN_SECOND name the generated backups');
  assert.equal(process.env.LIFEBOAT_APP, '/usr/bin/lifeboat', 'the installed app is under test');
  browser = await openApp([first]);
  await waitUntilReady(browser);
});

after(async () => {
  if (browser) {
    await screenshot(browser, 'installed-app-final').catch(() => {});
    await browser.deleteSession();
  }
});

test('the first start with no account opens the sandbox and lists its instances', async () => {
  assert.ok(await (await $('[data-testid="sandbox-banner"]')).isDisplayed(), 'the sandbox banner shows');
  const names = [];
  for (const row of await browser.$$('[data-testid="instance-row"]')) {
    names.push((await row.$('[data-testid="instance-name"]').getProperty('textContent')).trim());
  }
  assert.deepEqual(names.sort(), ['Playground', 'Production', 'Staging']);
});

test('the file on the command line has its card ready', async () => {
  await cardShows(path.basename(first));
  const card = await $('[data-testid="file-card"]');
  assert.equal(await card.getAttribute('data-can-upload'), 'true', 'a sound backup can be restored');
});

test('a second `lifeboat FILE` hands its file to the open window and exits', async () => {
  const started = Date.now();
  // Resolves when the second process exits 0; it must not stay running as a second app.
  await promisify(execFile)('/usr/bin/lifeboat', [second], { timeout: 30_000 });
  console.log(`second instance handed over its file and exited in ${Date.now() - started} ms`);
  await cardShows(path.basename(second));
  assert.equal((await browser.getWindowHandles()).length, 1, 'still one window');
});

test('About shows the version and the log folder, which holds the log', async () => {
  await (await $('[data-testid="about-button"]')).click();
  const dialog = await $('[data-testid="about-dialog"]');
  await dialog.waitForDisplayed({ timeout: 10_000 });
  assert.match(await dialog.getText(), new RegExp(process.env.LIFEBOAT_EXPECT_VERSION.replace(/\./g, '\\.')));
  const folder = (await (await $('[data-testid="about-log-folder"]')).getProperty('textContent')).trim();
  const home = process.env.LIFEBOAT_TEST_HOME;
  assert.ok(folder.startsWith(`${home}/`), `the log folder ${folder} is in the user's home ${home}`);
  const logs = (await readdir(folder)).filter((n) => /^lifeboat\..*\.log$/.test(n));
  assert.ok(logs.length > 0, `a log file is in ${folder}`);
});
