// Guided snapshot export in the real app: a new user picks an exportable snapshot of Production, chooses Export…,
// reads why it goes through the console, does what the browser would do on the console page (the sandbox's
// stand-in), and Lifeboat finds the download in ~/Downloads, checks it, saves it under the proposed name in the
// chosen folder, verifies it, removes the download, notifies — and History records it.
//
// Two things a browser and a person would do are done by the test itself, at their boundaries only:
// - the browser: the test reads the console address shown in the dialog, fetches that page and follows its Export
//   link into ~/Downloads the way browsers write (a `.crdownload` file in chunks, renamed when complete). The
//   "Open the sandbox console" button is not clicked: it hands the address to xdg-open, and the test desktop has
//   no browser.
// - the native save dialog: WebDriver cannot reach GTK dialogs, so the app is started with
//   `--automation-save-dir DIR` (honoured by debug builds only), which makes the save dialog answer
//   DIR/<proposed name> as a user accepting the proposal there would. Everything after the dialog is the real path.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, open, readdir, readFile, rename } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { openApp, screenshot, waitUntilReady } from '../lib/app.mjs';
import { waitForNotification } from '../lib/wait.mjs';

let browser;
let keepDir;
let downloads;
let downloaded;
let savedName;
const $ = (s) => browser.$(s);
const sha = (bytes) => createHash('sha256').update(bytes).digest('hex');

before(async () => {
  // The app runs with the harness's HOME; with no XDG user-dirs file, its Downloads folder is ~/Downloads.
  downloads = path.join(process.env.LIFEBOAT_TEST_HOME ?? os.homedir(), 'Downloads');
  await mkdir(downloads, { recursive: true });
  keepDir = await mkdtemp(path.join(os.tmpdir(), 'lifeboat-exports-'));
  browser = await openApp(['--automation-save-dir', keepDir]);
  await waitUntilReady(browser);
});

after(async () => {
  if (browser) {
    await screenshot(browser, 'snapshot-export-final').catch(() => {});
    await browser.deleteSession();
  }
});

/** What a browser does with the console page's Export link: a partial file in chunks, then the real name. */
async function browserDownloads(consoleUrl, snapshotId) {
  const page = await (await fetch(consoleUrl)).text();
  const row = page.slice(page.indexOf(`data-snapshot-id="${snapshotId}"`));
  const href = /href="([^"]+)"/.exec(row.slice(0, row.indexOf('</tr>')))?.[1];
  assert.ok(href, 'the console page offers Export for this snapshot');
  const response = await fetch(new URL(href, consoleUrl));
  assert.equal(response.status, 200);
  const name = /filename="([^"]+)"/.exec(response.headers.get('content-disposition') ?? '')?.[1];
  assert.ok(name?.endsWith('.backup'), `a .backup download: ${name}`);
  const partial = path.join(downloads, `${name}.crdownload`);
  const file = await open(partial, 'w');
  const chunks = [];
  for await (const chunk of response.body) {
    chunks.push(Buffer.from(chunk));
    await file.write(chunk);
    await new Promise((r) => setTimeout(r, 20));
  }
  await file.close();
  const done = path.join(downloads, name);
  await rename(partial, done);
  return { path: done, bytes: Buffer.concat(chunks) };
}

