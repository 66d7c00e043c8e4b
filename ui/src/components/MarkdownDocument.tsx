import { lexer, type Token, type Tokens } from 'marked';
import type { ComponentChildren } from 'preact';

/**
 * Markdown (the engine's reports) shown as a readable document. `marked` only tokenises it; the tokens become
 * Preact elements here, so no HTML from the text ever reaches the page (a report quotes what users typed, and the
 * window's CSP forbids inline markup anyway). Links are shown as text with their address: a report is read, not
 * browsed.
 */
export function MarkdownDocument({ markdown, testId }: { markdown: string; testId?: string }) {
  return (
    <div class="markdown" data-testid={testId}>
      {blocks(lexer(markdown))}
    </div>
  );
}

function blocks(tokens: readonly Token[]): ComponentChildren[] {
  return tokens.map((token, i) => block(token, i));
}

function block(token: Token, key: number): ComponentChildren {
  switch (token.type) {
    case 'heading': {
      const t = token as Tokens.Heading;
      const Tag = `h${Math.min(t.depth + 1, 6)}` as 'h2';
      return <Tag key={key}>{inline(t.tokens)}</Tag>;
    }
    case 'paragraph':
      return <p key={key}>{inline((token as Tokens.Paragraph).tokens)}</p>;
    case 'list': {
      const t = token as Tokens.List;
      const items = t.items.map((item, j) => <li key={j}>{itemContent(item)}</li>);
      return t.ordered ? <ol key={key}>{items}</ol> : <ul key={key}>{items}</ul>;
    }
    case 'table': {
      const t = token as Tokens.Table;
      const hasHeader = t.header.some((cell) => cell.text.trim() !== '');
      return (
        <div key={key} class="markdown__table">
          <table>
            {hasHeader && (
              <thead>
                <tr>
                  {t.header.map((cell, j) => (
                    <th key={j} scope="col">
                      {inline(cell.tokens)}
                    </th>
                  ))}
                </tr>
              </thead>
            )}
            <tbody>
              {t.rows.map((row, j) => (
                <tr key={j}>
                  {row.map((cell, k) =>
                    k === 0 ? (
                      <th key={k} scope="row">
                        {inline(cell.tokens)}
                      </th>
                    ) : (
                      <td key={k}>{inline(cell.tokens)}</td>
                    ),
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      );
    }
    case 'code':
      return (
        <pre key={key}>
          <code>{(token as Tokens.Code).text}</code>
        </pre>
      );
    case 'blockquote':
      return <blockquote key={key}>{blocks((token as Tokens.Blockquote).tokens)}</blockquote>;
    case 'hr':
      return <hr key={key} />;
    case 'space':
      return null;
    default:
      // Anything else (raw HTML included) is shown as the text it is.
      return <p key={key}>{'text' in token ? String(token.text) : token.raw}</p>;
  }
}

function itemContent(item: Tokens.ListItem): ComponentChildren {
  // A tight list item holds one text token with inline tokens of its own.
  return item.tokens.map((t, i) =>
    t.type === 'text' && 'tokens' in t && t.tokens ? (
      <span key={i}>{inline(t.tokens)}</span>
    ) : (
      block(t, i)
    ),
  );
}

function inline(tokens: readonly Token[] | undefined): ComponentChildren[] {
  return (tokens ?? []).map((token, i) => {
    switch (token.type) {
      case 'strong':
        return <strong key={i}>{inline((token as Tokens.Strong).tokens)}</strong>;
      case 'em':
        return <em key={i}>{inline((token as Tokens.Em).tokens)}</em>;
      case 'codespan':
        return <code key={i}>{(token as Tokens.Codespan).text}</code>;
      case 'br':
        return <br key={i} />;
      case 'link': {
        const t = token as Tokens.Link;
        const text = inline(t.tokens);
        return (
          <span key={i}>
            {text} ({t.href})
          </span>
        );
      }
      case 'text': {
        const t = token as Tokens.Text;
        return t.tokens ? <span key={i}>{inline(t.tokens)}</span> : decodeEntities(t.text);
      }
      case 'escape':
        return (token as Tokens.Escape).text;
      default:
        return 'text' in token ? decodeEntities(String(token.text)) : token.raw;
    }
  });
}

/** marked keeps entities its own escaping made in `text`; the page shows characters, not entities. */
function decodeEntities(text: string): string {
  return text
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&quot;', '"')
    .replaceAll('&#39;', "'")
    .replaceAll('&amp;', '&');
}
