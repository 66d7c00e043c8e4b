export { SnapshotBrowser, type SnapshotBrowserProps } from './SnapshotBrowser';
export { SNAPSHOT_REFRESH_MS } from './useSnapshots';
