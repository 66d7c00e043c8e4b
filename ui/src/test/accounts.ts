import type { Account, AccountList, AppInfo } from '../api';
import type { CommandHandlers } from './ipc';
import { emptyTimeline } from './snapshots';

export const sandboxAccount: Account = {
  id: 'sandbox',
  label: 'Sandbox',
  kind: 'sandbox',
  clientIdHint: null,
  status: 'ok',
  persistence: 'sandbox',
};

export const acmeAccount: Account = {
  id: 'acct-acme',
  label: 'Acme Graph Team',
  kind: 'aura',
  clientIdHint: '…7f3a',
  status: 'ok',
  persistence: 'keyring',
};

export function accountList(overrides: Partial<AccountList> = {}): AccountList {
  return { accounts: [sandboxAccount, acmeAccount], activeId: 'sandbox', ...overrides };
}

export const acmeInfo: AppInfo = {
  mode: 'account',
  accountLabel: 'Acme Graph Team',
  apiUrl: 'https://api.neo4j.io/v1',
  appVersion: '0.1.0',
  logFolder: '/home/ada/.local/share/dev.lifeboat.desktop/logs',
};

/**
 * What the whole app asks for besides instances: accounts, drops, unfinished uploads, saved logins,
 * jobs and snapshots, all empty or neutral. Tests override what they look at.
 */
export const shellDefaults: CommandHandlers = {
  list_accounts: () => accountList(),
  subscribe_file_drops: () => null,
  list_resumable_uploads: () => [],
  db_login_status: () => ({ saved: true, user: 'neo4j', persistence: 'sandbox' }),
  list_jobs: () => [],
  list_snapshots: (args) => ({ ...emptyTimeline, instanceId: String(args.instanceId) }),
};
