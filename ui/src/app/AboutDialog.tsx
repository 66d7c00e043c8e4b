import type { AppInfo } from '../api';
import { Button, Dialog } from '../components';

/** Which build this is, what it talks to and where its log is — what a colleague helping out asks for first. */
export function AboutDialog(props: { info: AppInfo; open: boolean; onClose: () => void }) {
  const { info, open, onClose } = props;
  return (
    <Dialog
      open={open}
      title="About Lifeboat"
      onClose={onClose}
      testId="about-dialog"
      description="Back up and restore your Neo4j Aura databases, with a safety net."
      actions={
        <Button variant="primary" onClick={onClose}>
          Close
        </Button>
      }
    >
      <dl class="facts facts--compact">
        <div class="fact">
          <dt class="fact__label">Version</dt>
          <dd class="fact__value">{info.appVersion}</dd>
        </div>
        <div class="fact">
          <dt class="fact__label">Connected to</dt>
          <dd class="fact__value">
            {info.mode === 'sandbox'
              ? 'The sandbox: practice data on this computer'
              : info.accountLabel}
          </dd>
        </div>
        <div class="fact">
          <dt class="fact__label">Aura API address</dt>
          <dd class="fact__value">
            <code>{info.apiUrl}</code>
          </dd>
        </div>
        <div class="fact">
          <dt class="fact__label">Log files</dt>
          <dd class="fact__value" data-testid="about-log-folder">
            {info.logFolder ? (
              <code>{info.logFolder}</code>
            ) : (
              'Not written: Lifeboat could not create its log folder.'
            )}
          </dd>
        </div>
      </dl>
    </Dialog>
  );
}
