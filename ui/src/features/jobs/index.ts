export { JobProgress, type JobProgressProps } from './JobProgress';
export { type JobsApi, JobsProvider, useJob, useJobs } from './JobsProvider';
