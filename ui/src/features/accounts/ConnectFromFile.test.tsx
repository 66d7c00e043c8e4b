import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/preact';
import { describe, expect, it } from 'vitest';
import {
  type AccountView,
  type CredentialsFileView,
  createTauriBackend,
  type FileDropEvent,
} from '../../api';
import { App } from '../../app/App';
import { accountList, acmeInfo, shellDefaults } from '../../test/accounts';
import { channelOf } from '../../test/channels';
import { production, sandboxInfo, staging } from '../../test/fixtures';
import { type CommandHandlers, callsOf, mockCommands } from '../../test/ipc';
import { PLAIN_TEXT_WARNING } from './ConnectedFromFile';

const FILE_PATH = '/home/ada/Downloads/Neo4j-API-Key-Backups.txt';

const read: CredentialsFileView = {
  token: 'credentials-1',
  fileName: 'Neo4j-API-Key-Backups.txt',
  clientId: 'Xq8fB2mNcR7tVwY1zK4pLs9dHgJ3aE6u',
  clientName: 'Backups',
};

const connected: AccountView = {
  id: 'acct-new',
  label: 'Backups',
  kind: 'aura',
  clientIdHint: '…aE6u',
  status: 'ok',
  persistence: 'keyring',
};

/** The whole app over mocked IPC, with the window's drop channel captured. */
async function setup(overrides: CommandHandlers = {}) {
  const state = { list: accountList(), info: sandboxInfo };
  let drops: ReturnType<typeof channelOf<FileDropEvent>> | undefined;
  const calls = mockCommands({
    ...shellDefaults,
    app_info: () => state.info,
    list_accounts: () => state.list,
    list_instances: () => (state.info.mode === 'sandbox' ? [production] : [staging]),
    get_instance: (args) => (args.id === staging.id ? staging : production),
    subscribe_file_drops: (args) => {
      drops = channelOf<FileDropEvent>(args.onEvent);
      return null;
    },
    inspect_file: () => {
      throw new Error('a drop on the connect dialog must not reach the file restore');
    },
    read_credentials_file: () => read,
    forget_credentials_file: () => null,
    connect_account_from_file: () => {
      state.info = { ...acmeInfo, accountLabel: 'Backups' };
      state.list = { accounts: [...accountList().accounts, connected], activeId: connected.id };
      return connected;
    },
    delete_credentials_file: () => read.fileName,
    ...overrides,
  });
  render(<App backend={createTauriBackend()} />);
  await waitFor(() => expect(drops).toBeDefined());
  const drop = (paths: string[]) => act(() => drops?.send({ event: 'drop', data: { paths } }));
  return { calls, drop };
}

async function openConnect() {
  const switcher = await screen.findByTestId('account-switcher');
  fireEvent.click(within(switcher).getByRole('button', { expanded: false }));
  fireEvent.click(await screen.findByTestId('connect-account'));
  return screen.findByTestId('connect-dialog');
}

const field = (id: string) => screen.getByTestId(id) as HTMLInputElement;

