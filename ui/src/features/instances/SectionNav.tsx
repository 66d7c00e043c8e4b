import type { ComponentChildren } from 'preact';
import { bringIntoView } from '../../lib/view';

/** The parts of the instance view, in the order they appear. */
export const SECTIONS = [
  { id: 'snapshots', label: 'Snapshots' },
  { id: 'file', label: 'Restore from a file' },
  { id: 'data', label: 'Export & import' },
  { id: 'strategy', label: 'Backup strategy' },
  { id: 'about', label: 'About' },
] as const;

export type SectionId = (typeof SECTIONS)[number]['id'];

/** The element id of a section of the instance view. */
export function sectionElementId(id: SectionId): string {
  return `section-${id}`;
}

/** Brings a section of the instance view to the top of the pane and gives it the keyboard focus. */
export function showSection(id: SectionId) {
  bringIntoView(document.getElementById(sectionElementId(id)));
}

/**
 * A bar of links to each part of the instance view, at the top of the pane: with the snapshot history in its own
 * scroll box, every part is one click away, and "Restore from a file" is never 18,000 px down.
 */
export function SectionNav() {
  return (
    <nav class="section-nav" aria-label="Parts of this instance" data-testid="section-nav">
      {SECTIONS.map((section) => (
        <button
          key={section.id}
          type="button"
          class="section-nav__link"
          onClick={() => showSection(section.id)}
          data-testid={`section-link-${section.id}`}
        >
          {section.label}
        </button>
      ))}
    </nav>
  );
}

/** One part of the instance view: the target of its link in the section bar. */
export function Section({ id, children }: { id: SectionId; children: ComponentChildren }) {
  return (
    <div
      id={sectionElementId(id)}
      class="details__part"
      tabIndex={-1}
      data-testid={`section-${id}`}
    >
      {children}
    </div>
  );
}
