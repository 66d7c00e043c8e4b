/** Pure helpers for accounts and saved logins: plain words for where a secret is kept. */

import type { Account, DbLoginStatus, Persistence } from '../api';

/** Where a secret lives, in words: "saved in your keyring". */
export function persistencePhrase(persistence: Persistence | null): string {
  switch (persistence) {
    case 'keyring':
      return 'saved in your keyring';
    case 'session':
      return 'kept for this session only (forgotten when Lifeboat closes)';
    case 'sandbox':
      return 'built into the sandbox';
    default:
      return 'saved';
  }
}

/** "Saved in your keyring (user neo4j)" or "Not saved". */
export function dbLoginText(status: DbLoginStatus): string {
  if (!status.saved) return 'Not saved';
  const where = persistencePhrase(status.persistence);
  const text = where.charAt(0).toUpperCase() + where.slice(1);
  return status.user ? `${text} (user ${status.user})` : text;
}

/** The name to show for an account; the sandbox always says it is practice data. */
export function accountName(account: Pick<Account, 'kind' | 'label'>): string {
  return account.kind === 'sandbox' ? 'Sandbox' : account.label;
}

/** The second line for an account in the switcher. */
export function accountDetail(account: Account): string {
  if (account.kind === 'sandbox') return 'Practice data on this computer';
  if (account.status === 'revoked') return 'Key no longer accepted: reconnect';
  const key = account.clientIdHint ? `Key ${account.clientIdHint}` : 'Aura account';
  return account.persistence === 'session' ? `${key}, for this session only` : key;
}

/** Aura accounts first in their order, the sandbox last: it stays available side by side. */
export function orderAccounts(accounts: readonly Account[]): Account[] {
  return [
    ...accounts.filter((a) => a.kind !== 'sandbox'),
    ...accounts.filter((a) => a.kind === 'sandbox'),
  ];
}
