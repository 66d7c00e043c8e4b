export { DataTransfer, type DataTransferProps } from './DataTransfer';
export { GraphImportDialog, type GraphImportDialogProps } from './GraphImportDialog';
