export { InstanceDetails } from './InstanceDetails';
export { InstanceList } from './InstanceList';
export { InstancesView } from './InstancesView';
export { LIST_IDLE_MS, LIST_REFRESH_MS, useInstances } from './useInstances';
