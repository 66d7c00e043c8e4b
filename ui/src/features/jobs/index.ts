export { JobProgress, type JobProgressProps } from './JobProgress';
export { type JobsApi, JobsProvider, useJob, useJobs, useOptionalJobs } from './JobsProvider';
export {
  type ConfirmedRequest,
  type ConfirmedStartOptions,
  type ConfirmedStartProps,
  useConfirmedStart,
} from './useConfirmedStart';
