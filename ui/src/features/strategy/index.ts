export { CopiesDialog, type CopiesDialogProps } from './CopiesDialog';
export { ObjectivesForm, type ObjectivesFormProps } from './ObjectivesForm';
export { Readiness, type ReadinessProps } from './Readiness';
