import type { FileRestorePlan, Inspection, JobState, ResumableUpload } from '../api';
import { job, step } from './jobs';

export const DUMP_PATH = '/home/ada/backups/production-2025-11-20.dump';

/**
 * `inspect_file`'s reply for a good dump, shaped as the engine serialises it (typed by the generated
 * `Inspection`; optional fields the engine leaves out when unknown are left out here too).
 */
export function inspection(overrides: Partial<Inspection> = {}): Inspection {
  return {
    path: DUMP_PATH,
    fileName: 'production-2025-11-20.dump',
    fileSize: 1_250_000_000,
    dumpSize: 1_250_000_000,
    modifiedAt: '2025-11-20T23:10:00Z',
    format: 'dump-zstd',
    formatLabel: 'Neo4j 5 dump, compressed',
    databaseName: 'neo4j',
    backupTime: '2025-11-20T23:00:00Z',
    neo4jVersion: '5',
    fullSize: 5_000_000_000,
    fullSizeFromMetadata: true,
    storeFiles: 3,
    storeBytes: 5_000_000_000,
    compressed: true,
    checks: [
      { id: 'readable', ok: true, message: 'This is a compressed Neo4j 5 dump.' },
      {
        id: 'complete',
        ok: true,
        message:
          'The file is whole: its structure checks out from start to end, and its contents match their checksums.',
      },
      {
        id: 'compatible',
        ok: true,
        message: 'This Neo4j 5 dump can be restored to this Neo4j 5 instance.',
      },
      { id: 'fits', ok: null, message: 'Aura does not report free space for this plan.' },
    ],
    canUpload: true,
    problems: [],
    notes: [],
    ...overrides,
  };
}

/** The inspector's words for a file cut off while copying (lifeboat-archive). */
export const TRUNCATED =
  'This file ends early \u2014 it was probably cut off while copying; copy it again.';

export const broken = inspection({
  checks: [
    { id: 'readable', ok: true, message: 'This is a compressed Neo4j 5 dump.' },
    { id: 'complete', ok: false, message: TRUNCATED },
    { id: 'compatible', ok: null, message: 'Not checked, because the file is incomplete.' },
    { id: 'fits', ok: null, message: 'Not checked, because the file is incomplete.' },
  ],
  canUpload: false,
  problems: [{ code: 'truncated', message: TRUNCATED }],
});

export const filePlan: FileRestorePlan = {
  token: 'file-token-91c2',
  instanceId: 'a1b2c3d4',
  instanceName: 'Production',
  path: DUMP_PATH,
  fileName: 'production-2025-11-20.dump',
  fileSize: 1_250_000_000,
  formatLabel: 'Neo4j 5 dump, compressed',
  safetySnapshot: { possible: true, reason: null },
  cost: {
    countsNow: { nodes: 1_204_322, relationships: 3_000_100 },
    dataTime: null,
    dataAgeSecs: null,
    holdsNow: 'Production holds 1,204,322 nodes and 3,000,100 relationships now.',
    dataAge: "How old the file's data is is unknown: this kind of file carries no date.",
    loss: 'Restoring it loses everything now in Production that the file does not have, however recent.',
  },
  messageBefore: {
    withSafetySnapshot:
      'Subject: Planned restore of Production on 21 Nov 2025 15:12 UTC\n\nWe are restoring the database Production to the backup file production-2025-11-20.dump.\nSafety net: a snapshot of Production as it is now is taken first, so we can go back if needed.\n',
    withoutSafetySnapshot:
      'Subject: Planned restore of Production on 21 Nov 2025 15:12 UTC\n\nWe are restoring the database Production to the backup file production-2025-11-20.dump.\n',
  },
  expiresAt: '2025-11-21T15:22:00Z',
};

export const uploadJob: JobState = job({
  id: 'job-upload',
  kind: 'upload',
  title: 'Restore Production from production-2025-11-20.dump',
  startedAt: '2025-11-21T15:12:00Z',
  steps: [
    step('counts-before', 'Count nodes and relationships'),
    step('safety-snapshot', 'Take a safety snapshot'),
    step('checksum', 'Check the file'),
    step('upload', 'Upload the file'),
    step('import', 'Load the data into Production'),
    step('verify', 'Check the data'),
  ],
});

export const resumable: ResumableUpload = {
  uploadId: 'upload-7',
  fileName: 'big.backup',
  path: '/data/big.backup',
  instanceId: 'e5f6a7b8',
  instanceName: 'Staging',
  percent: 72.4,
  uploaded: false,
};
