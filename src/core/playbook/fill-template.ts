import { formatTime } from '../time/time-input.js';
import type { Incident } from '../incident/incident.js';
import { placeholderPattern, type Playbook } from './schema.js';

export interface TemplateContext {
  incident: Incident;
  playbook: Playbook | undefined;
  commander: string | null;
  channel: string;
  now: Date;
  timeZone: string;
}

export function deadlineTime(incident: Incident, deadline: Playbook['deadlines'][number]): Date {
  const start = deadline.from === 'impact_started_at' ? incident.impactStartedAt : incident.detectedAt;
  return new Date(start.getTime() + deadline.hours * 3_600_000);
}

/** Fills `{{placeholders}}` from the incident; unknown names stay visible rather than vanish. */
export function fillTemplate(body: string, context: TemplateContext): string {
  const { incident, playbook, timeZone } = context;
  const values: Record<string, string> = {
    'incident.id': `INC-${incident.id}`,
    'incident.title': incident.title,
    'incident.severity': incident.severity.toUpperCase(),
    'incident.state': incident.state,
    'incident.channel': context.channel,
    'incident.playbook': playbook?.name ?? 'none',
    'incident.impact_started_at': formatTime(incident.impactStartedAt, timeZone),
    'incident.detected_at': formatTime(incident.detectedAt, timeZone),
    'incident.commander': context.commander ?? 'the incident commander',
    'incident.summary': incident.summary || incident.title,
    'incident.description': incident.summary || incident.title,
    now: formatTime(context.now, timeZone),
  };
  for (const deadline of playbook?.deadlines ?? []) {
    values[`deadline.${deadline.id}`] = formatTime(deadlineTime(incident, deadline), timeZone);
  }
  return body.replace(placeholderPattern, (whole, name: string) => (Object.hasOwn(values, name) ? values[name]! : whole));
}
