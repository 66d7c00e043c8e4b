import { useId, useState } from 'preact/hooks';
import { type AppError, type ScheduleSaved, toAppError, useBackend } from '../../api';
import { Button, Dialog, ErrorNotice } from '../../components';

export type CopiesDialogProps = {
  instanceId: string;
  instanceName: string;
  onClose: () => void;
  /** The schedule was saved (the panel lists it and reads readiness again). */
  onSaved: (saved: ScheduleSaved) => void;
};

const DAYS: [string, string][] = [
  ['mon', 'Monday'],
  ['tue', 'Tuesday'],
  ['wed', 'Wednesday'],
  ['thu', 'Thursday'],
  ['fri', 'Friday'],
  ['sat', 'Saturday'],
  ['sun', 'Sunday'],
];

/**
 * "Set up copies": a verified copy of the instance's data into a folder of the user's, every day or week at a
 * time, keeping the newest N (only files this schedule made are ever deleted). Offers the system scheduler's
 * entry so copies are made with Lifeboat closed.
 */
export function CopiesDialog({ instanceId, instanceName, onClose, onSaved }: CopiesDialogProps) {
  const backend = useBackend();
  const formId = useId();
  const [every, setEvery] = useState<'1d' | '1w'>('1d');
  const [on, setOn] = useState('mon');
  const [at, setAt] = useState('02:00');
  const [keep, setKeep] = useState('14');
  const [folder, setFolder] = useState('');
  const [install, setInstall] = useState(true);
  const [error, setError] = useState<AppError | null>(null);
  const [saving, setSaving] = useState(false);
  const [choosing, setChoosing] = useState(false);

  const choose = async () => {
    setChoosing(true);
    try {
      const picked = await backend.chooseCopiesFolder();
      if (picked) setFolder(picked);
    } catch (reason) {
      setError(toAppError(reason));
    } finally {
      setChoosing(false);
    }
  };

  const submit = async (event: Event) => {
    event.preventDefault();
    const n = Number(keep.trim());
    if (!Number.isInteger(n) || n < 1) {
      setError({
        code: 'invalid-input',
        message: 'Keep at least one copy (a whole number). Nothing was changed.',
        retryable: false,
      });
      return;
    }
    if (folder === '') {
      setError({
        code: 'invalid-input',
        message: 'Choose a folder for the copies. Nothing was changed.',
        retryable: false,
      });
      return;
    }
    setSaving(true);
    setError(null);
    try {
      const saved = await backend.addSchedule({
        instanceId,
        every,
        on: every === '1w' ? on : null,
        at,
        keep: n,
        folder,
        install,
      });
      onSaved(saved);
    } catch (reason) {
      setError(toAppError(reason));
    } finally {
      setSaving(false);
    }
  };

  return (
    <Dialog
      open
      title={`Set up copies of ${instanceName}`}
      description="Lifeboat exports the data to a folder of yours on a schedule, checks each copy, and keeps the newest ones, so you have backups beyond what Aura keeps."
      onClose={onClose}
      closeOnBackdropClick={false}
      testId="copies-dialog"
      actions={
        <>
          <Button type="button" variant="ghost" onClick={onClose}>
            Cancel
          </Button>
          <Button
            type="submit"
            form={formId}
            variant="primary"
            loading={saving}
            data-testid="copies-save"
          >
            Save schedule
          </Button>
        </>
      }
    >
      <form id={formId} class="form" onSubmit={(event) => void submit(event)}>
        <div class="field-row">
          <div class="field">
            <label for={`${formId}-every`}>How often</label>
            <select
              id={`${formId}-every`}
              value={every}
              onChange={(event) => setEvery(event.currentTarget.value as '1d' | '1w')}
              data-testid="copies-every"
            >
              <option value="1d">Every day</option>
              <option value="1w">Every week</option>
            </select>
          </div>
          {every === '1w' && (
            <div class="field">
              <label for={`${formId}-on`}>On</label>
              <select
                id={`${formId}-on`}
                value={on}
                onChange={(event) => setOn(event.currentTarget.value)}
                data-testid="copies-on"
              >
                {DAYS.map(([value, label]) => (
                  <option key={value} value={value}>
                    {label}
                  </option>
                ))}
              </select>
            </div>
          )}
          <div class="field">
            <label for={`${formId}-at`}>At</label>
            <input
              id={`${formId}-at`}
              type="time"
              value={at}
              required
              onInput={(event) => setAt(event.currentTarget.value)}
              data-testid="copies-at"
            />
          </div>
          <div class="field">
            <label for={`${formId}-keep`}>Copies to keep</label>
            <input
              id={`${formId}-keep`}
              type="text"
              inputMode="numeric"
              size={4}
              value={keep}
              onInput={(event) => setKeep(event.currentTarget.value)}
              data-testid="copies-keep"
            />
          </div>
        </div>
        <p class="field__hint">
          The time is this computer's. When there are more copies than this, Lifeboat deletes the
          oldest ones it made for this schedule, never any other file in the folder.
        </p>
        <div class="field">
          <span class="field__label">Folder</span>
          <div class="copies-folder">
            <code class="copies-folder__path" data-testid="copies-folder">
              {folder || 'No folder chosen yet'}
            </code>
            <Button
              type="button"
              size="small"
              loading={choosing}
              onClick={() => void choose()}
              data-testid="copies-choose-folder"
            >
              Choose folder…
            </Button>
          </div>
        </div>
        <label class="checkbox">
          <input
            type="checkbox"
            checked={install}
            onChange={(event) => setInstall(event.currentTarget.checked)}
            data-testid="copies-install"
          />
          Also make copies while Lifeboat is closed
        </label>
        <p class="field__hint">
          Lifeboat adds one entry to this computer's own scheduler, which starts the copy at the
          time you chose. It holds no password: the sign-in stays in your system keyring.
        </p>
        {error && (
          <ErrorNotice error={error} title="The schedule was not saved." testId="copies-error" />
        )}
      </form>
    </Dialog>
  );
}
