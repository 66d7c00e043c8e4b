import { render, screen, within } from '@testing-library/preact';
import { describe, expect, it } from 'vitest';
import { MarkdownDocument } from './MarkdownDocument';

const report = `# Restore of Production

**Outcome:** Succeeded. Reason: "bad <migration> & rollback"

| | |
|---|---|
| Instance | Production |
| Data lost | 4 h 12 min |

## Verification

| | Nodes | Relationships |
|---|---|---|
| Before | 1,204,322 | 4,817,902 |
| After | 1,201,000 | 4,800,000 |

- Request ids: \`req-1\`, \`req-2\`
- Lifeboat job: \`20251121T151000-abcd\`

<script>alert("x")</script>
`;

describe('MarkdownDocument', () => {
  it('shows headings, tables and lists as a document, with the words as written', () => {
    render(<MarkdownDocument markdown={report} testId="doc" />);
    const doc = screen.getByTestId('doc');
    expect(
      within(doc).getByRole('heading', { level: 2, name: 'Restore of Production' }),
    ).toBeTruthy();
    expect(within(doc).getByRole('heading', { level: 3, name: 'Verification' })).toBeTruthy();
    expect(doc.querySelector('strong')?.textContent).toBe('Outcome:');
    expect(doc.textContent).toContain('Reason: "bad <migration> & rollback"');

    const [facts, counts] = within(doc).getAllByRole('table');
    // A table whose header row is empty (a list of facts) has no header; the first cell of a row names it.
    expect(facts?.querySelector('thead')).toBeNull();
    expect(within(facts as HTMLElement).getByRole('rowheader', { name: 'Data lost' })).toBeTruthy();
    expect(
      within(counts as HTMLElement)
        .getAllByRole('columnheader')
        .map((c) => c.textContent),
    ).toEqual(['', 'Nodes', 'Relationships']);
    expect(within(counts as HTMLElement).getByRole('cell', { name: '1,204,322' })).toBeTruthy();

    const items = within(doc)
      .getAllByRole('listitem')
      .map((li) => li.textContent);
    expect(items).toEqual(['Request ids: req-1, req-2', 'Lifeboat job: 20251121T151000-abcd']);
    expect(doc.querySelectorAll('code')).toHaveLength(3);
  });

  it('never turns text into markup: raw HTML stays text', () => {
    render(<MarkdownDocument markdown={report} testId="doc" />);
    const doc = screen.getByTestId('doc');
    expect(doc.querySelector('script')).toBeNull();
    expect(doc.textContent).toContain('<script>alert("x")</script>');
  });
});
