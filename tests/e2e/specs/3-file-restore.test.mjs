// Restore from a backup file, the headline feature, in the real app: a generated Neo4j 5 .backup is "dropped" on
// the window, inspected, confirmed (type RESTORE), uploaded in 256 KiB chunks (LIFEBOAT_CHUNK_SIZE), imported,
// verified — and the user's file is left exactly as it was. Then a cut-off copy of a backup is dropped: the red box
// says the inspector's specific reason and what to do, and offers no restore.
//
// WebDriver cannot perform an OS drag-and-drop, so the test calls window.__LIFEBOAT_AUTOMATION__.dropPaths(),
// which runs exactly the handler a real drop (Tauri's drag-drop event, forwarded by the shell) runs.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { countsAfter, openApp, screenshot, waitUntilReady } from '../lib/app.mjs';
import { waitForNotification } from '../lib/wait.mjs';

let browser;
let file;
let cutOff;
let original;
const $ = (s) => browser.$(s);
const digest = async (p) => createHash('sha256').update(await readFile(p)).digest('hex');

before(async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'lifeboat-file-'));
  file = path.join(dir, 'staging export.backup'); // a space in the name, as real files have
  const generator = path.resolve(import.meta.dirname, '../../../target/debug/examples/inspect');
  execFileSync(generator, ['--generate', 'backup-zstd-v3', String(8 * 1024 * 1024), file, 'incompressible']);
  original = { sha: await digest(file), mtime: (await stat(file)).mtimeMs };
  // The same backup cut off after its first 3 MiB, as an interrupted copy leaves it.
  cutOff = path.join(dir, 'cut off.backup');
  await writeFile(cutOff, (await readFile(file)).subarray(0, 3 * 1024 * 1024));
  browser = await openApp();
  await waitUntilReady(browser);
});

after(async () => {
  if (browser) {
    await screenshot(browser, 'file-restore-final').catch(() => {});
    await browser.deleteSession();
  }
});

test('a dropped backup file is recognised from its bytes and checked against the instance', async () => {
  let staging;
  for (const row of await browser.$$('[data-testid="instance-row"]')) {
    if ((await row.$('[data-testid="instance-name"]').getProperty('textContent')).trim() === 'Staging') staging = row;
  }
  assert.ok(staging, 'Staging is listed');
  await staging.click();
  await (await $('[data-testid="file-drop-zone"]')).waitForDisplayed({ timeout: 20_000 });
  await browser.execute((p) => window.__LIFEBOAT_AUTOMATION__.dropPaths([p]), file);
  const card = await $('[data-testid="file-card"]');
  await card.waitForDisplayed({ timeout: 30_000 });
  assert.match(await (await $('[data-testid="file-format"]')).getText(), /Neo4j 5 backup, compressed/);
  assert.equal(await card.getAttribute('data-can-upload'), 'true');
  const checks = {};
  for (const c of await browser.$$('[data-testid="file-check"]')) checks[await c.getAttribute('data-check-id')] = await c.getAttribute('data-ok');
  assert.deepEqual(checks, { readable: 'true', complete: 'true', compatible: 'true', fits: 'true' });
  await screenshot(browser, 'file-card');
});

test('confirming uploads, imports and verifies, with a notification and the file unchanged', async () => {
  await (await $('[data-testid="restore-file"]')).waitForClickable({ timeout: 10_000 });
  await (await $('[data-testid="restore-file"]')).click();
  await (await $('[data-testid="file-restore-dialog"]')).waitForDisplayed({ timeout: 10_000 });
  const confirm = await $('[data-testid="restore-confirm"]');
  assert.equal(await confirm.isEnabled(), false);
  await (await $('[data-testid="restore-confirm-input"]')).setValue('RESTORE');
  await browser.waitUntil(() => confirm.isEnabled(), { timeout: 5_000 });
  await confirm.click();

  const progress = await $('[data-testid="job-progress"]');
  await progress.waitForDisplayed({ timeout: 20_000 });
  await browser.waitUntil(async () => (await progress.getAttribute('data-outcome')) !== 'running', {
    timeout: 120_000,
    timeoutMsg: 'the file restore did not finish',
  });
  assert.equal(await progress.getAttribute('data-outcome'), 'succeeded', await progress.getText());
  const states = {};
  for (const step of await browser.$$('[data-testid="job-step"]')) states[await step.getAttribute('data-step-id')] = await step.getAttribute('data-state');
  assert.deepEqual(states, {
    'counts-before': 'done',
    'safety-snapshot': 'done',
    checksum: 'done',
    upload: 'done',
    import: 'done',
    verify: 'done',
  });
  // The generated archive holds 100 nodes and 50 relationships (the emulator loads what the file says, then the
  // sandbox's simulated traffic keeps adding a few): the instance now holds the file's data, not its old 50 000.
  const after = await countsAfter(browser);
  assert.ok(after.nodes >= 100 && after.nodes < 1000, `nodes after: ${after.nodes}`);
  assert.ok(after.relationships >= 50 && after.relationships < 5000, `relationships after: ${after.relationships}`);
  assert.ok(await (await $('[data-testid="file-unchanged"]')).isDisplayed());
  await screenshot(browser, 'file-restore-done');

  assert.equal(await digest(file), original.sha, 'the file’s bytes are unchanged');
  assert.equal((await stat(file)).mtimeMs, original.mtime, 'the file’s modification time is unchanged');

  assert.match(await waitForNotification(/Staging is running again/), /Staging is running again/);
});

