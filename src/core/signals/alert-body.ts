import { z } from 'zod';
import { isSeverity, type Severity } from '../domain.js';
import type { AlertSignal } from './alert.js';
import { stringMap } from '../string-map.js';
import { cleanStrings, clip, quoteBack } from '../text-input.js';

/**
 * The two bodies POST /hooks/alerts accepts: Prometheus Alertmanager's webhook (version 4) and
 * the bot's own generic JSON. Labels (Alertmanager) or fields (generic) may name the severity and
 * the playbook; see README "Alerts".
 */

const time = z.iso.datetime({ offset: true, message: 'an ISO-8601 time with an offset, e.g. 2026-11-25T09:30:00Z' });
const status = z.enum(['firing', 'resolved'], { message: 'firing or resolved' });

const alertmanagerAlert = z.object({
  status,
  labels: stringMap,
  annotations: stringMap.default({}),
  startsAt: time,
  endsAt: z.string().optional(),
  generatorURL: z.string().optional(),
  // Alertmanager's are 16 hex digits; a long one failed in SQL (the dedup key is indexed: a 500).
  fingerprint: z.string().min(1, 'the alert fingerprint').max(255, 'a fingerprint of at most 255 characters'),
});

export const alertmanagerBody = z.object({
  version: z.literal('4', { message: 'version "4" (Alertmanager webhook format)' }),
  status,
  receiver: z.string().optional(),
  groupKey: z.string().optional(),
  externalURL: z.string().optional(),
  alerts: z.array(alertmanagerAlert).min(1, 'at least one alert').max(1000, 'at most 1,000 alerts per request'),
});

/** Senders often write `null` for "not given"; it means the same as leaving the field out. */
const orNull = <T extends z.ZodType>(schema: T) => z.preprocess((value) => (value === null ? undefined : value), schema.optional());

export const genericBody = z.object({
  title: z.string().trim().min(3, 'a title of at least 3 characters').max(150, 'a title of at most 150 characters'),
  description: orNull(z.string().max(4000)),
  severity: orNull(z.union([z.string(), z.number().int().transform(String)])),
  playbook: orNull(z.string()),
  model: orNull(z.string().max(200)),
  detected_at: orNull(time),
  source: z.preprocess((value) => (value === null ? undefined : value), z.string().trim().min(1).max(100).default('generic')),
  dedup_key: orNull(z.string().min(1).max(255)),
  status: z.preprocess((value) => (value === null ? undefined : value), status.default('firing')),
});

const SEVERITY_WORDS: Record<string, Severity> = {
  critical: 'sev1',
  page: 'sev1',
  high: 'sev2',
  error: 'sev2',
  major: 'sev2',
  warning: 'sev3',
  medium: 'sev3',
  minor: 'sev3',
  low: 'sev4',
  info: 'sev4',
};

/** `sev1`…`sev4`, `1`…`4`, or a common monitoring word (critical, warning, …). */
export function toSeverity(value: string | undefined): Severity | undefined {
  if (!value) return undefined;
  const text = value.trim().toLowerCase();
  if (isSeverity(text)) return text;
  if (/^[1-4]$/.test(text)) return `sev${text}` as Severity;
  // Own keys only: "constructor" or "toString" must not find Object's methods.
  return Object.hasOwn(SEVERITY_WORDS, text) ? SEVERITY_WORDS[text] : undefined;
}

/** The first issues, one line: a path holds the sender's keys (any length, newlines), so each part is quoted back short. */
function reason(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.length ? issue.path.map((part) => quoteBack(String(part))).join('.') : 'body'}: expected ${quoteBack(issue.message.replace(/^(?:Invalid input|Too big|Too small): expected /, ''), 120)}`)
    .join('; ');
}

/**
 * Alert bodies nest four levels (body, alerts, an alert, its labels); far deeper is not an alert.
 * Cleaning such a body recursed until the stack overflowed (a 500 for `[[[…]]]` 100,000 deep).
 */
const MAX_DEPTH = 32;

function nestsDeeper(value: unknown, limit: number): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (limit === 0) return true;
  return (Array.isArray(value) ? value : Object.values(value)).some((item) => nestsDeeper(item, limit - 1));
}

function parseTime(text: string | undefined): Date | undefined {
  if (!text || text.startsWith('0001-')) return undefined;
  const at = new Date(text);
  return Number.isNaN(at.getTime()) ? undefined : at;
}

export type ParsedAlerts = { signals: AlertSignal[] } | { error: string };

export function parseAlertBody(raw: unknown, playbookIds: readonly string[]): ParsedAlerts {
  // Every string of the body (labels and their names included) made storable before validation,
  // so a title that is only control characters is refused as too short rather than failing in SQL.
  if (nestsDeeper(raw, MAX_DEPTH)) return { error: `body: expected at most ${MAX_DEPTH} levels of nesting` };
  const body = cleanStrings(raw);
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return { error: 'body: expected a JSON object' };
  if ('alerts' in body || 'version' in body) {
    const parsed = alertmanagerBody.safeParse(body);
    if (!parsed.success) return { error: reason(parsed.error) };
    return {
      signals: parsed.data.alerts.map((alert) => {
        const playbook = alert.labels.playbook?.toLowerCase();
        const severity = toSeverity(alert.labels.severity);
        const title = alert.annotations.summary ?? alert.annotations.title ?? alert.labels.alertname ?? 'Alert from Alertmanager';
        const endedAt = parseTime(alert.endsAt);
        return {
          format: 'alertmanager',
          source: 'alertmanager',
          dedupKey: alert.fingerprint,
          status: alert.status,
          title: clip(title.length >= 3 ? title : `Alert ${title}`, 150),
          description: alert.annotations.description ?? '',
          ...(severity ? { severity } : {}),
          ...(playbook && playbookIds.includes(playbook) ? { playbookId: playbook } : {}),
          ...(alert.labels.model ? { model: alert.labels.model } : {}),
          detectedAt: new Date(alert.startsAt),
          ...(alert.status === 'resolved' && endedAt ? { endedAt } : {}),
          labels: alert.labels,
        } satisfies AlertSignal;
      }),
    };
  }
  const parsed = genericBody.safeParse(body);
  if (!parsed.success) return { error: reason(parsed.error) };
  const alert = parsed.data;
  const severity = toSeverity(alert.severity);
  if (alert.severity !== undefined && !severity) return { error: `severity: expected sev1 to sev4 (or critical, high, warning, low), got "${quoteBack(alert.severity)}"` };
  const playbook = alert.playbook?.toLowerCase();
  if (playbook && !playbookIds.includes(playbook)) return { error: `playbook: expected one of ${playbookIds.join(', ')}, got "${quoteBack(alert.playbook ?? '')}"` };
  const labels: Record<string, string> = {};
  if (severity) labels.severity = severity;
  if (playbook) labels.playbook = playbook;
  if (alert.model) labels.model = alert.model;
  return {
    signals: [
      {
        format: 'generic',
        source: alert.source,
        dedupKey: alert.dedup_key ?? null,
        status: alert.status,
        title: alert.title,
        description: alert.description ?? '',
        ...(severity ? { severity } : {}),
        ...(playbook ? { playbookId: playbook } : {}),
        ...(alert.model ? { model: alert.model } : {}),
        ...(alert.detected_at ? { detectedAt: new Date(alert.detected_at) } : {}),
        labels,
      },
    ],
  };
}
