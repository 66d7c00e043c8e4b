export { AccountSwitcher, RevokedBanner } from './AccountSwitcher';
export { RevokedNotice } from './AccountsDialog';
export {
  type AccountsApi,
  AccountsProvider,
  type AccountsProviderProps,
  useAccounts,
} from './AccountsProvider';
export { CONSOLE_URL, INVALID_KEY_MESSAGE } from './ConnectDialog';
export {
  type DbLogin,
  DbLoginFact,
  DbLoginForm,
  type DbLoginFormProps,
  DbLoginsProvider,
  useDbLogin,
} from './DbLogins';
