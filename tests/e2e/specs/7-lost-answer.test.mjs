// The moment of truth when the network fails: the sandbox acts on a restore and then cuts the connection before
// answering (the emulator's `drop` fault on the restore request). The app must not call that a failure: it checks
// with Aura, finds the restore under way, and follows it to the end — verified, announced, recorded — having sent
// the restore exactly once. While it runs (held in progress by the sandbox), a second restore cannot be started.
// Every wait is for an event (an outcome, a step state, a notification), never a sleep.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, test } from 'node:test';
import { instanceIdByName, jobCardIds, newJobCard, openApp, screenshot, waitUntilReady } from '../lib/app.mjs';
import { sandboxControl } from '../lib/sandbox.mjs';
import { waitForNotification } from '../lib/wait.mjs';

let browser;
let sandbox;
const $ = (selector) => browser.$(selector);
async function click(selector) {
  const el = await $(selector);
  await el.waitForClickable({ timeout: 20_000 });
  await el.click();
}
const RESTORE_ROUTE = 'POST /v1/instances/{id}/snapshots/{sid}/restore';
const restorePosts = async () =>
  (await sandbox.requests()).filter((e) => e.method === 'POST' && e.path.endsWith('/restore'));

before(async () => {
  browser = await openApp();
  await waitUntilReady(browser);
  sandbox = await sandboxControl();
});

after(async () => {
  await sandbox?.clearFaults().catch(() => {});
  await sandbox?.call('POST', '/transitions/release', {}).catch(() => {});
  if (browser) {
    await screenshot(browser, 'lost-answer-final').catch(() => {});
    await browser.deleteSession();
  }
});

async function openStagingRestore() {
  const id = await instanceIdByName(browser, 'Staging');
  assert.ok(id, 'Staging is listed');
  await click(`[data-testid="instance-row"][data-instance-id="${id}"]`);
  await (await $('[data-testid="snapshot-row"][data-status="Completed"]')).waitForExist({ timeout: 30_000 });
  const completed = await browser.$$('[data-testid="snapshot-row"][data-status="Completed"]');
  await completed[1].click();
  await click('[data-testid="restore-snapshot"]');
  await (await $('[data-testid="restore-dialog"]')).waitForDisplayed({ timeout: 10_000 });
  // No safety snapshot: the test is about the restore request itself.
  const safety = await $('[data-testid="restore-safety-snapshot"]');
  if (await safety.isSelected()) await safety.click();
  await (await $('[data-testid="restore-confirm-input"]')).setValue('RESTORE');
  const confirm = await $('[data-testid="restore-confirm"]');
  await browser.waitUntil(() => confirm.isEnabled(), { timeout: 10_000, timeoutMsg: 'confirm never unlocked' });
  return { id, confirm };
}

test('a restore whose answer was lost is checked with Aura and followed to its end, sent once', async () => {
  const { confirm } = await openStagingRestore();
  await sandbox.clearRequests();
  // Aura processes the restore, then the connection drops before its answer arrives.
  await sandbox.arm({ route: RESTORE_ROUTE, drop: true });
  const known = await jobCardIds(browser, 'restore');
  await confirm.click();

  const card = await newJobCard(browser, 'restore', known);
  const progress = await $(card);
  await browser.waitUntil(async () => (await progress.getAttribute('data-outcome')) !== 'running', {
    timeout: 90_000,
    timeoutMsg: 'the restore never ended',
  });
  assert.equal(await progress.getAttribute('data-outcome'), 'succeeded', await progress.getText());
  const states = {};
  for (const step of await progress.$$('[data-testid="job-step"]')) {
    states[await step.getAttribute('data-step-id')] = await step.getAttribute('data-state');
  }
  assert.equal(states.restoring, 'done', JSON.stringify(states));
  assert.equal(states.verify, 'done', JSON.stringify(states));
  assert.match(await (await progress.$('[data-testid="counts-after"]')).getText(), /\d/, 'verified with counts');
  const posts = await restorePosts();
  assert.equal(posts.length, 1, `the restore was sent exactly once: ${JSON.stringify(posts)}`);
  assert.equal(posts[0].dropped, true, 'and its answer was the one lost');
  await screenshot(browser, 'lost-answer-done');
});

test('the lost answer still ends with the notification and a successful entry in the history', async () => {
  const text = await waitForNotification(/Staging is running again/);
  assert.match(text, /Staging is running again/);
  const env = { ...process.env };
  for (const name of ['AURA_CLIENT_ID', 'AURA_CLIENT_SECRET', 'LIFEBOAT_DATA_DIR', 'LIFEBOAT_API_URL', 'LIFEBOAT_AUTH_URL']) {
    delete env[name];
  }
  const history = JSON.parse(
    execFileSync(process.env.LIFEBOAT_APP, ['history', 'list', '--kind', 'restore', '--format', 'json'], { encoding: 'utf8', env }),
  );
  const mine = history.filter((e) => e.instanceName === 'Staging');
  assert.ok(mine.length >= 1, `a restore of Staging is in the history: ${JSON.stringify(history)}`);
  assert.equal(mine[0].outcome, 'succeeded', JSON.stringify(mine[0]));
});

test('while a restore is under way, a second one cannot be started, and the window says why', async () => {
  // The sandbox holds the next restore in progress until released.
  await sandbox.call('POST', '/transitions/hold', {});
  const { id, confirm } = await openStagingRestore();
  const known = await jobCardIds(browser, 'restore');
  await confirm.click();
  const card = await newJobCard(browser, 'restore', known);
  const restoring = await $(`${card} [data-testid="job-step"][data-step-id="restoring"]`);
  await browser.waitUntil(async () => (await restoring.getAttribute('data-state')) === 'active', {
    timeout: 30_000,
    timeoutMsg: 'the restore never got under way',
  });
  // One truth on screen: while the card says the restore runs, the list and the header say so too.
  const row = `[data-testid="instance-row"][data-instance-id="${id}"]`;
  await browser.waitUntil(
    async () =>
      (await (await $(row)).getAttribute('data-status')) === 'restoring' &&
      /restor/i.test(await (await $('[data-testid="details-status"]')).getText()),
    { timeout: 15_000, timeoutMsg: 'the list or the header did not say "restoring" while the card did' },
  );
  const again = await $('[data-testid="restore-snapshot"]');
  await again.waitForExist({ timeout: 10_000 });
  assert.equal(await again.isEnabled(), false, 'Restore… is disabled while the first restore runs');
  assert.match(await (await $('[data-testid="restore-busy"]')).getText(), /A restore of Staging is under way/);
  await screenshot(browser, 'second-restore-refused');

  await sandbox.call('POST', '/transitions/release', {});
  const progress = await $(card);
  await browser.waitUntil(async () => (await progress.getAttribute('data-outcome')) !== 'running', {
    timeout: 90_000,
    timeoutMsg: 'the held restore never ended after release',
  });
  assert.equal(await progress.getAttribute('data-outcome'), 'succeeded', await progress.getText());
  // ...and once it says "running again", so do they (a finished job refreshes the list at once).
  await browser.waitUntil(
    async () =>
      (await (await $(row)).getAttribute('data-status')) === 'running' &&
      /running/i.test(await (await $('[data-testid="details-status"]')).getText()),
    { timeout: 15_000, timeoutMsg: 'the list or the header still did not say "running" after the card did' },
  );
  await browser.waitUntil(async () => (await again.isEnabled()) === true, {
    timeout: 20_000,
    timeoutMsg: 'Restore… stayed disabled after the restore finished',
  });
});
