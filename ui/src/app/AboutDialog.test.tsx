import { render, screen } from '@testing-library/preact';
import { describe, expect, it, vi } from 'vitest';
import { sandboxInfo } from '../test/fixtures';
import { AboutDialog } from './AboutDialog';

describe('About dialog', () => {
  it('shows the version and the folder the log files are in', () => {
    render(<AboutDialog info={{ ...sandboxInfo, appVersion: '1.2.3' }} open onClose={vi.fn()} />);
    const dialog = screen.getByTestId('about-dialog');
    expect(dialog.textContent).toContain('1.2.3');
    expect(screen.getByTestId('about-log-folder').textContent).toBe(
      '/home/ada/.local/share/dev.lifeboat.desktop/logs',
    );
  });

  it('says plainly when no log file is written', () => {
    render(<AboutDialog info={{ ...sandboxInfo, logFolder: null }} open onClose={vi.fn()} />);
    expect(screen.getByTestId('about-log-folder').textContent).toBe(
      'Not written: Lifeboat could not create its log folder.',
    );
  });
});
