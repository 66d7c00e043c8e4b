// The backup strategy in the real app, in the sandbox on the fast clock: set recovery objectives for Staging, see
// "Worst-case data loss now" go from not met to met after "Take a snapshot now", and set up copies to a folder
// (the folder dialog answers with the test's folder through `--automation-save-dir`, honoured by debug builds
// only). The sandbox's copies run while the app is open, so no system scheduler entry is written; the test checks
// that none appeared in its private HOME. Every wait is for an event (a level, an outcome, a file), never a sleep.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { instanceIdByName, openApp, screenshot, waitUntilReady } from '../lib/app.mjs';
import { waitFor, waitForFile } from '../lib/wait.mjs';

let browser;
let copiesDir;
const $ = (selector) => browser.$(selector);
async function click(selector) {
  const el = await $(selector);
  await el.waitForClickable({ timeout: 20_000 });
  await el.click();
}
async function typeInto(selector, text) {
  const el = await $(selector);
  await el.waitForDisplayed({ timeout: 10_000 });
  await el.clearValue();
  await el.setValue(text);
}
const lossNow = '[data-testid="readiness-check"][data-check="loss-now"]';

before(async () => {
  // Earlier specs snapshot Staging in the same practice project (a file restore's safety snapshot, a drill), so its
  // newest snapshot can be seconds old and "Not met" against a one-minute RPO would never come. Start from a fresh
  // practice project, whose newest Staging snapshot is its daily one. Only inside the harness's private HOME.
  assert.equal(process.env.LIFEBOAT_TEST_HOME, os.homedir(), 'runs only inside scripts/with-desktop.sh');
  const dataHome = process.env.XDG_DATA_HOME ?? path.join(os.homedir(), '.local', 'share');
  await rm(path.join(dataHome, 'dev.lifeboat.desktop', 'sandbox'), { recursive: true, force: true });
  copiesDir = await mkdtemp(path.join(os.tmpdir(), 'lifeboat-copies-'));
  browser = await openApp(['--automation-save-dir', copiesDir]);
  await waitUntilReady(browser);
});

after(async () => {
  if (browser) {
    await screenshot(browser, 'strategy-final').catch(() => {});
    await browser.deleteSession();
  }
});

test('objectives set for Staging are judged at once: a newest snapshot older than the RPO is "Not met"', async () => {
  const id = await instanceIdByName(browser, 'Staging');
  assert.ok(id, 'Staging is listed');
  await click(`[data-testid="instance-row"][data-instance-id="${id}"]`);
  await (await $(`${lossNow}`)).waitForExist({ timeout: 30_000, timeoutMsg: 'no readiness for Staging' });
  // Before any objective, nothing can be "not met".
  assert.notEqual(await (await $('[data-testid="readiness"]')).getAttribute('data-level'), 'not-met');

  await click('[data-testid="objectives-edit"]');
  // The smallest RPO there is (one minute): Staging's daily snapshot is older than that.
  await typeInto('[data-testid="objective-rpo"]', '1');
  await (await $('[data-testid="objective-rpo-unit"]')).selectByVisibleText('minutes');
  await typeInto('[data-testid="objective-rto"]', '30');
  await (await $('[data-testid="objective-rto-unit"]')).selectByVisibleText('minutes');
  await click('[data-testid="objectives-save"]');

  const summary = await $('[data-testid="objectives-summary"]');
  await summary.waitForDisplayed({ timeout: 10_000 });
  await browser.waitUntil(async () => /Lose at most 1 min of data; back within 30 min/.test(await summary.getText()), {
    timeout: 10_000,
    timeoutMsg: `the objectives were not shown as saved: ${await summary.getText()}`,
  });
  const check = await $(lossNow);
  await browser.waitUntil(async () => (await check.getAttribute('data-level')) === 'not-met', {
    timeout: 15_000,
    timeoutMsg: 'worst-case data loss now never became "Not met" against a one-minute RPO',
  });
  assert.match(await check.getText(), /Not met/, 'the level is in words, not colour alone');
  assert.equal(await (await $('[data-testid="readiness"]')).getAttribute('data-level'), 'not-met');
  await screenshot(browser, 'strategy-not-met');
});

