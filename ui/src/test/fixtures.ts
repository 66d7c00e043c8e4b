import type { AppError, AppInfo, InstanceView } from '../api';

export const sandboxInfo: AppInfo = {
  mode: 'sandbox',
  accountLabel: 'Sandbox',
  apiUrl: 'http://127.0.0.1:43123/v1',
  appVersion: '0.1.0',
  logFolder: '/home/ada/.local/share/dev.lifeboat.desktop/logs',
};

export const accountInfo: AppInfo = {
  mode: 'account',
  accountLabel: 'Acme Graph Team',
  apiUrl: 'https://api.neo4j.io/v1',
  appVersion: '0.1.0',
  logFolder: '/home/ada/.local/share/dev.lifeboat.desktop/logs',
};

export function instance(overrides: Partial<InstanceView> = {}): InstanceView {
  return {
    id: 'a1b2c3d4',
    name: 'Production',
    tenantId: 'tenant-1',
    tier: 'business-critical',
    tierLabel: 'Business Critical',
    version: '5',
    status: 'running',
    statusLabel: 'Running',
    statusTone: 'ok',
    cloudProvider: 'gcp',
    region: 'europe-west1',
    memory: '8GB',
    storage: '16GB',
    connectionUrl: 'neo4j+s://a1b2c3d4.databases.neo4j.io',
    createdAt: '2024-03-12T14:05:00Z',
    nodes: null,
    relationships: null,
    ...overrides,
  };
}

export const production = instance();
export const staging = instance({
  id: 'e5f6a7b8',
  name: 'Staging',
  tier: 'professional-db',
  tierLabel: 'Professional',
  status: 'restoring',
  statusLabel: 'Restoring from a snapshot…',
  statusTone: 'busy',
  connectionUrl: 'neo4j+s://e5f6a7b8.databases.neo4j.io',
  nodes: 1_234_567,
  relationships: 4_200,
});
export const freeTier = instance({
  id: 'c9d0e1f2',
  name: 'Playground',
  tier: 'free-db',
  tierLabel: 'Free',
  status: 'paused',
  statusLabel: 'Paused',
  statusTone: 'paused',
  memory: null,
  storage: null,
  connectionUrl: null,
});

export const rateLimited: AppError = {
  code: 'rate-limited',
  message: 'Aura is handling too many requests right now. Nothing was changed.',
  retryable: true,
};
