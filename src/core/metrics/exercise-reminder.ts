import type { Card } from '../cards/card.js';
import type { CoreContext } from '../context.js';
import type { ChatPlatform } from '../ports/chat-platform.js';
import { formatDuration } from '../time/time-input.js';
import { localDateString, localParts, quarterKey, quarterOf, quarterStart, zonedTime } from './period.js';

export type ReminderKind = 'start' | 'mid';

/** The first Monday–Friday on or after a calendar day. */
function firstWorkingDayFrom(year: number, month: number, day: number, timeZone: string): string {
  for (let offset = 0; offset < 7; offset += 1) {
    const at = zonedTime(year, month, day + offset, timeZone, 12);
    const p = localParts(at, timeZone);
    if (p.weekday <= 5) return localDateString(at, timeZone);
  }
  return localDateString(zonedTime(year, month, day, timeZone, 12), timeZone);
}

export function quarterReminderDays(year: number, quarter: number, timeZone: string): { start: string; mid: string } {
  const firstMonth = (quarter - 1) * 3 + 1;
  return { start: firstWorkingDayFrom(year, firstMonth, 1, timeZone), mid: firstWorkingDayFrom(year, firstMonth + 1, 15, timeZone) };
}

/**
 * Which quarterly reminder is due on a day: the quarter's first working day (or the days after it,
 * if the bot was down, until mid-quarter), and from mid-quarter on only if no exercise has run.
 */
export function reminderDue(at: Date, timeZone: string, exercisesThisQuarter: number): { kind: ReminderKind; key: string } | null {
  const { year, quarter } = quarterOf(at, timeZone);
  const days = quarterReminderDays(year, quarter, timeZone);
  const today = localDateString(at, timeZone);
  const key = quarterKey(year, quarter);
  if (today >= days.mid) return exercisesThisQuarter === 0 ? { kind: 'mid', key: `${key}-mid` } : null;
  if (today >= days.start) return { kind: 'start', key: `${key}-start` };
  return null;
}

export interface ScenarioSuggestion {
  playbookId: string;
  title: string;
  why: string;
}

const LOOKBACK_MS = 183 * 86_400_000;

/**
 * The weakest area: of the playbooks used in the last six months, the one slowest to contain
 * (median); with no contained incidents, the scenario exercised longest ago (never first).
 */
export async function suggestScenario(context: CoreContext, now: Date): Promise<ScenarioSuggestion | undefined> {
  const ids = context.playbooks.ids;
  if (ids.length === 0) return undefined;
  const stats = new Map((await context.store.metrics.scenarioStats({ from: new Date(now.getTime() - LOOKBACK_MS), to: now })).map((s) => [s.playbookId, s]));
  const title = (id: string) => context.playbooks.get(id)?.name ?? id;
  const slowest = ids
    .map((id) => stats.get(id))
    .filter((s) => s && s.medianContainSeconds !== null)
    .sort((a, b) => b!.medianContainSeconds! - a!.medianContainSeconds!)[0];
  if (slowest) {
    return {
      playbookId: slowest.playbookId,
      title: title(slowest.playbookId),
      why: `slowest to contain in the last six months: median ${formatDuration(slowest.medianContainSeconds! * 1000)} over ${slowest.incidents} incident${slowest.incidents === 1 ? '' : 's'}`,
    };
  }
  const stalest = [...ids].sort((a, b) => (stats.get(a)?.lastExerciseAt?.getTime() ?? 0) - (stats.get(b)?.lastExerciseAt?.getTime() ?? 0))[0]!;
  const last = stats.get(stalest)?.lastExerciseAt;
  return {
    playbookId: stalest,
    title: title(stalest),
    why: last ? `exercised longest ago (last on ${localDateString(last, context.timeZone)})` : 'never exercised, and no recent incident data to point elsewhere',
  };
}

export function reminderCard(kind: ReminderKind, quarter: string, suggestion: ScenarioSuggestion | undefined): Card {
  const title = kind === 'start' ? `Plan this quarter's tabletop exercise (${quarter})` : `Mid-quarter: no tabletop exercise has run yet in ${quarter}`;
  const sections = [
    {
      text: 'A tabletop exercise walks every response role through a realistic AI incident, with injects, without declaring a real one. Decisions, their reasoning and the time they took are recorded; weak spots become action items.',
    },
  ];
  if (suggestion) {
    sections.push({ text: `Suggested scenario: *${suggestion.playbookId}* (${suggestion.title}), ${suggestion.why}. Start it with \`/incident exercise start ${suggestion.playbookId}\` (\`exercise scenarios ${suggestion.playbookId}\` lists the others).` });
  }
  return { title, sections };
}

/** Posts the quarter's reminder if it is due and no process has posted it yet. */
export async function remindExercise(
  context: CoreContext,
  platform: ChatPlatform,
  channelId: string,
  at: Date,
  once: (key: string, at: Date) => Promise<boolean>,
): Promise<ReminderKind | null> {
  const { year, quarter } = quarterOf(at, context.timeZone);
  const done = await context.store.metrics.exercisesCompleted({ from: quarterStart(year, quarter, context.timeZone), to: at });
  const due = reminderDue(at, context.timeZone, done);
  if (!due || !(await once(due.key, at))) return null;
  const suggestion = await suggestScenario(context, at);
  await platform.postCard(channelId, reminderCard(due.kind, quarterKey(year, quarter), suggestion));
  return due.kind;
}
