import { useEffect, useState } from 'preact/hooks';
import { type AppError, type JobListener, type JobStarted, toAppError } from '../../api';
import { type RestoreChoices, type RestoreConfirmDialogProps, useToast } from '../../components';
import { useJobs } from './JobsProvider';

/** What a confirmed start sends to the shell: the plan's one-time token and the user's choices. */
export type ConfirmedRequest = { token: string } & RestoreChoices;

export type ConfirmedStartOptions<Plan extends { token: string }> = {
  /**
   * Asks the shell for the plan and its one-time token. Give a stable function (useCallback over
   * what it asks about): a new function asks again and drops the plan in hand.
   */
  prepare: () => Promise<Plan>;
  /** Starts the job with the token and the choices, passing `onUpdate` on to the shell. */
  start: (request: ConfirmedRequest, onUpdate: JobListener) => Promise<JobStarted>;
  /** The toast when the shell refuses the token as expired or used; the dialog then closes. */
  expiredMessage: (plan: Plan) => string;
  onStarted: (jobId: string) => void;
  onClose: () => void;
};

/** The part of RestoreConfirmDialog's props this hook drives. */
export type ConfirmedStartProps = Pick<
  RestoreConfirmDialogProps,
  'prepared' | 'prepareError' | 'onRetryPrepare' | 'submitting' | 'submitError' | 'onConfirm'
>;

/**
 * The round trip behind every RestoreConfirmDialog, kept in one place so that each kind of
 * overwrite (snapshot, backup file, data export) keeps the same guarantees: on open it asks for a
 * plan with a one-time token (an answer that comes after the dialog closed, or asked about
 * something else, is dropped; "Try again" asks anew), and on confirm it starts the job with that
 * token, doing nothing while a start is under way. A token the shell no longer accepts closes the
 * dialog with a toast, since confirming again needs a fresh one; any other refusal stays in the
 * dialog to be read.
 */
export function useConfirmedStart<Plan extends { token: string }>({
  prepare,
  start,
  expiredMessage,
  onStarted,
  onClose,
}: ConfirmedStartOptions<Plan>): { plan: Plan | null; confirmProps: ConfirmedStartProps } {
  const jobs = useJobs();
  const toast = useToast();

  const [plan, setPlan] = useState<Plan | null>(null);
  const [planError, setPlanError] = useState<AppError | null>(null);
  const [attempt, setAttempt] = useState(0);
  const [submitting, setSubmitting] = useState(false);
  const [submitError, setSubmitError] = useState<AppError | null>(null);

  // attempt is a deliberate re-run trigger ("Try again").
  useEffect(() => {
    let live = true;
    setPlanError(null);
    prepare().then(
      (next) => {
        if (live) setPlan(next);
      },
      (reason: unknown) => {
        if (live) setPlanError(toAppError(reason));
      },
    );
    return () => {
      live = false;
    };
  }, [prepare, attempt]);

  const confirm = async ({ safetySnapshot, reason }: RestoreChoices) => {
    if (!plan || submitting) return;
    setSubmitting(true);
    setSubmitError(null);
    try {
      const jobId = await jobs.start((onUpdate) =>
        start({ token: plan.token, safetySnapshot, reason }, onUpdate),
      );
      onStarted(jobId);
    } catch (reason) {
      const error = toAppError(reason);
      if (error.code === 'confirmation-required') {
        toast.show({ tone: 'error', message: expiredMessage(plan) });
        onClose();
        return;
      }
      setSubmitError(error);
      setSubmitting(false);
    }
  };

  return {
    plan,
    confirmProps: {
      prepared: plan !== null,
      prepareError: planError,
      onRetryPrepare: () => setAttempt((n) => n + 1),
      submitting,
      submitError,
      onConfirm: (choices) => void confirm(choices),
    },
  };
}
