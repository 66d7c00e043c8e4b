// Two bad moments of a file restore, in the real app against its sandbox:
// - Staging's last load failed (the sandbox's "stale failure"): Aura cannot snapshot it, so the dialog turns the
//   safety snapshot off and says why, and the restore works with the defaults the dialog offers;
// - the storage stalls mid-upload (503 with Retry-After): the card says "Waiting for Aura… retrying in N s",
//   shows no time left while it waits, and the upload then goes on to the end.
// Every wait is for an event (a status, an outcome, a line on the card), never a sleep.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { instanceIdByName, jobCardIds, newJobCard, openApp, screenshot, waitUntilReady } from '../lib/app.mjs';
import { sandboxControl } from '../lib/sandbox.mjs';

let browser;
let sandbox;
let file;
let staging;
const $ = (selector) => browser.$(selector);

before(async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'lifeboat-broken-'));
  file = path.join(dir, 'staging.backup');
  const generator = path.resolve(import.meta.dirname, '../../../target/debug/examples/inspect');
  execFileSync(generator, ['--generate', 'backup-zstd-v3', String(8 * 1024 * 1024), file, 'incompressible']);
  browser = await openApp();
  await waitUntilReady(browser);
  sandbox = await sandboxControl();
  staging = await instanceIdByName(browser, 'Staging');
  assert.ok(staging, 'Staging is listed');
});

after(async () => {
  await sandbox?.clearFaults().catch(() => {});
  if (browser) {
    await screenshot(browser, 'broken-final').catch(() => {});
    await browser.deleteSession();
  }
});

/** Drops the file on Staging, opens the restore dialog; the upload card that starts after confirming. */
async function dropAndOpenDialog() {
  await (await $(`[data-testid="instance-row"][data-instance-id="${staging}"]`)).click();
  await (await $('[data-testid="file-drop-zone"]')).waitForDisplayed({ timeout: 20_000 });
  await browser.execute((p) => window.__LIFEBOAT_AUTOMATION__.dropPaths([p]), file);
  const card = await $('[data-testid="file-card"]');
  await browser.waitUntil(async () => (await card.isExisting()) && (await card.getAttribute('data-can-upload')) === 'true', {
    timeout: 30_000,
    timeoutMsg: 'the dropped file was not accepted',
  });
  const restore = await $('[data-testid="restore-file"]');
  await restore.waitForClickable({ timeout: 10_000 });
  await restore.click();
  await (await $('[data-testid="file-restore-dialog"]')).waitForDisplayed({ timeout: 10_000 });
  await browser.waitUntil(async () => !(await (await $('[data-testid="restore-preparing"]')).isExisting()), {
    timeout: 20_000,
    timeoutMsg: 'the restore was never ready to confirm',
  });
}

async function confirmAndFollow() {
  const known = await jobCardIds(browser, 'upload');
  await (await $('[data-testid="restore-confirm-input"]')).setValue('RESTORE');
  const confirm = await $('[data-testid="restore-confirm"]');
  await browser.waitUntil(() => confirm.isEnabled(), { timeout: 10_000, timeoutMsg: 'confirm never unlocked' });
  await confirm.click();
  return newJobCard(browser, 'upload', known);
}

async function outcome(card) {
  const progress = await $(card);
  await browser.waitUntil(async () => (await progress.getAttribute('data-outcome')) !== 'running', {
    timeout: 120_000,
    timeoutMsg: 'the file restore never ended',
  });
  return [await progress.getAttribute('data-outcome'), await progress.getText()];
}

test('an instance whose last load failed is restored from a file with the defaults the dialog offers', async () => {
  await sandbox.call('POST', '/console/stale-failure', { instance: staging });
  await (await $(`[data-testid="instance-row"][data-instance-id="${staging}"]`)).click();
  await browser.waitUntil(async () => /fail/i.test(await (await $('[data-testid="details-status"]')).getText()), {
    timeout: 20_000,
    timeoutMsg: 'Staging was never shown as failed',
  });
  await dropAndOpenDialog();
  const safety = await $('[data-testid="restore-safety-snapshot"]');
  await browser.waitUntil(async () => !(await safety.isEnabled()), {
    timeout: 10_000,
    timeoutMsg: 'the safety snapshot stayed on offer for an instance Aura cannot snapshot',
  });
  assert.equal(await safety.isSelected(), false, 'the safety snapshot is off');
  const hint = await (await $('[data-testid="restore-safety-hint"]')).getText();
  assert.match(hint, /snapshot/i, `the dialog says why: ${hint}`);
  await screenshot(browser, 'broken-dialog');

  const [result, text] = await outcome(await confirmAndFollow());
  assert.equal(result, 'succeeded', text);
  await browser.waitUntil(async () => /running/i.test(await (await $('[data-testid="details-status"]')).getText()), {
    timeout: 20_000,
    timeoutMsg: 'Staging was not shown running after the restore',
  });
});

test('a stalled upload says "Waiting for Aura… retrying in N s", shows no time left, and then goes on', async () => {
  await dropAndOpenDialog();
  // The storage refuses one chunk, asking for a pause: long enough to be seen, short enough to wait for.
  await sandbox.arm({ route: 'PUT /objects/gcs/{session}', status: 503, retry_after: 6 });
  const card = await confirmAndFollow();
  // Read in the same probe that sees it: the line goes away once the retry is made.
  let words = '';
  let cardWords = '';
  await browser.waitUntil(
    async () => {
      const texts = await browser.execute((sel) => {
        const c = document.querySelector(sel);
        const w = c?.querySelector('[data-testid="job-waiting"]');
        return w ? [w.textContent, c.textContent] : null;
      }, card);
      if (texts) [words, cardWords] = texts;
      return texts !== null;
    },
    { timeout: 60_000, interval: 50, timeoutMsg: 'the stall was never shown' },
  );
  assert.match(words.trim(), /^Waiting for Aura… retrying in \d+ s$/, words);
  assert.doesNotMatch(cardWords, /\bleft\b/, 'no time left is promised while it waits');
  await screenshot(browser, 'stalled-upload');

  const [result, text] = await outcome(card);
  assert.equal(result, 'succeeded', text);
  assert.equal(await (await $(`${card} [data-testid="job-waiting"]`)).isExisting(), false, 'the waiting line is gone');
});
