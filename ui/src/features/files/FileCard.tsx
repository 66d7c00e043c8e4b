import type { ComponentChildren } from 'preact';
import { useId } from 'preact/hooks';
import type { Inspection } from '../../api';
import { formatBytes } from '../../lib/files';
import { formatVersion } from '../../lib/format';
import { formatUtc, sincePhrase } from '../../lib/time';
import { useNow } from '../../lib/useNow';
import { CheckList } from './CheckList';

function Fact({ label, children }: { label: string; children: ComponentChildren }) {
  return (
    <div class="fact">
      <dt class="fact__label">{label}</dt>
      <dd class="fact__value">{children}</dd>
    </div>
  );
}

/**
 * What Lifeboat found in a backup file: its facts, the checklist (readable, complete, compatible,
 * fits) with a word and an icon for each, and why it cannot be restored when it can't. `children`
 * holds what comes next (the login form, the restore button).
 */
export function FileCard({
  inspection,
  children,
}: {
  inspection: Inspection;
  children?: ComponentChildren;
}) {
  const titleId = useId();
  const now = useNow(60_000);
  const version = formatVersion(inspection.neo4jVersion ?? null);
  // Optional facts are left out of the reply when the file does not record them.
  const fullSize = inspection.fullSize ?? null;
  const showFullSize =
    fullSize !== null && (inspection.compressed || fullSize !== inspection.fileSize);
  return (
    <section
      class={`file-card${inspection.canUpload ? '' : ' file-card--blocked'}`}
      data-testid="file-card"
      data-can-upload={String(inspection.canUpload)}
      aria-labelledby={titleId}
    >
      <h4 id={titleId} class="file-card__name" data-testid="file-name">
        {inspection.fileName}
      </h4>
      <dl class="facts facts--compact">
        <Fact label="Size">{formatBytes(inspection.fileSize)}</Fact>
        <Fact label="Kind of file">
          <span data-testid="file-format">{inspection.formatLabel}</span>
        </Fact>
        {inspection.databaseName && <Fact label="Database">{inspection.databaseName}</Fact>}
        {inspection.backupTime && (
          <Fact label="Backup made">
            <time dateTime={inspection.backupTime} title={formatUtc(inspection.backupTime)}>
              {sincePhrase(inspection.backupTime, now)}
            </time>
          </Fact>
        )}
        {version && <Fact label="Made with">{version}</Fact>}
        {showFullSize && fullSize !== null && (
          <Fact label={inspection.compressed ? 'Size once unpacked' : 'Size of the data'}>
            {formatBytes(fullSize)}
          </Fact>
        )}
      </dl>

      <CheckList checks={inspection.checks} testId="file-check" />

      {!inspection.canUpload && (
        <div class="notice notice--error" role="alert" data-testid="file-blocked">
          <span class="notice__icon" aria-hidden="true">
            !
          </span>
          <div class="notice__text">
            {/* The inspector's own reason leads: what is wrong with this file and what to do about it. */}
            {inspection.problems.length > 0 ? (
              inspection.problems.map((problem, i) => (
                <p
                  key={problem.code}
                  class={i === 0 ? 'notice__title' : 'notice__message'}
                  data-testid="file-problem"
                  data-problem-code={problem.code}
                >
                  {problem.message}
                </p>
              ))
            ) : (
              <p class="notice__title">
                This file did not pass the checks above. Try another backup file.
              </p>
            )}
            <p class="notice__message">
              Lifeboat can't restore from it. Nothing was changed, and your file was not touched.
            </p>
          </div>
        </div>
      )}

      {children}
    </section>
  );
}
