import { describe, expect, it } from 'vitest';
import { acmeAccount, sandboxAccount } from '../test/accounts';
import {
  accountDetail,
  accountName,
  dbLoginText,
  orderAccounts,
  persistencePhrase,
} from './accounts';

describe('saved logins in words', () => {
  it('says where a login is kept', () => {
    expect(dbLoginText({ saved: true, user: 'neo4j', persistence: 'keyring' })).toBe(
      'Saved in your keyring (user neo4j)',
    );
    expect(dbLoginText({ saved: true, user: 'admin', persistence: 'session' })).toMatch(
      /^Kept for this session only .* \(user admin\)$/,
    );
    expect(dbLoginText({ saved: true, user: null, persistence: 'sandbox' })).toBe(
      'Built into the sandbox',
    );
    expect(dbLoginText({ saved: false, user: null, persistence: null })).toBe('Not saved');
    expect(persistencePhrase(null)).toBe('saved');
  });
});

describe('accounts in words', () => {
  it('labels the sandbox as practice data', () => {
    expect(accountName({ ...sandboxAccount, label: 'Local emulator' })).toBe('Sandbox');
    expect(accountDetail(sandboxAccount)).toBe('Practice data on this computer');
  });

  it('shows the end of the key and where it is kept', () => {
    expect(accountName(acmeAccount)).toBe('Acme Graph Team');
    expect(accountDetail(acmeAccount)).toBe('Key …7f3a');
    expect(accountDetail({ ...acmeAccount, persistence: 'session' })).toBe(
      'Key …7f3a, for this session only',
    );
    expect(accountDetail({ ...acmeAccount, status: 'revoked' })).toMatch(/reconnect/);
  });

  it('keeps the sandbox last, side by side with the real accounts', () => {
    const other = { ...acmeAccount, id: 'acct-2', label: 'Beta' };
    expect(orderAccounts([sandboxAccount, acmeAccount, other]).map((a) => a.id)).toEqual([
      'acct-acme',
      'acct-2',
      'sandbox',
    ]);
  });
});
