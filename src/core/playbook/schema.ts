import { z } from 'zod';
import { ROLE_IDS, SEVERITIES } from '../domain.js';
import { CLOCK_KINDS } from '../clocks/deadline.js';

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
  'incident.summary',
  // The summary's first name: playbooks written before it was called a summary keep working.
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
  /** The step asks whether a regulatory clock applies: its checklist card offers a button that starts it (`flag <id>`). */
  offers_flag: z.enum(CLOCK_KINDS).optional(),
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

/**
 * A matching cue: a word or phrase, plain (`"data leak"`) or weighted (`{ phrase: "other customers", weight: 3 }`).
 * Phrases are compared after stemming and dropping stopwords, so "leaked" matches "leaks" and
 * "other customers' tickets" matches "other customer tickets". A plain string weighs 1 (a single
 * word) or 2 (a phrase).
 */
export const cueSchema = z.union([
  z.string().min(2),
  z.strictObject({
    phrase: z.string().min(2),
    weight: z.number().min(0).max(10).describe('evidence this cue adds (or removes, in `negative`); a plain string weighs 1, or 2 when a phrase'),
  }),
]);

export interface WeightedCue {
  phrase: string;
  weight: number;
}

function weighted(cue: z.infer<typeof cueSchema>): WeightedCue {
  if (typeof cue !== 'string') return cue;
  return { phrase: cue, weight: /\s|[-_]/.test(cue.trim()) ? 2 : 1 };
}

export const matchSchema = z
  .strictObject({
    keywords: z.array(cueSchema).min(1).describe('words and phrases people write about this kind of incident'),
    signals: z.array(cueSchema).default([]).describe('monitoring signal names that point to this playbook'),
    negative: z
      .array(cueSchema)
      .default([])
      .describe('words and phrases that speak against this playbook (their weight is subtracted)'),
  })
  .transform((match) => ({
    /** The keyword phrases (weights dropped), as older code reads them. */
    keywords: match.keywords.map((k) => weighted(k).phrase),
    signals: match.signals.map((s) => weighted(s).phrase),
    /** Every keyword and signal with its weight. */
    cues: [...match.keywords, ...match.signals].map(weighted),
    negative: match.negative.map(weighted),
  }));

export const playbookSchema = z
  .strictObject({
    id: slugId,
    name: z.string().min(3).max(80),
    summary: z.string().min(10),
    version: z.number().int().positive().default(1),
    private: z.boolean().default(false),
    default_severity: z.enum(SEVERITIES).default('sev3'),
    match: matchSchema,
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
