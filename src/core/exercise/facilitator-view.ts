import type { Card } from '../cards/card.js';
import type { CoreContext } from '../context.js';
import { ROLES } from '../domain.js';
import type { StoredEvent } from '../events/event-kinds.js';
import { platformFor } from '../incident/platform-for.js';
import { formatDuration, formatTime } from '../time/time-input.js';
import { loadAuthored, type AuthoredExercise } from './advance-msel.js';
import { EXERCISE_MARK } from './authored-cards.js';
import type { Inject } from './authored-scenario.js';
import { clip } from './chat-text.js';
import type { ExerciseTimer } from './exercise.js';
import { exerciseProgress, observeActions, type ActionObservation, type ExerciseProgress } from './msel.js';

const OUTCOME: Record<ActionObservation['outcome'], string> = { met: '✅ met', partly: '🟡 late', missed: '❌ missed', pending: '⏳ watching', not_delivered: '· not yet' };
const SECTION_MAX = 2900;
const SECTIONS_MAX = 20;

function injectStatus(inject: Inject, progress: ExerciseProgress, timers: ExerciseTimer[], now: Date, timeZone: string): string {
  const delivered = progress.delivered.get(inject.id);
  if (delivered) return `delivered ${formatTime(delivered.at, timeZone)}${delivered.trigger === 'facilitator' ? ' (brought forward)' : ''}`;
  const skipped = progress.skipped.get(inject.id);
  if (skipped) return `skipped (${skipped.reason === 'branch' ? 'branch not taken' : skipped.reason})`;
  const timer = timers.find((t) => t.kind === 'inject' && t.subject === inject.id);
  if (timer?.status === 'paused') return 'due when the exercise resumes';
  if (timer) return `next: due ${formatTime(timer.dueAt, timeZone)}${timer.dueAt > now ? ` (in ${formatDuration(timer.dueAt.getTime() - now.getTime())})` : ''}`;
  const trigger = inject.trigger;
  if ('after' in trigger) return `waits for ${trigger.after}${trigger.delay_minutes ? ` + ${trigger.delay_minutes} min` : ''}${trigger.if ? `, if ${trigger.if.decision} chose ${trigger.if.option}` : ''}`;
  return 'not scheduled';
}

function injectSection(authored: AuthoredExercise, inject: Inject, progress: ExerciseProgress, observations: ActionObservation[], timers: ExerciseTimer[], now: Date, timeZone: string): { heading: string; text: string } {
  const number = authored.scenario.injects.indexOf(inject) + 1;
  const lines = [`${injectStatus(inject, progress, timers, now, timeZone)} · from ${inject.from} to ${inject.to.map((r) => ROLES[r].name).join(', ')}`];
  for (const o of observations.filter((x) => x.inject === inject.id)) {
    const took = o.tookMs !== null ? ` after ${formatDuration(o.tookMs)}` : '';
    lines.push(`${OUTCOME[o.outcome]}${took}: ${o.action.description} (${o.action.id}, ${o.action.within_minutes} min, objective ${o.action.objective}${o.action.observe ? '' : '; mark with `exercise observed ' + o.action.id + '`'})`);
  }
  if (inject.decision) {
    const decision = progress.decisions.get(inject.id);
    lines.push(decision ? `Decision: ${decision.label} after ${formatDuration(decision.tookMs)}${decision.withinLimit ? '' : ' (over the limit)'}` : `Decision: not taken (${inject.decision.within_minutes} min limit)${progress.overdueDecisions.has(inject.id) ? ', overdue' : ''}`);
  }
  if (inject.contingency) lines.push(progress.contingencies.has(inject.id) ? `Contingency: fired (${progress.contingencies.get(inject.id)!.missedAction ?? 'missed action'})` : `Contingency ready: ${clip(inject.contingency.text, 160)}`);
  if (inject.controller_notes) lines.push(`Controller: ${inject.controller_notes}`);
  if (inject.evaluator_notes) lines.push(`Evaluator: ${inject.evaluator_notes}`);
  return { heading: `${number}. ${inject.id}`, text: clip(lines.join('\n'), SECTION_MAX) };
}

/** The Master Scenario Events List as the facilitator sees it: what comes next and when, expected actions and whether they were observed, contingencies, notes. */
export function facilitatorCard(authored: AuthoredExercise, events: StoredEvent[], timers: ExerciseTimer[], now: Date, timeZone: string): Card {
  const { scenario, exercise } = authored;
  const progress = exerciseProgress(events);
  const observations = observeActions(scenario, events, progress, now);
  const notes = events.filter((e) => e.kind === 'exercise_evaluator_note').map((e) => `• ${formatTime(e.occurredAt, timeZone)} ${String(e.payload.text)}`);
  const state = progress.completedAt ? `ended ${formatTime(progress.completedAt, timeZone)}` : exercise.pausedAt ? `paused since ${formatTime(exercise.pausedAt, timeZone)}` : 'running';
  const met = observations.filter((o) => o.outcome === 'met').length;
  const judged = observations.filter((o) => o.outcome !== 'pending' && o.outcome !== 'not_delivered').length;
  const sections = scenario.injects.map((inject) => injectSection(authored, inject, progress, observations, timers, now, timeZone));
  const shown = sections.length > SECTIONS_MAX ? [...sections.slice(0, SECTIONS_MAX - 1), { heading: '…', text: `${sections.length - SECTIONS_MAX + 1} more injects` }] : sections;
  return {
    title: clip(`${EXERCISE_MARK} · Facilitator view (only you see this): ${scenario.title}`, 150),
    subtitle: `INC-${authored.incident.id} · ${state} · steer with \`exercise pause | resume | next | skip\`, \`exercise observed <action>\`, \`exercise note <text>\``,
    fields: [
      { label: 'Delivered', value: `${progress.delivered.size} of ${scenario.injects.length}${progress.skipped.size ? `, ${progress.skipped.size} skipped` : ''}` },
      { label: 'Expected actions met', value: `${met} of ${judged} judged` },
      { label: 'Decisions', value: `${progress.decisions.size} taken` },
      { label: 'Contingencies fired', value: String(progress.contingencies.size) },
    ],
    sections: [...shown, ...(notes.length ? [{ heading: 'Evaluator notes', text: clip(notes.join('\n'), SECTION_MAX) }] : [])],
  };
}

/** Posts the facilitator's view as a direct message the first time, and updates that message in place after. */
export async function refreshFacilitatorView(context: CoreContext, exerciseId: number): Promise<void> {
  const exercise = await context.store.exercises.get(exerciseId);
  const authored = exercise && (await loadAuthored(context, exercise));
  if (!authored) return;
  const [events, timers] = await Promise.all([context.store.events.forIncident(authored.incident.id), context.store.exerciseTimers.forExercise(exerciseId)]);
  const card = facilitatorCard(authored, events, timers, context.clock.now(), context.timeZone);
  const platform = platformFor(context, authored.incident);
  if (authored.exercise.facilitatorView) {
    await platform.updateCard(authored.exercise.facilitatorView, card);
    return;
  }
  const ref = await platform.sendDirect(authored.exercise.facilitator, card);
  await context.store.exercises.update(exerciseId, { facilitatorView: ref });
}
