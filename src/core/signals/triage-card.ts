import { CARD_ACTION } from '../cards/actions.js';
import type { Card, CardField } from '../cards/card.js';
import { SEVERITY_LABELS } from '../domain.js';
import { incidentRef } from '../incident/header-card.js';
import type { Incident } from '../incident/incident.js';
import { formatTime } from '../time/time-input.js';
import type { StoredAlert } from './alert.js';

/**
 * An alert waiting for a person: what fired, and two buttons. Action ids `triage:declare` and
 * `triage:dismiss`, value `<incidentId>`. Re-rendered from state after every change.
 */
export function triageCard(incident: Incident, alert: StoredAlert, options: { timeZone: string; playbookName?: string; mention(userId: string): string }): Card {
  const fields: CardField[] = [
    { label: 'Severity', value: SEVERITY_LABELS[incident.severity] },
    { label: 'Source', value: `${alert.source} (${alert.format})` },
    { label: 'Detected', value: formatTime(incident.detectedAt, options.timeZone) },
    { label: 'Playbook', value: options.playbookName ?? 'none matched' },
    { label: 'Status at source', value: alert.status === 'resolved' && alert.resolvedAt ? `resolved ${formatTime(alert.resolvedAt, options.timeZone)}` : 'firing' },
    { label: 'Fired', value: alert.fireCount === 1 ? 'once' : `${alert.fireCount} times` },
  ];
  if (alert.model) fields.push({ label: 'Model', value: alert.model });
  const ref = incidentRef(incident);
  const decided =
    alert.triage === 'declared'
      ? `Declared a real incident by ${options.mention(incident.declaredBy)}${incident.channelName ? ` → #${incident.channelName}` : ''}.`
      : incident.state === 'false_positive' || alert.triage === 'dismissed'
        ? `Not a real incident${incident.falsePositiveReason ? `: ${incident.falsePositiveReason}` : ''}.`
        : null;
  return {
    title: `Alert for triage: ${ref} · ${incident.title}`,
    subtitle: decided ?? 'Waiting for someone to declare or dismiss it',
    fields,
    ...(incident.summary ? { sections: [{ text: incident.summary.slice(0, 2900) }] } : {}),
    ...(decided
      ? {}
      : {
          actions: [
            { id: CARD_ACTION.triageDeclare, label: 'Declare incident', value: String(incident.id), style: 'primary' as const },
            { id: CARD_ACTION.triageDismiss, label: 'Not a real incident', value: String(incident.id), style: 'danger' as const },
          ],
        }),
    context: [decided ? `${ref}` : `Or type \`/incident alert declare ${incident.id}\` or \`/incident alert dismiss ${incident.id} <reason>\`.`],
  };
}
