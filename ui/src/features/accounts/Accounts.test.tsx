import { fireEvent, render, screen, waitFor, within } from '@testing-library/preact';
import { describe, expect, it } from 'vitest';
import { type AccountList, createTauriBackend, type DbLoginStatus } from '../../api';
import { App } from '../../app/App';
import { accountList, acmeAccount, acmeInfo, shellDefaults } from '../../test/accounts';
import { resumable } from '../../test/files';
import { production, sandboxInfo, staging } from '../../test/fixtures';
import { type CommandHandlers, callsOf, mockCommands } from '../../test/ipc';
import { job } from '../../test/jobs';
import { INVALID_KEY_MESSAGE } from './ConnectDialog';

const newAccount = {
  id: 'acct-new',
  label: 'Beta project',
  kind: 'aura' as const,
  clientIdHint: '…c0de',
  status: 'ok' as const,
  persistence: 'keyring' as const,
};

/** The whole app over mocked IPC; `state` lets handlers answer according to the active account. */
function setup(overrides: CommandHandlers = {}) {
  const state = { list: accountList(), info: sandboxInfo };
  const calls = mockCommands({
    ...shellDefaults,
    app_info: () => state.info,
    list_accounts: () => state.list,
    list_instances: () => (state.info.mode === 'sandbox' ? [production] : [staging]),
    get_instance: (args) => (args.id === staging.id ? staging : production),
    ...overrides,
  });
  render(<App backend={createTauriBackend()} />);
  return { calls, state };
}

async function openMenu() {
  const switcher = await screen.findByTestId('account-switcher');
  fireEvent.click(within(switcher).getByRole('button', { expanded: false }));
  return screen.findByTestId('account-menu');
}

async function openConnect() {
  await openMenu();
  fireEvent.click(screen.getByTestId('connect-account'));
  return screen.findByTestId('connect-dialog');
}

function fillConnect(secret = 's3cr3t-value') {
  fireEvent.input(screen.getByTestId('connect-label'), { target: { value: ' Beta project ' } });
  fireEvent.input(screen.getByTestId('connect-client-id'), { target: { value: 'client-c0de' } });
  fireEvent.input(screen.getByTestId('connect-client-secret'), { target: { value: secret } });
}

const secretField = () => screen.getByTestId('connect-client-secret') as HTMLInputElement;
const submit = () => screen.getByTestId('connect-submit') as HTMLButtonElement;