test('Export… on an exportable snapshot explains the console hand-off and watches Downloads', async () => {
  let id;
  for (const row of await browser.$$('[data-testid="instance-row"]')) {
    if ((await row.$('[data-testid="instance-name"]').getProperty('textContent')).trim() === 'Production') {
      id = await row.getAttribute('data-instance-id');
    }
  }
  assert.ok(id, 'Production is listed');
  await (await $(`[data-testid="instance-row"][data-instance-id="${id}"]`)).click();
  const exportable = await $('[data-testid="snapshot-row"][data-status="Completed"][data-exportable="true"]');
  await exportable.waitForExist({ timeout: 30_000 });
  await exportable.scrollIntoView();
  await exportable.click();
  const button = await $('[data-testid="export-snapshot"]');
  await button.waitForClickable({ timeout: 10_000 });
  await button.click();

  const dialog = await $('[data-testid="export-dialog"]');
  await dialog.waitForDisplayed({ timeout: 10_000 });
  assert.match(await dialog.getText(), /public API has no way to download a snapshot/);
  const watching = await $('[data-testid="export-watching"]');
  await watching.waitForDisplayed({ timeout: 10_000 });
  assert.equal(await watching.getText(), 'Watching Downloads for a new backup file…');
  assert.ok(await (await $('[data-testid="export-open-console"]')).isDisplayed());
  await screenshot(browser, 'snapshot-export-dialog');
});

test('the download is found, checked, saved under the proposed name, verified and moved out of Downloads', async () => {
  const consoleUrl = await (await $('[data-testid="export-console-url"]')).getText();
  const snapshotId = new URL(consoleUrl).searchParams.get('snapshot');
  assert.ok(snapshotId, `the console address names the snapshot: ${consoleUrl}`);
  downloaded = await browserDownloads(consoleUrl, snapshotId);

  const card = await $('[data-testid="export-candidate"][data-usable="true"]');
  await card.waitForDisplayed({ timeout: 30_000, timeoutMsg: 'the download was never found' });
  assert.match(await (await $('[data-testid="export-file-format"]')).getText(), /Neo4j 5 backup/);
  const checks = {};
  for (const c of await browser.$$('[data-testid="export-file-check"]')) {
    checks[await c.getAttribute('data-check-id')] = await c.getAttribute('data-ok');
  }
  assert.deepEqual(checks, { readable: 'true', complete: 'true' });
  savedName = /Proposed name: (\S+)/.exec(await card.getText())?.[1];
  assert.match(savedName ?? '', /^Production_\d{4}-\d{2}-\d{2}T\d{4}Z\.backup$/);
  assert.equal(await (await $('[data-testid="export-remove-download"]')).isSelected(), true, 'move by default');
  await screenshot(browser, 'snapshot-export-found');

  await (await $('[data-testid="export-save"]')).click();
  const result = await $('[data-testid="export-result"]');
  await result.waitForDisplayed({ timeout: 60_000, timeoutMsg: 'the export did not finish' });
  const saved = path.join(keepDir, savedName);
  assert.equal(await (await $('[data-testid="export-saved-path"]')).getText(), saved);
  assert.match(await (await $('[data-testid="export-verified"]')).getText(), /CRC-32 [0-9a-f]{8}: read back and the same/);
  await screenshot(browser, 'snapshot-export-done');

  assert.equal(sha(await readFile(saved)), sha(downloaded.bytes), 'the kept file is the download, byte for byte');
  assert.deepEqual(await readdir(keepDir), [savedName], 'no temporary or partial file is left behind');
  assert.ok(!(await readdir(downloads)).includes(path.basename(downloaded.path)), 'the download was moved');

  assert.match(await waitForNotification(/Snapshot of Production exported/), /Snapshot of Production exported/);
});

test('History records the export with where it was saved', async () => {
  await (await $('[data-testid="export-close"]')).click();
  await (await $('[data-testid="export-dialog"]')).waitForDisplayed({ reverse: true, timeout: 10_000 });
  await (await $('[data-testid="history-button"]')).click();
  const row = await $('[data-testid="history-row"][data-kind="snapshot-export"]');
  await row.waitForDisplayed({ timeout: 20_000 });
  assert.equal(await row.getAttribute('data-outcome'), 'succeeded');
  assert.match(await row.getText(), /Snapshot export/);
  assert.equal(
    await (await row.$('[data-testid="history-saved-path"]')).getText(),
    `Saved as ${path.join(keepDir, savedName)}`,
  );
  await screenshot(browser, 'snapshot-export-history');
  await (await $('[data-testid="history-close"]')).click();
});
