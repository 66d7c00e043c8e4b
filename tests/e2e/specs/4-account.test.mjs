// Accounts and secrets, end to end in the real app:
// - connect an Aura account through the window (a second, independent emulator stands in for Aura) from the
//   credentials file the Aura console downloads (written by the test into HOME's Downloads, dropped on the connect
//   dialog), delete that file through the dialog's offer, see its instances, save a database login, restore a
//   snapshot in it;
// - then prove the secrets (the account's client secret and the database password, random canaries) went only to
//   the OS keyring: not in any file of the app's data or config dirs, journals, logs, or any IPC reply.
// - the command line lists that account, uses it with --account NAME and reads the window's history;
// At the end the account is disconnected and its secret leaves the keyring.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { scanForSecrets, startSandbox } from '../lib/canary.mjs';
import { openApp, screenshot, waitUntilReady } from '../lib/app.mjs';

let browser;
let aura;
let auraDir;
const $ = (s) => browser.$(s);

before(async () => {
  // The app's "Connect an Aura account" talks to the endpoints given on its command line: this emulator.
  // Aura itself (this stand-in) of course knows its own secrets: its state lives apart and is not scanned.
  auraDir = await mkdtemp(path.join(os.tmpdir(), 'aura-standin-'));
  aura = await startSandbox(process.env.LIFEBOAT_APP, auraDir);
  process.env.CANARY_INFO = JSON.stringify(aura.info);
  browser = await openApp([
    '--api-url', aura.info.api_url,
    '--auth-url', aura.info.auth_url,
    '--console-url', aura.info.console_url,
    '--query-url', aura.info.query_url,
  ]);
  await waitUntilReady(browser);
  // Record every IPC reply the window receives (commands and channel messages both arrive as responses of
  // fetch() calls to Tauri's ipc: protocol), to scan them for secrets at the end.
  await browser.execute(() => {
    window.__ipcReplies = [];
    const original = window.fetch.bind(window);
    window.fetch = async (input, init) => {
      const response = await original(input, init);
      const url = typeof input === 'string' ? input : input.url;
      if (/^(ipc:|http:\/\/ipc\.localhost)/.test(url)) {
        response.clone().text().then((body) => window.__ipcReplies.push(`${url} ${body}`), () => {});
      }
      return response;
    };
  });
});

after(async () => {
  if (browser) {
    await screenshot(browser, 'account-final').catch(() => {});
    await browser.deleteSession();
  }
  aura?.child.kill();
});

test('an Aura account is connected from its downloaded credentials file, which is then deleted', async () => {
  // As the Aura console writes it, saved by the browser into Downloads.
  const downloads = path.join(process.env.LIFEBOAT_TEST_HOME, 'Downloads');
  await mkdir(downloads, { recursive: true });
  const file = path.join(downloads, 'Neo4j-API-Key-Canary org.txt');
  await writeFile(
    file,
    `CLIENT_ID=${aura.info.client_id}\nCLIENT_SECRET=${aura.info.client_secret}\nCLIENT_NAME=Canary org\n`,
  );

  await (await $('[data-testid="account-switcher-button"]')).click();
  await (await $('[data-testid="connect-account"]')).click();
  const dialog = await $('[data-testid="connect-dialog"]');
  await dialog.waitForDisplayed({ timeout: 10_000 });
  // WebDriver cannot perform an OS drop: the automation hook runs exactly what a real drop runs.
  await browser.execute((p) => window.__LIFEBOAT_AUTOMATION__.dropPaths([p]), file);
  await (await $('[data-testid="connect-file-read"]')).waitForDisplayed({ timeout: 10_000 });
  assert.equal(await (await $('[data-testid="connect-label"]')).getValue(), 'Canary org', 'named after CLIENT_NAME');
  assert.equal(await (await $('[data-testid="connect-client-id"]')).getValue(), aura.info.client_id);
  assert.equal(await (await $('[data-testid="connect-client-secret"]')).getValue(), '', 'the secret stays in Rust');
  await (await $('[data-testid="connect-submit"]')).click();

  const offer = await $('[data-testid="connect-delete-offer"]');
  await offer.waitForDisplayed({ timeout: 30_000 });
  assert.match(await offer.getText(), /plain text/);
  assert.ok(existsSync(file), 'nothing is deleted before the user asks');
  await (await $('[data-testid="connect-delete-file"]')).click();
  await (await $('[data-testid="connect-file-deleted"]')).waitForDisplayed({ timeout: 10_000 });
  assert.ok(!existsSync(file), 'the downloaded file was deleted');
  await screenshot(browser, 'account-file-deleted');
  await (await $('[data-testid="connect-done-button"]')).click();
  await dialog.waitForDisplayed({ reverse: true, timeout: 30_000 });
  await browser.waitUntil(async () => !(await (await $('[data-testid="sandbox-banner"]')).isExisting()), {
    timeout: 20_000,
    timeoutMsg: 'the window still shows the sandbox',
  });
  await (await $('[data-testid="instance-row"]')).waitForExist({ timeout: 30_000 });
  const ids = [];
  for (const row of await browser.$$('[data-testid="instance-row"]')) ids.push(await row.getAttribute('data-instance-id'));
  assert.deepEqual(ids.sort(), aura.info.instances.map((i) => i.id).sort(), 'the connected account’s instances');
  await screenshot(browser, 'account-connected');
});

