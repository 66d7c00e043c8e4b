// The quarterly restore test in one click, in the sandbox: "Test a restore" on a Staging snapshot creates a
// temporary instance from it, waits for it to run, counts its data and times the restore; the desktop says how long
// a restore takes; the test instance is deleted from the same place; and the drill is in History with its measured
// time, its report ready to read.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { openApp, screenshot, waitUntilReady } from '../lib/app.mjs';
import { waitForNotification } from '../lib/wait.mjs';

let browser;
const $ = (selector) => browser.$(selector);
async function click(selector) {
  const el = await $(selector);
  await el.waitForClickable({ timeout: 20_000 });
  await el.click();
}

let drillJobId;

before(async () => {
  browser = await openApp();
  await waitUntilReady(browser);
});

after(async () => {
  if (browser) {
    await screenshot(browser, 'drill-final').catch(() => {});
    await browser.deleteSession();
  }
});

test('"Test a restore" on a Staging snapshot runs a drill to the end without touching Staging', async () => {
  let id;
  for (const row of await browser.$$('[data-testid="instance-row"]')) {
    if (
      (await row.$('[data-testid="instance-name"]').getProperty('textContent')).trim() === 'Staging'
    ) {
      id = await row.getAttribute('data-instance-id');
    }
  }
  assert.ok(id, 'Staging is listed');
  await click(`[data-testid="instance-row"][data-instance-id="${id}"]`);
  await (await $('[data-testid="snapshot-row"][data-status="Completed"]')).waitForExist({
    timeout: 30_000,
  });
  const completed = await browser.$$('[data-testid="snapshot-row"][data-status="Completed"]');
  await completed[1].click();
  await (await $('[data-testid="drill-explanation"]')).waitForDisplayed({ timeout: 10_000 });
  assert.match(
    await (await $('[data-testid="drill-explanation"]')).getText(),
    /Nothing in Staging changes/,
  );
  await click('[data-testid="start-drill"]');

  const progress = await $('[data-testid="job-progress"]');
  await progress.waitForDisplayed({ timeout: 20_000 });
  await browser.waitUntil(async () => (await progress.getAttribute('data-outcome')) !== 'running', {
    timeout: 120_000,
    timeoutMsg: 'the drill did not finish',
  });
  assert.equal(await progress.getAttribute('data-outcome'), 'succeeded', await progress.getText());
  drillJobId = await progress.getAttribute('data-job-id');
  await screenshot(browser, 'drill-done');
});

test('the desktop says how long a restore takes and that Staging was not changed', async () => {
  const text = await waitForNotification(/Restore test of Staging finished/);
  assert.match(text, /A restore of Staging from this snapshot takes about/);
});

test('the test instance is deleted from the drill, after a confirmation', async () => {
  await click('[data-testid="delete-drill-instance"]');
  await click('[data-testid="delete-drill-confirm"]');
  await (await $('[data-testid="drill-deleted"]')).waitForDisplayed({ timeout: 30_000 });
});

test('History lists the drill with its measured time, and its report says what was tested', async () => {
  await click('[data-testid="history-button"]');
  const row = await $(`[data-testid="history-row"][data-kind="drill"][data-outcome="succeeded"]`);
  await row.waitForDisplayed({ timeout: 20_000 });
  if (drillJobId)
    assert.equal(await row.getAttribute('data-job-id'), drillJobId, 'the row is this drill');
  assert.match(await row.getText(), /Staging/);
  assert.match(
    await (await row.$('[data-testid="history-duration"]')).getText(),
    // The fast clock's drill can take under a second: the engine then says so in words.
    /\d|less than a second/,
    'the measured time is shown',
  );
  await screenshot(browser, 'drill-history');

  await (await row.$('[data-testid="history-report"]')).click();
  const report = await $('[data-testid="report-markdown"]');
  await report.waitForDisplayed({ timeout: 10_000 });
  const text = await report.getText();
  assert.match(text, /Staging/);
  assert.match(text, /drill|test/i);
  await click('[data-testid="report-close"]');
  await click('[data-testid="history-close"]');
});
