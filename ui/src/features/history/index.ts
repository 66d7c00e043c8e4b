export { HistoryDialog, type HistoryDialogProps } from './HistoryDialog';
export { ReportDialog, type ReportDialogProps } from './ReportDialog';