describe('account switcher', () => {
  it('names the account in use and lists the others, with the sandbox as practice data', async () => {
    setup();
    const switcher = await screen.findByTestId('account-switcher');
    expect(switcher.textContent).toContain('Practice data');
    expect(within(switcher).getByTestId('account-label').textContent).toBe('Sandbox');
    const menu = await openMenu();
    const options = within(menu).getAllByTestId('account-option');
    expect(options.map((o) => [o.dataset.accountId, o.dataset.kind])).toEqual([
      ['acct-acme', 'aura'],
      ['sandbox', 'sandbox'],
    ]);
    expect(options[1]?.getAttribute('aria-current')).toBe('true');
    expect(options[1]?.textContent).toContain('Practice data on this computer');
    expect(options[0]?.textContent).toContain('Key …7f3a');
    fireEvent.keyDown(menu, { key: 'Escape' });
    expect(screen.queryByTestId('account-menu')).toBeNull();
  });

  it('switches accounts and loads instances, snapshots and jobs again', async () => {
    const { calls, state } = setup({
      switch_account: (args) => {
        state.info = acmeInfo;
        state.list = accountList({ activeId: String(args.id) });
        return acmeInfo;
      },
    });
    await waitFor(() =>
      expect(screen.getByTestId('details-name').textContent).toBe(production.name),
    );
    const before = {
      instances: callsOf(calls, 'list_instances').length,
      jobs: callsOf(calls, 'list_jobs').length,
      uploads: callsOf(calls, 'list_resumable_uploads').length,
    };
    expect(before.jobs).toBe(1);

    const menu = await openMenu();
    const acme = within(menu)
      .getAllByTestId('account-option')
      .find((o) => o.dataset.accountId === 'acct-acme') as HTMLElement;
    fireEvent.click(acme);

    await waitFor(() => expect(screen.getByTestId('details-name').textContent).toBe('Staging'));
    expect(callsOf(calls, 'switch_account').map((c) => c.args)).toEqual([{ id: 'acct-acme' }]);
    expect(callsOf(calls, 'list_instances').length).toBeGreaterThan(before.instances);
    expect(callsOf(calls, 'list_jobs')).toHaveLength(before.jobs + 1);
    await waitFor(() =>
      expect(callsOf(calls, 'list_resumable_uploads')).toHaveLength(before.uploads + 1),
    );
    expect(callsOf(calls, 'list_snapshots').map((c) => c.args.instanceId)).toContain(staging.id);
    expect(screen.getByTestId('account-label').textContent).toBe('Acme Graph Team');
    expect(screen.queryByTestId('sandbox-banner')).toBeNull();
  });

  it('stays on the account and says why when switching fails', async () => {
    const { calls } = setup({
      switch_account: () => {
        throw { code: 'offline', message: 'Aura could not be reached.', retryable: true };
      },
    });
    const menu = await openMenu();
    fireEvent.click(within(menu).getAllByTestId('account-option')[0] as HTMLElement);
    const toast = await screen.findByText(/Lifeboat couldn't switch/);
    expect(toast.textContent).toContain('Aura could not be reached.');
    expect(callsOf(calls, 'list_jobs')).toHaveLength(1);
    expect(screen.getByTestId('account-label').textContent).toBe('Sandbox');
  });
});

describe('connecting an Aura account', () => {
  it('explains where the key comes from and checks it before saving', async () => {
    const { calls } = setup({
      connect_account: () => {
        throw {
          code: 'invalid-credentials',
          message: 'Unauthorized (401).',
          retryable: false,
        };
      },
    });
    const dialog = await openConnect();
    expect(dialog.textContent).toContain(
      'Create an API key in the Aura console under Account → API keys',
    );
    expect(within(dialog).getByTestId('connect-console-url').textContent).toBe(
      'https://console.neo4j.io',
    );
    expect(document.activeElement).toBe(screen.getByTestId('connect-label'));
    expect(secretField().type).toBe('password');
    expect(submit().disabled).toBe(true);
    fillConnect();
    expect(submit().disabled).toBe(false);
    fireEvent.click(submit());

    const error = await screen.findByTestId('connect-error');
    expect(error.textContent).toContain(INVALID_KEY_MESSAGE);
    expect(error.textContent).toMatch(/^.*Aura did not accept this key/);
    expect(error.textContent).not.toContain('401');
    expect(callsOf(calls, 'connect_account').map((c) => c.args)).toEqual([
      {
        label: 'Beta project',
        clientId: 'client-c0de',
        clientSecret: 's3cr3t-value',
        sessionOnly: false,
      },
    ]);
    // The refused secret is not kept; the rest stays so only the secret is typed again.
    expect(secretField().value).toBe('');
    expect((screen.getByTestId('connect-client-id') as HTMLInputElement).value).toBe('client-c0de');
    expect(screen.queryByTestId('connect-session-only')).toBeNull();
    expect(screen.getByTestId('connect-dialog')).toBeTruthy();
  });

  it('offers "this session only" when the keyring is unavailable, sends it again and switches', async () => {
    const { calls, state } = setup({
      connect_account: (args) => {
        if (!args.sessionOnly) {
          throw {
            code: 'keyring-unavailable',
            message: 'Your system keyring is locked or not available.',
            retryable: true,
          };
        }
        state.info = { ...acmeInfo, accountLabel: 'Beta project' };
        state.list = {
          accounts: [...accountList().accounts, { ...newAccount, persistence: 'session' }],
          activeId: newAccount.id,
        };
        return { ...newAccount, persistence: 'session' };
      },
    });
    await waitFor(() => expect(screen.getByTestId('details-name').textContent).toBe('Production'));
    await openConnect();
    fillConnect();
    fireEvent.click(submit());
    const sessionOnly = (await screen.findByTestId('connect-session-only')) as HTMLInputElement;
    expect(screen.getByTestId('connect-error').textContent).toContain('keyring is locked');
    expect(sessionOnly.checked).toBe(false);
    fireEvent.click(sessionOnly);
    fireEvent.click(submit());

    await waitFor(() => expect(screen.queryByTestId('connect-dialog')).toBeNull());
    expect(
      callsOf(calls, 'connect_account').map((c) => [c.args.clientSecret, c.args.sessionOnly]),
    ).toEqual([
      ['s3cr3t-value', false],
      ['s3cr3t-value', true],
    ]);
    await waitFor(() =>
      expect(screen.getByTestId('account-label').textContent).toBe('Beta project'),
    );
    await waitFor(() => expect(screen.getByTestId('details-name').textContent).toBe('Staging'));
    expect(callsOf(calls, 'list_jobs')).toHaveLength(2);
  });

  it('clears the secret when the dialog is closed', async () => {
    const { calls } = setup();
    await openConnect();
    fillConnect('do-not-keep-me');
    const field = secretField();
    fireEvent.click(screen.getByTestId('connect-cancel'));
    await waitFor(() => expect(screen.queryByTestId('connect-dialog')).toBeNull());
    expect(field.value).toBe('');

    await openConnect();
    expect(secretField().value).toBe('');
    expect((screen.getByTestId('connect-label') as HTMLInputElement).value).toBe('');
    fireEvent.input(secretField(), { target: { value: 'again' } });
    fireEvent.keyDown(secretField(), { key: 'Escape' });
    await waitFor(() => expect(screen.queryByTestId('connect-dialog')).toBeNull());
    expect(callsOf(calls, 'connect_account')).toHaveLength(0);
    expect(document.body.textContent).not.toContain('do-not-keep-me');
  });
});

describe('managing accounts', () => {
  async function openManage() {
    await openMenu();
    fireEvent.click(screen.getByTestId('manage-accounts'));
    return screen.findByTestId('accounts-dialog');
  }

  it('disconnects only after a plain confirmation', async () => {
    const { calls, state } = setup({
      disconnect_account: () => {
        state.list = { accounts: [accountList().accounts[0]], activeId: 'sandbox' } as AccountList;
        return null;
      },
    });
    const dialog = await openManage();
    const acme = within(dialog)
      .getAllByTestId('account-row')
      .find((r) => r.dataset.accountId === 'acct-acme') as HTMLElement;
    fireEvent.click(within(acme).getByTestId('account-disconnect'));
    const confirm = await screen.findByTestId('disconnect-dialog');
    expect(confirm.textContent).toContain('This removes the key from your keyring');
    expect(confirm.textContent).toContain('Your Aura instances and their data are not touched');
    expect(screen.queryByTestId('restore-confirm-input')).toBeNull();

    fireEvent.keyDown(confirm, { key: 'Escape' });
    await waitFor(() => expect(screen.queryByTestId('disconnect-dialog')).toBeNull());
    expect(callsOf(calls, 'disconnect_account')).toHaveLength(0);
    expect(screen.getByTestId('accounts-dialog')).toBeTruthy();

    fireEvent.click(within(acme).getByTestId('account-disconnect'));
    fireEvent.click(await screen.findByTestId('disconnect-confirm'));
    await waitFor(() =>
      expect(callsOf(calls, 'disconnect_account').map((c) => c.args)).toEqual([
        { id: 'acct-acme' },
      ]),
    );
    await waitFor(() =>
      expect(
        within(screen.getByTestId('accounts-dialog'))
          .getAllByTestId('account-row')
          .map((r) => r.dataset.accountId),
      ).toEqual(['sandbox']),
    );
  });

  it('renames an account', async () => {
    const { calls, state } = setup({
      rename_account: (args) => {
        state.list = accountList({
          accounts: [accountList().accounts[0], { ...acmeAccount, label: String(args.label) }],
        } as Partial<AccountList>);
        return { ...acmeAccount, label: String(args.label) };
      },
    });
    const dialog = await openManage();
    const acme = within(dialog)
      .getAllByTestId('account-row')
      .find((r) => r.dataset.accountId === 'acct-acme') as HTMLElement;
    fireEvent.click(within(acme).getByTestId('account-rename'));
    fireEvent.input(within(acme).getByTestId('account-rename-input'), {
      target: { value: 'Acme production' },
    });
    fireEvent.click(within(acme).getByTestId('account-rename-save'));
    await waitFor(() =>
      expect(callsOf(calls, 'rename_account').map((c) => c.args)).toEqual([
        { id: 'acct-acme', label: 'Acme production' },
      ]),
    );
    await waitFor(() => expect(dialog.textContent).toContain('Acme production'));
  });

  it('shows a revoked key clearly and reconnects with the label filled in', async () => {
    setup({
      app_info: () => acmeInfo,
      list_accounts: () =>
        accountList({
          accounts: [accountList().accounts[0], { ...acmeAccount, status: 'revoked' }],
          activeId: 'acct-acme',
        } as Partial<AccountList>),
    });
    const revoked = await screen.findByTestId('account-revoked');
    expect(revoked.getAttribute('role')).toBe('alert');
    expect(revoked.textContent).toContain('Aura no longer accepts the key for Acme Graph Team');
    expect(revoked.textContent).toContain('Nothing in your Aura account was changed');
    expect(screen.getByTestId('account-switcher').textContent).toContain('key not accepted');

    fireEvent.click(within(revoked).getByTestId('account-reconnect'));
    const dialog = await screen.findByTestId('connect-dialog');
    expect((within(dialog).getByTestId('connect-label') as HTMLInputElement).value).toBe(
      'Acme Graph Team',
    );
    expect(dialog.textContent).toContain("The old key's client ID ended in 7f3a");
    expect(document.activeElement).toBe(screen.getByTestId('connect-client-id'));
    expect(secretField().value).toBe('');
  });
});

describe('database login in the instance details', () => {
  it('says where the login is saved, forgets it, and adds one', async () => {
    let status: DbLoginStatus = { saved: true, user: 'neo4j', persistence: 'keyring' };
    const { calls } = setup({
      db_login_status: () => status,
      forget_db_login: () => {
        status = { saved: false, user: null, persistence: null };
        return null;
      },
      save_db_login: (args) => ({ saved: true, user: String(args.user), persistence: 'keyring' }),
    });
    const fact = await screen.findByTestId('db-login-status');
    await waitFor(() => expect(fact.textContent).toContain('Saved in your keyring (user neo4j)'));
    expect(callsOf(calls, 'db_login_status')[0]?.args).toEqual({ instanceId: production.id });

    fireEvent.click(within(fact).getByTestId('db-login-forget'));
    await waitFor(() => expect(fact.textContent).toContain('Not saved'));
    expect(callsOf(calls, 'forget_db_login').map((c) => c.args)).toEqual([
      { instanceId: production.id },
    ]);
    expect(within(fact).queryByTestId('db-login-forget')).toBeNull();

    fireEvent.click(within(fact).getByTestId('db-login-add'));
    const dialog = await screen.findByTestId('db-login-dialog');
    fireEvent.input(within(dialog).getByTestId('db-login-user'), { target: { value: 'admin' } });
    fireEvent.input(within(dialog).getByTestId('db-login-password'), {
      target: { value: 'pw' },
    });
    fireEvent.click(within(dialog).getByTestId('db-login-save'));
    await waitFor(() => expect(screen.queryByTestId('db-login-dialog')).toBeNull());
    expect(fact.textContent).toContain('Saved in your keyring (user admin)');
    expect(callsOf(calls, 'save_db_login')[0]?.args).toEqual({
      instanceId: production.id,
      user: 'admin',
      password: 'pw',
      sessionOnly: false,
    });
  });

  it('offers no Forget for the sandbox login', async () => {
    setup();
    const fact = await screen.findByTestId('db-login-status');
    await waitFor(() => expect(fact.textContent).toContain('Built into the sandbox'));
    expect(within(fact).queryByTestId('db-login-forget')).toBeNull();
  });
});

describe('unfinished uploads at startup', () => {
  it('shows a banner and, on Resume, shows the instance the upload goes to', async () => {
    const { calls } = setup({
      list_instances: () => [production, staging],
      list_resumable_uploads: () => [resumable],
      resume_upload: () => ({ jobId: 'job-upload' }),
      watch_job: () =>
        job({
          id: 'job-upload',
          kind: 'upload',
          instanceId: staging.id,
          instanceName: 'Staging',
          title: 'Restore Staging from big.backup',
          startedAt: '2025-11-21T15:12:00Z',
          steps: [],
        }),
    });
    const banner = await screen.findByTestId('resume-banner');
    expect(banner.textContent).toContain('Resume upload of big.backup to Staging (72 % done)');
    await waitFor(() => expect(screen.getByTestId('details-name').textContent).toBe('Production'));
    fireEvent.click(within(banner).getByTestId('resume-upload'));
    await waitFor(() => expect(screen.getByTestId('details-name').textContent).toBe('Staging'));
    expect(callsOf(calls, 'resume_upload')[0]?.args.uploadId).toBe('upload-7');
    const progress = await screen.findByTestId('job-progress');
    expect(progress.dataset.kind).toBe('upload');
    expect(screen.queryByTestId('resume-banner')).toBeNull();
  });
});
