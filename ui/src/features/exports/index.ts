export { SnapshotExportDialog, type SnapshotExportDialogProps } from './SnapshotExportDialog';
