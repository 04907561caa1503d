import { z } from 'zod';
import { ROLE_IDS, SEVERITIES } from '../domain.js';

/** Phases in the order a checklist shows them. */
export const PHASES = ['immediate', 'investigation', 'remediation', 'communication', 'review'] as const;
export type Phase = (typeof PHASES)[number];

export const PHASE_TITLES: Record<Phase, string> = {
  immediate: 'Immediate actions',
  investigation: 'Investigation',
  remediation: 'Remediation',
  communication: 'Communication',
  review: 'Review',
};

/** Values a communication template may use, written `{{name}}`. */
export const TEMPLATE_PLACEHOLDERS = [
  'incident.id',
  'incident.title',
  'incident.severity',
  'incident.state',
  'incident.channel',
  'incident.playbook',
  'incident.impact_started_at',
  'incident.detected_at',
  'incident.commander',
  'incident.description',
  'now',
] as const;

const slugId = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]*$/, 'use lowercase letters, digits and hyphens, e.g. "model-drift"');

const placeholderPattern = /\{\{\s*([^}]+?)\s*\}\}/g;

export const stepSchema = z.strictObject({
  phase: z.enum(PHASES),
  title: z
    .string()
    .min(3)
    .max(75, 'a step title is at most 75 characters (it is a checkbox label); put the rest in `detail`'),
  detail: z.string().max(2000).optional(),
  role: z.enum(ROLE_IDS).optional(),
});

export const deadlineSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9_]+$/, 'use lowercase letters, digits and underscores, e.g. "gdpr_art33"'),
  title: z.string().min(3).max(150),
  hours: z.number().positive(),
  from: z.enum(['detected_at', 'impact_started_at']).default('detected_at'),
  applies_when: z.string().optional(),
  reference: z.string().optional(),
});

export const communicationSchema = z.strictObject({
  id: slugId,
  audience: z.enum(['users', 'regulator', 'internal', 'press', 'customers', 'partners']),
  title: z.string().min(3).max(150),
  owner: z.enum(ROLE_IDS).optional(),
  when: z.string().optional(),
  body: z.string().min(20),
});

const severityRoles = z.array(z.enum(ROLE_IDS));

export const playbookSchema = z
  .strictObject({
    id: slugId,
    name: z.string().min(3).max(80),
    summary: z.string().min(10),
    version: z.number().int().positive().default(1),
    private: z.boolean().default(false),
    default_severity: z.enum(SEVERITIES).default('sev3'),
    match: z.strictObject({
      keywords: z.array(z.string().min(2)).min(1),
      signals: z.array(z.string().min(2)).default([]),
    }),
    detection_signals: z.array(z.string().min(5)).min(1),
    page: z.strictObject({
      sev1: severityRoles,
      sev2: severityRoles,
      sev3: severityRoles,
      sev4: severityRoles,
    }),
    steps: z.array(stepSchema).min(1),
    communications: z.array(communicationSchema).default([]),
    deadlines: z.array(deadlineSchema).default([]),
    tags: z
      .strictObject({
        mitre_atlas: z.array(z.string().regex(/^AML\.T\d{4}(\.\d{3})?$/, 'an ATLAS technique id like AML.T0051.000')).default([]),
        owasp_llm: z.array(z.string().regex(/^LLM\d{2}(:2025)?$/, 'an OWASP LLM Top 10 id like LLM01:2025')).default([]),
        other: z.array(z.string()).default([]),
      })
      .default({ mitre_atlas: [], owasp_llm: [], other: [] }),
    references: z.array(z.strictObject({ title: z.string(), url: z.url() })).default([]),
  })
  .superRefine((playbook, ctx) => {
    const deadlineIds = new Set(playbook.deadlines.map((d) => `deadline.${d.id}`));
    playbook.communications.forEach((template, index) => {
      for (const match of template.body.matchAll(placeholderPattern)) {
        const name = match[1] ?? '';
        if (!(TEMPLATE_PLACEHOLDERS as readonly string[]).includes(name) && !deadlineIds.has(name)) {
          ctx.addIssue({
            code: 'custom',
            path: ['communications', index, 'body'],
            message: `unknown placeholder {{${name}}}; use one of ${[...TEMPLATE_PLACEHOLDERS, ...deadlineIds].join(', ')}`,
          });
        }
      }
    });
    const communicationIds = new Set<string>();
    playbook.communications.forEach((template, index) => {
      if (communicationIds.has(template.id)) {
        ctx.addIssue({ code: 'custom', path: ['communications', index, 'id'], message: `duplicate id "${template.id}"` });
      }
      communicationIds.add(template.id);
    });
  });

export type PlaybookFile = z.input<typeof playbookSchema>;
export type Playbook = z.output<typeof playbookSchema>;
export type PlaybookStep = z.output<typeof stepSchema>;
export type Deadline = z.output<typeof deadlineSchema>;
export type CommunicationTemplate = z.output<typeof communicationSchema>;
export { placeholderPattern };
