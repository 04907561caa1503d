const MAX_SLUG = 32;

/** `Support bot obeys instructions hidden in PDFs` → `support-bot-obeys-instructions`: whole words, ≤ 32 chars. */
export function channelSlug(title: string): string {
  const words = title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
  let slug = '';
  for (const word of words) {
    const next = slug ? `${slug}-${word}` : word;
    if (next.length > MAX_SLUG) break;
    slug = next;
  }
  if (!slug) slug = (words[0] ?? 'incident').slice(0, MAX_SLUG);
  return slug;
}
