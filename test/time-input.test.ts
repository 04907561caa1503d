import { describe, expect, it } from 'vitest';
import { compactDate, formatTime, parseTimeInput, resolveTime } from '../src/core/time/time-input.js';
import { channelSlug } from '../src/core/incident/channel-name.js';

describe('times people type', () => {
  const now = new Date('2026-11-25T12:00:00Z');
  it.each([
    ['-20m', '2026-11-25T11:40:00.000Z'],
    ['-2h', '2026-11-25T10:00:00.000Z'],
    ['-1d', '2026-11-24T12:00:00.000Z'],
    ['2026-11-25T09:30+01:00', '2026-11-25T08:30:00.000Z'],
    ['2026-11-25T09:30:15Z', '2026-11-25T09:30:15.000Z'],
    ['2026-11-25T09:30-0500', '2026-11-25T14:30:00.000Z'],
  ])('%s', (text, expected) => {
    const parsed = parseTimeInput(text);
    if ('error' in parsed) throw new Error(parsed.error);
    expect(resolveTime(parsed, now).toISOString()).toBe(expected);
  });

  it.each([
    ['2026-11-25T09:30', /no UTC offset/],
    ['2026-13-45T09:30Z', /not a real date/],
    ['+20m', /not a time/],
    ['yesterday', /not a time/],
  ])('refuses %s', (text, reason) => {
    expect(parseTimeInput(text)).toEqual({ error: expect.stringMatching(reason) });
  });

  it('shows times and channel dates in the bot time zone', () => {
    const late = new Date('2026-11-25T23:30:00Z');
    expect(formatTime(late, 'UTC')).toBe('2026-11-25 23:30 UTC');
    expect(formatTime(late, 'Asia/Tokyo')).toBe('2026-11-26 08:30 GMT+9');
    expect(compactDate(late, 'Asia/Tokyo')).toBe('20261126');
  });
});

describe('channel slugs', () => {
  it('keeps whole words up to 32 characters, lowercase', () => {
    expect(channelSlug('Support bot obeys instructions hidden in uploaded PDFs')).toBe('support-bot-obeys-instructions');
    expect(channelSlug('Ünïcödé Modèl — drift!!')).toBe('unicode-model-drift');
    expect(channelSlug('Supercalifragilisticexpialidocious-and-more-words')).toBe('supercalifragilisticexpialidocio');
    expect(channelSlug('!!!')).toBe('incident');
  });
});