test('the safety snapshot taken before the restore is named for what it is in the snapshot list', async () => {
  // Aura calls it only "on-demand"; Lifeboat keeps the mapping in its history. The list re-reads when the job ends.
  const marked = await $('[data-testid="snapshot-profile"][data-purpose="Safety snapshot before restore"]');
  await marked.waitForExist({ timeout: 30_000, timeoutMsg: 'no snapshot in the list is marked as the safety snapshot' });
  assert.match(await marked.getProperty('textContent'), /Safety snapshot before restore/);
  assert.equal(
    (await browser.$$('[data-testid="snapshot-profile"][data-purpose]')).length,
    1,
    'only the one safety snapshot is marked',
  );
});

test('a cut-off backup is refused with the inspector’s own reason and what to do next', async () => {
  const sha = await digest(cutOff);
  await browser.execute((p) => window.__LIFEBOAT_AUTOMATION__.dropPaths([p]), cutOff);
  // The card of this file, not the one before: wait for its name.
  await browser.waitUntil(
    async () => {
      const name = await $('[data-testid="file-name"]');
      return (await name.isExisting()) && (await name.getText()) === 'cut off.backup';
    },
    { timeout: 30_000, timeoutMsg: 'the cut-off file was not inspected' },
  );
  const card = await $('[data-testid="file-card"]');
  assert.equal(await card.getAttribute('data-can-upload'), 'false');
  const blocked = await $('[data-testid="file-blocked"]');
  assert.ok(await blocked.isDisplayed(), 'the red box is shown');
  const problems = await browser.$$('[data-testid="file-problem"]');
  assert.ok(problems.length >= 1, 'the red box names a specific reason');
  const reason = await problems[0].getText();
  // The inspector's words for a truncated file (lifeboat-archive), with its next step, lead the box.
  assert.match(reason, /ends early/);
  assert.match(reason, /copy it again/);
  assert.equal(await problems[0].getAttribute('data-problem-code'), 'truncated');
  assert.doesNotMatch(await blocked.getText(), /did not pass the checks above/);
  assert.equal(await (await $('[data-testid="restore-file"]')).isExisting(), false, 'no restore is offered');
  const checks = {};
  for (const c of await browser.$$('[data-testid="file-check"]')) checks[await c.getAttribute('data-check-id')] = await c.getAttribute('data-ok');
  assert.equal(checks.complete, 'false');
  await blocked.scrollIntoView();
  await screenshot(browser, 'file-refused');
  assert.equal(await digest(cutOff), sha, 'the refused file is not touched');
});

/** Where an element is against the window: its top and bottom edges, and the window's height. */
const placement = (selector) =>
  browser.execute((sel) => {
    const el = document.querySelector(sel);
    if (!el) return null;
    const r = el.getBoundingClientRect();
    return { top: r.top, bottom: r.bottom, height: window.innerHeight, focused: document.activeElement === el };
  }, selector);

test('a file dropped on Production, below its long snapshot history, opens its card in view with the focus on it', async () => {
  let production;
  for (const row of await browser.$$('[data-testid="instance-row"]')) {
    if ((await row.$('[data-testid="instance-name"]').getProperty('textContent')).trim() === 'Production') production = row;
  }
  assert.ok(production, 'Production is listed');
  await production.click();
  await browser.waitUntil(async () => (await browser.$$('[data-testid="snapshot-row"]')).length > 100, {
    timeout: 30_000,
    timeoutMsg: "Production's week of snapshots was not listed",
  });
  const start = await browser.execute(() => document.querySelector('.pane--details').scrollTop);
  assert.equal(start, 0, 'another instance starts at its top');

  await browser.execute((p) => window.__LIFEBOAT_AUTOMATION__.dropPaths([p]), file);
  await (await $('[data-testid="file-card"]')).waitForExist({ timeout: 30_000 });
  let seen;
  await browser.waitUntil(
    async () => {
      seen = await placement('[data-testid="file-result"]');
      return seen !== null && seen.focused && seen.top >= 0 && seen.top < seen.height / 2;
    },
    { timeout: 10_000, timeoutMsg: `the file's card is not in view with the focus: ${JSON.stringify(seen)}` },
  );
  await screenshot(browser, 'file-card-in-view');

  // Every part of the instance view is one click away.
  await (await $('[data-testid="section-link-strategy"]')).click();
  await browser.waitUntil(
    async () => {
      seen = await placement('[data-testid="section-strategy"]');
      return seen !== null && seen.top >= 0 && seen.top < seen.height / 2;
    },
    { timeout: 10_000, timeoutMsg: `"Backup strategy" was not brought into view: ${JSON.stringify(seen)}` },
  );

  // Back on Staging, the view starts at its top again.
  for (const row of await browser.$$('[data-testid="instance-row"]')) {
    if ((await row.$('[data-testid="instance-name"]').getProperty('textContent')).trim() === 'Staging') await row.click();
  }
  await browser.waitUntil(
    async () => (await (await $('[data-testid="details-name"]')).getText()) === 'Staging',
    { timeout: 10_000, timeoutMsg: 'the details did not switch to Staging' },
  );
  assert.equal(await browser.execute(() => document.querySelector('.pane--details').scrollTop), 0);
});