test('the API secret is in the OS keyring (Secret Service), found by secret-tool', () => {
  const users = execFileSync('sh', ['-c', 'secret-tool search --all service "$0" 2>&1 || true', process.env.LIFEBOAT_KEYRING_SERVICE ?? 'dev.lifeboat.desktop.dev'], { encoding: 'utf8' });
  assert.match(users, /api-client:/, 'an api-client entry exists in the keyring');
  assert.ok(users.includes(aura.info.client_secret), 'the keyring holds the secret itself');
});

test('a database login is checked, saved in the keyring, and used for the before/after counts of a restore', async () => {
  const production = aura.info.instances.find((i) => i.name === 'Production');
  await (await $(`[data-testid="instance-row"][data-instance-id="${production.id}"]`)).click();
  const status = await $('[data-testid="db-login-status"]');
  await status.waitForDisplayed({ timeout: 20_000 });
  const add = await $('[data-testid="db-login-add"]');
  if (await add.isExisting()) await add.click();
  await (await $('[data-testid="db-login-password"]')).waitForDisplayed({ timeout: 10_000 });
  await (await $('[data-testid="db-login-user"]')).setValue(production.db_user);
  await (await $('[data-testid="db-login-password"]')).setValue(production.db_password);
  await (await $('[data-testid="db-login-save"]')).click();
  await browser.waitUntil(async () => /keyring/i.test(await status.getText()), {
    timeout: 20_000,
    timeoutMsg: 'the login was not reported as saved in the keyring',
  });

  const completed = await browser.$$('[data-testid="snapshot-row"][data-status="Completed"]');
  await completed[2].click();
  await (await $('[data-testid="restore-snapshot"]')).click();
  await (await $('[data-testid="restore-dialog"]')).waitForDisplayed({ timeout: 10_000 });
  await (await $('[data-testid="restore-confirm-input"]')).setValue('RESTORE');
  const confirm = await $('[data-testid="restore-confirm"]');
  await browser.waitUntil(() => confirm.isEnabled(), { timeout: 5_000 });
  await confirm.click();
  const progress = await $('[data-testid="job-progress"]');
  await browser.waitUntil(async () => (await progress.getAttribute('data-outcome')) === 'succeeded', {
    timeout: 90_000,
    timeoutMsg: 'the restore in the connected account did not succeed',
  });
  assert.match(await (await $('[data-testid="counts-after"]')).getText(), /\d/);
});

test('the command line lists the account connected in the window, uses it by name and finds its history', () => {
  // The same desktop session as the window: the same app folders and keyring; no key in the environment.
  const env = { ...process.env };
  for (const name of ['AURA_CLIENT_ID', 'AURA_CLIENT_SECRET', 'LIFEBOAT_DATA_DIR', 'LIFEBOAT_API_URL', 'LIFEBOAT_AUTH_URL']) {
    delete env[name];
  }
  const lifeboat = (args) => execFileSync(process.env.LIFEBOAT_APP, args, { encoding: 'utf8', env });
  const listed = lifeboat(['accounts', 'list', '--json']);
  assert.ok(!listed.includes(aura.info.client_secret), 'no secret in the list');
  const canary = JSON.parse(listed).find((a) => a.label === 'Canary org');
  assert.ok(canary, `the window's account is listed: ${listed}`);
  assert.equal(canary.apiUrl, aura.info.api_url);
  const instances = JSON.parse(lifeboat(['--account', 'Canary org', 'instances', 'list', '--json']));
  assert.deepEqual(
    instances.map((i) => i.id).sort(),
    aura.info.instances.map((i) => i.id).sort(),
    'the command line reaches the account with the key the window saved',
  );
  const history = JSON.parse(lifeboat(['history', 'list', '--kind', 'restore', '--format', 'json']));
  assert.ok(
    history.some((e) => e.recordedBy === 'app, Canary org' && e.outcome === 'succeeded'),
    `the window's restore is in the history the command line reads: ${JSON.stringify(history)}`,
  );
});

