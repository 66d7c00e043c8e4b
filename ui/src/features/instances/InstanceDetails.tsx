import type { ComponentChildren } from 'preact';
import type { AppError, InstanceView } from '../../api';
import { CopyButton, ErrorNotice, StatusPill } from '../../components';
import {
  formatCount,
  formatExactCount,
  formatLocation,
  formatSize,
  formatVersion,
} from '../../lib/format';
import { formatUtc, sincePhrase } from '../../lib/time';
import { useNow } from '../../lib/useNow';
import { Section, SectionNav } from './SectionNav';

export type InstanceDetailsProps = {
  instance: InstanceView;
  /** The latest single-instance read failed; the pane still shows the list's data. */
  error?: AppError | null;
  onRetry?: () => void;
  retrying?: boolean;
  /** Shown right under the name, before the facts: what an admin in trouble needs first. */
  children?: ComponentChildren;
  /** More facts from other features (each a `<div class="fact">`), before the instance id. */
  extraFacts?: ComponentChildren;
};

function Fact({
  label,
  testId,
  children,
}: {
  label: string;
  testId: string;
  children: ComponentChildren;
}) {
  return (
    <div class="fact">
      <dt class="fact__label">{label}</dt>
      <dd class="fact__value" data-testid={testId}>
        {children}
      </dd>
    </div>
  );
}

/** A count with the rounded words first and the exact figure beside it when they differ. */
function Count({ n }: { n: number }) {
  const rounded = formatCount(n);
  const exact = formatExactCount(n);
  if (rounded === exact) return exact;
  return (
    <>
      {rounded} <span class="muted">({exact})</span>
    </>
  );
}

/** Everything we know about one instance. Only facts the API reported are shown. */
export function InstanceDetails({
  instance,
  error,
  onRetry,
  retrying,
  children,
  extraFacts,
}: InstanceDetailsProps) {
  const version = formatVersion(instance.version);
  const now = useNow(60_000);
  return (
    <section
      class="details"
      data-testid="instance-details"
      data-instance-id={instance.id}
      aria-labelledby="details-name"
    >
      <header class="details__header">
        <h2 id="details-name" class="details__name" data-testid="details-name">
          {instance.name}
        </h2>
        <StatusPill
          tone={instance.statusTone}
          label={instance.statusLabel}
          testId="details-status"
        />
      </header>

      {error && (
        <ErrorNotice
          error={error}
          title="Couldn't load the latest details. Showing what the list last reported."
          onRetry={onRetry}
          retrying={retrying}
          testId="details-error"
        />
      )}

      <SectionNav />

      {children}

      <Section id="about">
        <h3 class="details__section-title">About this instance</h3>
        <dl class="facts">
          <Fact label="Plan" testId="details-tier">
            {instance.tierLabel}
          </Fact>
          {version && (
            <Fact label="Neo4j version" testId="details-version">
              {version}
            </Fact>
          )}
          <Fact label="Cloud and region" testId="details-location">
            {formatLocation(instance.cloudProvider, instance.region)}
          </Fact>
          {instance.memory && (
            <Fact label="Memory" testId="details-memory">
              {formatSize(instance.memory)}
            </Fact>
          )}
          {instance.storage && (
            <Fact label="Storage" testId="details-storage">
              {formatSize(instance.storage)}
            </Fact>
          )}
          {instance.nodes !== null && (
            <Fact label="Nodes" testId="details-nodes">
              <Count n={instance.nodes} />
            </Fact>
          )}
          {instance.relationships !== null && (
            <Fact label="Relationships" testId="details-relationships">
              <Count n={instance.relationships} />
            </Fact>
          )}
          {instance.createdAt && (
            <Fact label="Created" testId="details-created">
              <time dateTime={instance.createdAt} title={formatUtc(instance.createdAt)}>
                {sincePhrase(instance.createdAt, now)}
              </time>
            </Fact>
          )}
          {instance.connectionUrl && (
            <Fact label="Connection address" testId="details-connection-url">
              <span class="copyable">
                <code class="copyable__text">{instance.connectionUrl}</code>
                <CopyButton
                  text={instance.connectionUrl}
                  what="connection address"
                  testId="copy-connection-url"
                />
              </span>
            </Fact>
          )}
          {extraFacts}
          <Fact label="Instance ID" testId="details-id">
            <code>{instance.id}</code>
          </Fact>
        </dl>
      </Section>
    </section>
  );
}
