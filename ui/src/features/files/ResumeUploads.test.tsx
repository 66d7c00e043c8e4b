import { fireEvent, screen, waitFor, within } from '@testing-library/preact';
import { describe, expect, it, vi } from 'vitest';
import { resumable, uploadJob } from '../../test/files';
import { renderWithShell } from '../../test/harness';
import { type CommandHandlers, callsOf } from '../../test/ipc';
import { jobChannel, withSteps } from '../../test/jobs';
import { FileRestore } from './FileRestore';
import { ResumeUploads } from './ResumeUploads';

const staging = { id: 'e5f6a7b8', name: 'Staging', tier: 'professional-db' };

function start(handlers: CommandHandlers = {}) {
  const onResumed = vi.fn();
  const shell = renderWithShell(
    <>
      <ResumeUploads onResumed={onResumed} />
      <FileRestore instance={staging} />
    </>,
    {
      list_resumable_uploads: () => [resumable],
      db_login_status: () => ({ saved: true, user: 'neo4j', persistence: 'keyring' }),
      ...handlers,
    },
  );
  return { ...shell, onResumed };
}

describe('unfinished uploads', () => {
  it('offers to resume each one, with how far it got', async () => {
    const { calls } = start();
    const banner = await screen.findByTestId('resume-banner');
    expect(callsOf(calls, 'list_resumable_uploads')).toHaveLength(1);
    expect(banner.dataset.uploadId).toBe('upload-7');
    expect(banner.textContent).toContain('Resume upload of big.backup to Staging (72 % done)');
    expect(banner.textContent).toContain('your file was not changed');
  });

  it('an upload that only had its import left is offered as an import to watch, not a resume', async () => {
    start({ list_resumable_uploads: () => [{ ...resumable, percent: 100, uploaded: true }] });
    const banner = await screen.findByTestId('resume-banner');
    expect(banner.textContent).toContain(
      'Aura was importing big.backup into Staging when Lifeboat stopped',
    );
    expect(banner.textContent).toContain('nothing needs to be sent again');
    expect(banner.textContent).not.toContain('Resume upload');
    expect(screen.getByTestId('resume-upload').textContent).toBe('Watch import');
    expect(screen.getByTestId('discard-upload').textContent).toBe('Dismiss');
  });

  it('Resume makes it a normal job again', async () => {
    const { calls, onResumed } = start({
      resume_upload: (args) => {
        jobChannel(args.onEvent).send({
          ...withSteps({ ...uploadJob, instanceId: staging.id, instanceName: 'Staging' }, [
            'done',
            'done',
            'done',
            'active',
          ]),
          progress: {
            bytesDone: 3_600_000_000,
            bytesTotal: 5_000_000_000,
            bytesPerSec: 40_000_000,
            etaSecs: 35,
            estimate: false,
          },
        });
        return { jobId: uploadJob.id };
      },
    });
    fireEvent.click(await screen.findByTestId('resume-upload'));
    await waitFor(() => expect(screen.queryByTestId('resume-banner')).toBeNull());
    expect(callsOf(calls, 'resume_upload')[0]?.args.uploadId).toBe('upload-7');
    expect(onResumed).toHaveBeenCalledWith(staging.id);
    const progress = await screen.findByTestId('job-progress');
    expect(progress.dataset.kind).toBe('upload');
    expect(within(progress).getByTestId('upload-progress').textContent).toBe(
      '3.4 GiB of 4.7 GiB · 38 MiB/s · less than a minute left',
    );
    expect(within(progress).getByTestId('cancel-job')).toBeTruthy();
  });

  it('Discard forgets it and says nothing was changed', async () => {
    const { calls } = start({ discard_upload: () => null });
    fireEvent.click(await screen.findByTestId('discard-upload'));
    await waitFor(() => expect(screen.queryByTestId('resume-banner')).toBeNull());
    expect(callsOf(calls, 'discard_upload').map((c) => c.args)).toEqual([{ uploadId: 'upload-7' }]);
    expect(callsOf(calls, 'resume_upload')).toHaveLength(0);
    expect((await screen.findByTestId('toast')).textContent).toContain(
      'Your file and Staging were not changed.',
    );
  });

  it('keeps the banner with the plain message when resuming fails', async () => {
    start({
      resume_upload: () => {
        throw {
          code: 'file-changed',
          message: 'big.backup changed since the upload started, so it cannot be resumed.',
          retryable: false,
        };
      },
    });
    fireEvent.click(await screen.findByTestId('resume-upload'));
    const error = await screen.findByTestId('resume-error');
    expect(error.textContent).toContain('cannot be resumed');
    expect(screen.getByTestId('resume-banner')).toBeTruthy();
  });
});