test('copies with the window closed: the timer, the service and the crontab lines for the window\'s account hold no secret', async () => {
  // The same desktop session as the window, no key in the environment: the database login the window saved for
  // Production is what the unattended runs will use, from the keyring. The system scheduler's own tools are
  // stand-ins that record what Lifeboat asks of them (this HOME has no user systemd and root's crontab is not
  // the test's to change); the files Lifeboat writes for them are the real ones.
  const env = { ...process.env };
  for (const name of ['AURA_CLIENT_ID', 'AURA_CLIENT_SECRET', 'LIFEBOAT_DATA_DIR', 'LIFEBOAT_API_URL', 'LIFEBOAT_AUTH_URL']) {
    delete env[name];
  }
  const home = process.env.LIFEBOAT_TEST_HOME;
  const tools = path.join(home, 'scheduler-tools');
  await mkdir(tools, { recursive: true });
  const systemctl = path.join(tools, 'systemctl');
  await writeFile(systemctl, `#!/bin/sh\necho "$*" >> '${tools}/systemctl.calls'\n`, { mode: 0o755 });
  const crontabFile = path.join(tools, 'crontab.txt');
  const crontab = path.join(tools, 'crontab');
  await writeFile(
    crontab,
    `#!/bin/sh\ncase "$1" in\n  -l) [ -f '${crontabFile}' ] && exec cat '${crontabFile}'; echo "no crontab for user" >&2; exit 1 ;;\n  -) exec cat > '${crontabFile}' ;;\nesac\nexit 2\n`,
    { mode: 0o755 },
  );
  const copies = await mkdtemp(path.join(home, 'copies-'));
  const production = aura.info.instances.find((i) => i.name === 'Production');
  const canaries = [aura.info.client_secret, production.db_password];
  const lifeboat = (args, backend) =>
    execFileSync(process.env.LIFEBOAT_APP, ['--account', 'Canary org', ...args], {
      encoding: 'utf8',
      env: { ...env, LIFEBOAT_OS_SCHEDULER: backend, LIFEBOAT_SYSTEMCTL: systemctl, LIFEBOAT_CRONTAB: crontab },
    });
  const add = ['schedule', 'add', '--instance', production.id, '--every', '1d', '--at', '03:30', '--keep', '2', '--to', copies, '--install'];
  const noSecretIn = (what, text) => {
    for (const canary of canaries) assert.ok(!text.includes(canary), `a secret in ${what}`);
  };

  noSecretIn('the command\'s answer', lifeboat(add, 'systemd'));
  const units = path.join(process.env.XDG_CONFIG_HOME, 'systemd', 'user');
  const timer = await readFile(path.join(units, 'lifeboat-copies.timer'), 'utf8');
  const service = await readFile(path.join(units, 'lifeboat-copies.service'), 'utf8');
  assert.match(timer, /OnCalendar=\*-\*-\* 03:30:00/);
  assert.match(service, /"schedule" "run-due"/);
  noSecretIn('the timer', timer);
  noSecretIn('the service', service);
  const name = JSON.parse(lifeboat(['schedule', 'list', '--json'], 'systemd')).find((s) => s.instanceId === production.id)?.name;
  assert.ok(name, 'the schedule is listed for Production');
  lifeboat(['schedule', 'remove', name], 'systemd');
  assert.ok(!existsSync(path.join(units, 'lifeboat-copies.timer')), 'removing the schedule removes the timer');

  // Where there is no user systemd: lines in the user's crontab.
  lifeboat(add, 'cron');
  const lines = await readFile(crontabFile, 'utf8');
  assert.match(lines, /schedule.*run-due/);
  noSecretIn('the crontab', lines);
  lifeboat(['schedule', 'remove', name], 'cron');
  assert.doesNotMatch(await readFile(crontabFile, 'utf8'), /run-due/, 'removing the schedule removes its lines');
  // The rest of HOME, the logs included, is scanned by the next test.
});

test('no secret is in any file the app wrote, its logs, or any IPC reply', async () => {
  const production = aura.info.instances.find((i) => i.name === 'Production');
  const canaries = [aura.info.client_secret, production.db_password];
  const replies = await browser.execute(() => window.__ipcReplies ?? []);
  assert.ok(replies.length > 5, 'IPC replies were recorded');
  for (const reply of replies) {
    for (const canary of canaries) assert.ok(!reply.includes(canary), `an IPC reply carried a secret: ${reply.slice(0, 80)}`);
  }
  // The whole private HOME: app data (jobs journals, sandbox), config (accounts.json), webview storage, caches,
  // Downloads (the credentials file was read, never copied, and is deleted), and the harness's logs (tauri-driver
  // output holds the app's stderr). The IPC replies above include reading the credentials file: a token, no secret.
  const hits = await scanForSecrets(process.env.LIFEBOAT_TEST_HOME, canaries);
  const logs = await scanForSecrets(process.env.TMPDIR, canaries, [auraDir]);
  assert.deepEqual([...hits, ...logs], [], 'secrets found outside the keyring');
});

test('disconnecting removes the key from the keyring and returns to the sandbox', async () => {
  await (await $('[data-testid="account-switcher-button"]')).click();
  await (await $('[data-testid="manage-accounts"]')).click();
  const remove = await $('[data-testid="account-disconnect"]');
  await remove.waitForClickable({ timeout: 10_000 });
  await remove.click();
  await (await $('[data-testid="disconnect-confirm"]')).click();
  await (await $('[data-testid="sandbox-banner"]')).waitForDisplayed({ timeout: 20_000 });
  const left = execFileSync('sh', ['-c', 'secret-tool search --all service "$0" 2>&1 || true', process.env.LIFEBOAT_KEYRING_SERVICE ?? 'dev.lifeboat.desktop.dev'], { encoding: 'utf8' });
  assert.ok(!left.includes(aura.info.client_secret), 'the API secret left the keyring');
});