describe('connecting from the credentials file the Aura console downloads', () => {
  it('fills the form from a dropped file, connects with its token, then deletes the file on request', async () => {
    const { calls, drop } = await setup();
    await waitFor(() => expect(screen.getByTestId('details-name').textContent).toBe('Production'));
    await openConnect();
    drop([FILE_PATH]);

    await screen.findByTestId('connect-file-read');
    expect(callsOf(calls, 'read_credentials_file').map((c) => c.args)).toEqual([
      { path: FILE_PATH },
    ]);
    expect(callsOf(calls, 'inspect_file')).toHaveLength(0);
    expect(screen.getByTestId('connect-file-read').textContent).toContain(read.fileName);
    expect(field('connect-label').value).toBe('Backups');
    expect(field('connect-client-id').value).toBe(read.clientId);
    expect(field('connect-client-id').readOnly).toBe(true);
    // The secret never reaches the window: the field stays empty, disabled, and says where it is.
    expect(field('connect-client-secret').value).toBe('');
    expect(field('connect-client-secret').disabled).toBe(true);
    expect(field('connect-client-secret').placeholder).toBe(`From ${read.fileName}`);

    const submit = screen.getByTestId('connect-submit') as HTMLButtonElement;
    expect(submit.disabled).toBe(false);
    fireEvent.click(submit);

    const offer = await screen.findByTestId('connect-delete-offer');
    expect(callsOf(calls, 'connect_account')).toHaveLength(0);
    expect(callsOf(calls, 'connect_account_from_file').map((c) => c.args)).toEqual([
      { token: read.token, label: 'Backups', sessionOnly: false },
    ]);
    expect(offer.textContent).toContain(read.fileName);
    expect(offer.textContent).toContain(PLAIN_TEXT_WARNING);
    expect(screen.getByTestId('connect-dialog').textContent).toContain(
      'saved in your system keyring',
    );

    fireEvent.click(screen.getByTestId('connect-delete-file'));
    const deleted = await screen.findByTestId('connect-file-deleted');
    expect(deleted.textContent).toContain(`Deleted ${read.fileName}`);
    expect(callsOf(calls, 'delete_credentials_file').map((c) => c.args)).toEqual([
      { token: read.token },
    ]);
    fireEvent.click(screen.getByTestId('connect-done-button'));
    await waitFor(() => expect(screen.queryByTestId('connect-dialog')).toBeNull());
    await waitFor(() => expect(screen.getByTestId('account-label').textContent).toBe('Backups'));
    expect(callsOf(calls, 'forget_credentials_file').map((c) => c.args)).toEqual([
      { token: read.token },
    ]);
  });

  it('says plainly why a chosen file was not used, and connects nothing', async () => {
    const { calls } = await setup({
      choose_credentials_file: () => '/home/ada/Production.backup',
      read_credentials_file: () => {
        throw {
          code: 'credentials-file-not-text',
          message:
            'Production.backup is not a text file, so it is not an Aura credentials file. Nothing was changed.',
          retryable: false,
        };
      },
    });
    await openConnect();
    expect(screen.getByTestId('connect-choose-file').textContent).toBe('Choose file…');
    fireEvent.click(screen.getByTestId('connect-choose-file'));
    const error = await screen.findByTestId('connect-file-error');
    expect(error.textContent).toContain('That file was not used.');
    expect(error.textContent).toContain('Production.backup is not a text file');
    expect(callsOf(calls, 'read_credentials_file').map((c) => c.args)).toEqual([
      { path: '/home/ada/Production.backup' },
    ]);
    expect(field('connect-client-secret').disabled).toBe(false);
    expect((screen.getByTestId('connect-submit') as HTMLButtonElement).disabled).toBe(true);
    expect(callsOf(calls, 'connect_account_from_file')).toHaveLength(0);
  });

  it('keeps the file when asked, and lets go of it when Aura refuses the key', async () => {
    let refuse = true;
    const { calls, drop } = await setup({
      connect_account_from_file: () => {
        if (refuse) {
          throw { code: 'invalid-credentials', message: 'Unauthorized (401).', retryable: false };
        }
        return connected;
      },
    });
    await openConnect();
    drop([FILE_PATH]);
    await screen.findByTestId('connect-file-read');
    fireEvent.click(screen.getByTestId('connect-submit'));
    const error = await screen.findByTestId('connect-error');
    expect(error.textContent).toContain('Aura did not accept this key');
    expect(screen.queryByTestId('connect-file-read')).toBeNull();
    expect(callsOf(calls, 'forget_credentials_file')).toHaveLength(1);

    refuse = false;
    drop([FILE_PATH]);
    await screen.findByTestId('connect-file-read');
    fireEvent.click(screen.getByTestId('connect-submit'));
    await screen.findByTestId('connect-delete-offer');
    expect(screen.getByTestId('connect-done-button').textContent).toBe('Keep the file');
    fireEvent.click(screen.getByTestId('connect-done-button'));
    await waitFor(() => expect(screen.queryByTestId('connect-dialog')).toBeNull());
    expect(callsOf(calls, 'delete_credentials_file')).toHaveLength(0);
    expect(callsOf(calls, 'forget_credentials_file')).toHaveLength(2);
  });

  it('offers no deletion when the key could be kept for this session only', async () => {
    const { calls, drop } = await setup({
      connect_account_from_file: (args) => {
        if (!args.sessionOnly) {
          throw {
            code: 'keyring-unavailable',
            message: 'Your system keyring is locked or not available.',
            retryable: true,
          };
        }
        return { ...connected, persistence: 'session' };
      },
    });
    await openConnect();
    drop([FILE_PATH]);
    await screen.findByTestId('connect-file-read');
    fireEvent.click(screen.getByTestId('connect-submit'));
    fireEvent.click(await screen.findByTestId('connect-session-only'));
    expect(screen.getByTestId('connect-file-read')).toBeTruthy();
    fireEvent.click(screen.getByTestId('connect-submit'));
    const kept = await screen.findByTestId('connect-file-kept');
    expect(kept.textContent).toContain(`Keep ${read.fileName} somewhere only you can read`);
    expect(screen.queryByTestId('connect-delete-file')).toBeNull();
    expect(
      callsOf(calls, 'connect_account_from_file').map((c) => [c.args.token, c.args.sessionOnly]),
    ).toEqual([
      [read.token, false],
      [read.token, true],
    ]);
  });
});
