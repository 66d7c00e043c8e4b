export { JobProgress, type JobProgressProps } from './JobProgress';
export { type JobsApi, JobsProvider, useJob, useJobs } from './JobsProvider';
export {
  type ConfirmedRequest,
  type ConfirmedStartOptions,
  type ConfirmedStartProps,
  useConfirmedStart,
} from './useConfirmedStart';
