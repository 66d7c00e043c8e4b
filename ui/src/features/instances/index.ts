export { InstanceDetails } from './InstanceDetails';
export { InstanceList } from './InstanceList';
export { InstancesView } from './InstancesView';
export { LIST_REFRESH_MS, useInstances } from './useInstances';
