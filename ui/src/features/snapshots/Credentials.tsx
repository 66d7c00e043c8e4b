import { useEffect, useState } from 'preact/hooks';
import { type AppError, type ClonePassword, toAppError, useBackend } from '../../api';
import { CopyButton, ErrorNotice, Progress } from '../../components';
import { useJobs } from '../jobs';

/**
 * Asks the shell, once, for a finished clone job's one-time password and shows it. The password
 * lives only in this component's state, so it is gone when the dialog around it closes. Never log it.
 */
export function OneTimeCredentials({ jobId }: { jobId: string }) {
  const backend = useBackend();
  const { markRevealed } = useJobs();
  const [credentials, setCredentials] = useState<ClonePassword | null>(null);
  const [error, setError] = useState<AppError | null>(null);
  const [attempt, setAttempt] = useState(0);

  // attempt is a deliberate re-run trigger ("Try again" after a passing failure).
  useEffect(() => {
    let live = true;
    markRevealed(jobId);
    setError(null);
    backend.revealClonePassword(jobId).then(
      (value) => {
        if (live) setCredentials(value);
      },
      (reason: unknown) => {
        if (live) setError(toAppError(reason));
      },
    );
    return () => {
      live = false;
    };
  }, [backend, jobId, attempt, markRevealed]);

  if (error) {
    return (
      <ErrorNotice
        error={error}
        title="Lifeboat can't show the password here."
        onRetry={error.code === 'already-shown' ? undefined : () => setAttempt((n) => n + 1)}
        testId="clone-password-error"
      />
    );
  }
  if (!credentials) return <Progress label="Getting the password…" />;
  return (
    <div class="credentials" data-testid="clone-credentials">
      <dl class="facts facts--compact">
        <div class="fact">
          <dt class="fact__label">Username</dt>
          <dd class="fact__value">
            <code data-testid="clone-username">{credentials.username}</code>
          </dd>
        </div>
        <div class="fact">
          <dt class="fact__label">Password</dt>
          <dd class="fact__value">
            <span class="copyable">
              <code class="copyable__text" data-testid="clone-password">
                {credentials.password}
              </code>
              <CopyButton
                text={credentials.password}
                what="password"
                testId="copy-clone-password"
              />
            </span>
          </dd>
        </div>
      </dl>
      <p class="credentials__note">
        <strong>Shown once.</strong> Lifeboat has saved it in your system keyring.
      </p>
    </div>
  );
}
