import { clip } from '../text-input.js';

export const TITLE_MAX = 150;
export const SUMMARY_MAX = 2900;

/** The first sentence: up to the first `.`, `!` or `?` that ends a word (not "v2.1", not "e.g."). */
function firstSentence(text: string): { sentence: string; rest: string } {
  const end = /(?<!\b(?:e\.g|i\.e|etc|vs|approx|incl))[.!?](?=\s+\S)/i.exec(text);
  if (!end) return { sentence: text, rest: '' };
  return { sentence: text.slice(0, end.index + 1), rest: text.slice(end.index + 1).trim() };
}

/**
 * What a declare text becomes: a text that fits is the title; a longer one keeps its first sentence
 * as the title (cut at a word, with "…", when the sentence alone is too long) and the rest as the
 * summary. When the title had to be cut, the summary holds the whole text, so nothing typed is lost.
 */
export function titleAndSummary(text: string): { title: string; summary: string } {
  const typed = text.trim();
  if (typed.length <= TITLE_MAX) return { title: typed, summary: '' };
  const { sentence, rest } = firstSentence(typed);
  const title = sentence.replace(/\.$/, '');
  if (title.length <= TITLE_MAX && title.length >= 3) return { title, summary: rest };
  const cut = clip(typed, TITLE_MAX - 1);
  const atWord = cut.replace(/\s+\S*$/, '');
  return { title: `${atWord.length >= 3 ? atWord : cut}…`, summary: typed };
}
