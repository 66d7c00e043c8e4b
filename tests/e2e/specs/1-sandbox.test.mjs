// The first run of a new user: no account configured, so the app opens the sandbox and shows its practice
// project with each instance's live status.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { openApp, screenshot, waitUntilReady } from '../lib/app.mjs';

let browser;

// The name cell ellipsises long names (overflow: hidden), which WebDriver's visible-text atom reports as empty
// in WebKitGTK although it is drawn; textContent reads the same DOM node.
async function nameOf(row) {
  return (await row.$('[data-testid="instance-name"]').getProperty('textContent')).trim();
}

before(async () => {
  browser = await openApp();
  await waitUntilReady(browser);
});

after(async () => {
  if (browser) {
    await screenshot(browser, 'sandbox-final').catch(() => {});
    await browser.deleteSession();
  }
});

test('with no account, the window says plainly that it shows practice data', async () => {
  const banner = await browser.$('[data-testid="sandbox-banner"]');
  assert.ok(await banner.isDisplayed(), 'the sandbox banner is visible');
  assert.match(await banner.getText(), /practice/i);
});

test('the sandbox instances are listed with their tier and live status', async () => {
  const rows = await browser.$$('[data-testid="instance-row"]');
  const seen = {};
  for (const row of rows) {
    const name = await nameOf(row);
    seen[name] = {
      status: await row.getAttribute('data-status'),
      label: await row.$('[data-testid="instance-status"]').getText(),
      text: await row.getText(),
    };
  }
  assert.deepEqual(Object.keys(seen).sort(), ['Playground', 'Production', 'Staging']);
  for (const [name, row] of Object.entries(seen)) {
    assert.equal(row.status, 'running', `${name} is running in a fresh sandbox`);
    assert.match(row.label, /Running/, `${name} shows its status in words`);
  }
  assert.match(seen.Production.text, /Business Critical/);
  assert.match(seen.Staging.text, /Professional/);
  assert.match(seen.Playground.text, /Free/);
  await screenshot(browser, 'sandbox-instances');
});

test('choosing an instance shows its details', async () => {
  const rows = await browser.$$('[data-testid="instance-row"]');
  let production;
  for (const row of rows) {
    if ((await nameOf(row)) === 'Production') production = row;
  }
  assert.ok(production, 'Production is listed');
  await production.click();
  const details = await browser.$('[data-testid="instance-details"]');
  await details.waitForDisplayed({ timeout: 10_000 });
  await browser.waitUntil(
    async () => (await browser.$('[data-testid="details-name"]').getProperty('textContent')).trim() === 'Production',
    { timeout: 10_000, timeoutMsg: 'the details pane did not switch to Production' },
  );
  assert.match(await browser.$('[data-testid="details-status"]').getText(), /Running/);
  assert.match(await details.getText(), /neo4j\+s:\/\//, 'the connection address is shown');
  await screenshot(browser, 'production-details');
});
