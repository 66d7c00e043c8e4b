export {
  type DropTarget,
  FileDropProvider,
  type LifeboatAutomation,
  useFileDrops,
} from './FileDropProvider';
export { FileRestore, type FileRestoreProps } from './FileRestore';
export { ResumeUploads, type ResumeUploadsProps } from './ResumeUploads';
