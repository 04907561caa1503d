/**
 * Turns the Markdown-with-HTML of ATLAS case studies into plain chat text: HTML elements go (their
 * text stays), Markdown links become "text (url)", footnote markers become [1]. Angle brackets that
 * are not HTML (`<PROMPT>`, `<<<`) stay as text; each chat edge escapes what it must.
 */
const HTML_TAG =
  /<\/?(?:a|abbr|b|blockquote|br|code|del|div|em|font|h[1-6]|hr|i|img|ins|kbd|li|mark|ol|p|pre|q|s|small|span|strike|strong|sub|sup|table|tbody|td|th|thead|tr|tt|u|ul)(?:\s[^<>]*)?\/?>/gi;

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ', '#39': "'" };

export function chatText(markdown: string): string {
  return (
    markdown
      .replace(/<!--[\s\S]*?-->/g, '')
      .replace(/<(script|style|iframe|object)\b[\s\S]*?<\/\1\s*>/gi, '')
      .replace(/<(script|style|iframe|object)\b[^>]*>/gi, '')
      .replace(/<br\s*\/?>/gi, '\n')
      .replace(/<\/(?:div|p|li|tr|h[1-6])>/gi, '\n')
      .replace(HTML_TAG, '')
      // [text](url "title") → text (url); [text][ref] → text; "[1]: url "title"" → "[1] url"
      .replace(/\[((?:\\\]|[^\]])*)\]\((\S+?)(?:\s+"[^"]*")?\)/g, '$1 ($2)')
      .replace(/\[((?:\\\]|[^\]])*)\]\[[^\]]*\]/g, '$1')
      .replace(/^\[([^\]]+)\]:\s*(\S+).*$/gm, '[$1] $2')
      .replace(/\\([\\`*_{}[\]()#+\-.!|>])/g, '$1')
      .replace(/&(amp|lt|gt|quot|apos|nbsp|#39);/g, (_, name: string) => ENTITIES[name] ?? '')
      .replace(/[ \t]+\n/g, '\n')
      .replace(/\n{3,}/g, '\n\n')
      .trim()
  );
}

/** Cuts at a word boundary so a card stays within chat limits. */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max - 1);
  const space = cut.lastIndexOf(' ');
  return `${(space > max * 0.6 ? cut.slice(0, space) : cut).trimEnd()}…`;
}