test('"Take a snapshot now" on the unmet check makes it met once the snapshot is done', async () => {
  await click(`${lossNow} [data-testid="fix-take-snapshot"]`);
  const check = await $(lossNow);
  await browser.waitUntil(async () => (await check.getAttribute('data-level')) === 'met', {
    timeout: 60_000,
    timeoutMsg: 'worst-case data loss now never became "Met" after the snapshot',
  });
  assert.match(await check.getText(), /Met/);
  await screenshot(browser, 'strategy-met');
});

test('"Set up copies" saves a schedule for a folder of the user\'s, and "Make a copy now" writes a verified copy there', async () => {
  // Playground: the smallest sample data set, so a debug build copies it in seconds.
  const id = await instanceIdByName(browser, 'Playground');
  assert.ok(id, 'Playground is listed');
  await click(`[data-testid="instance-row"][data-instance-id="${id}"]`);
  await browser.waitUntil(
    async () => (await (await $('[data-testid="readiness"]')).getAttribute('data-loading')) === 'false' &&
      (await (await $('[data-testid="instance-details"]')).getAttribute('data-instance-id')) === id,
    { timeout: 30_000, timeoutMsg: 'no readiness for Playground' },
  );
  await click('[data-testid="copies-add"]');
  const dialog = await $('[data-testid="copies-dialog"]');
  await dialog.waitForDisplayed({ timeout: 10_000 });
  await typeInto('[data-testid="copies-keep"]', '2');
  await click('[data-testid="copies-choose-folder"]');
  const folder = await $('[data-testid="copies-folder"]');
  await browser.waitUntil(async () => (await folder.getText()) === copiesDir, {
    timeout: 10_000,
    timeoutMsg: 'the chosen folder was not shown',
  });
  await click('[data-testid="copies-save"]');

  const row = await $('[data-testid="copies-schedule"]');
  await row.waitForDisplayed({ timeout: 15_000, timeoutMsg: 'the schedule was not listed' });
  const words = await row.getText();
  assert.match(words, /playground-daily/);
  assert.match(words, /every day at 02:00, keeping the newest 2/);
  assert.match(words, /Practice sandbox: copies are made while Lifeboat is open/);
  // Nothing was written to a system scheduler: the practice account exists only inside the app.
  const units = path.join(process.env.XDG_CONFIG_HOME ?? path.join(os.homedir(), '.config'), 'systemd', 'user');
  assert.equal(existsSync(path.join(units, 'lifeboat-copies.timer')), false);

  await click('[data-testid="copies-run-now"]');
  const last = await $('[data-testid="copies-last-run"]');
  const refused = await $('[data-testid="readiness-action-error"]');
  const seen = await browser
    .waitUntil(async () => (await last.isExisting()) || (await refused.isExisting()), { timeout: 60_000 })
    .catch(() => false);
  if (!seen) {
    const jobs = await browser.$$('[data-testid="job-progress"]');
    const texts = [];
    for (const j of jobs) texts.push(`${await j.getAttribute('data-outcome')}: ${await j.getText()}`);
    await row.scrollIntoView();
    await screenshot(browser, 'strategy-copy-missing');
    assert.fail(`the copy run was never recorded; jobs shown: ${texts.join(' | ')}; row: ${await row.getText()}`);
  }
  assert.equal(await refused.isExisting(), false, (await refused.isExisting()) ? await refused.getText() : '');
  assert.equal(await last.getAttribute('data-outcome'), 'succeeded', await last.getText());
  assert.match(await last.getText(), /copied and checked/);
  const name = await waitForFile(copiesDir, /^Playground_2\d{3}.*\.graph\.jsonl\.zst$/, { timeout: 30_000 });
  // The schedule's manifest knows the copy, so pruning deletes only what this schedule made.
  const manifestName = await waitFor(async () => (await readdir(copiesDir)).find((n) => n.startsWith('.lifeboat-copies-')), {
    message: 'the schedule manifest in the copies folder',
  });
  const manifest = await readFile(path.join(copiesDir, manifestName), 'utf8');
  assert.ok(manifest.includes(name), `the manifest lists ${name}`);

  const copyCheck = await $('[data-testid="readiness-check"][data-check="copy"]');
  await browser.waitUntil(async () => /verified|checked/i.test(await copyCheck.getText()), {
    timeout: 15_000,
    timeoutMsg: 'the last copy outside Aura was not shown',
  });
  await screenshot(browser, 'strategy-copies');
});
