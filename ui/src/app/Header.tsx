import { useState } from 'preact/hooks';
import type { AppInfo } from '../api';
import { Button } from '../components';
import { AccountSwitcher } from '../features/accounts';
import { HistoryDialog } from '../features/history';
import { AboutDialog } from './AboutDialog';

export function Header({ info }: { info: AppInfo | null }) {
  const [aboutOpen, setAboutOpen] = useState(false);
  const [historyOpen, setHistoryOpen] = useState(false);
  return (
    <header class="app-header">
      <div class="brand">
        <svg class="brand__mark" viewBox="0 0 32 32" aria-hidden="true">
          <circle cx="16" cy="16" r="12" fill="none" stroke="currentColor" stroke-width="5" />
          <path class="brand__stripes" d="M16 4v5M16 23v5M4 16h5M23 16h5" />
        </svg>
        <h1 class="brand__name">Lifeboat</h1>
      </div>
      {info && <AccountSwitcher info={info} />}
      {info && (
        <div class="app-header__actions">
          <Button
            variant="ghost"
            size="small"
            onClick={() => setHistoryOpen(true)}
            aria-haspopup="dialog"
            data-testid="history-button"
          >
            History
          </Button>
          <Button
            variant="ghost"
            size="small"
            onClick={() => setAboutOpen(true)}
            data-testid="about-button"
          >
            About
          </Button>
          <AboutDialog info={info} open={aboutOpen} onClose={() => setAboutOpen(false)} />
          {/* Mounted only while open, so it reads the history of the account in use each time. */}
          {historyOpen && <HistoryDialog onClose={() => setHistoryOpen(false)} />}
        </div>
      )}
    </header>
  );
}
