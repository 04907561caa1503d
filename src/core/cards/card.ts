/**
 * One neutral message model. Each chat edge has a pure renderer (Block Kit, Adaptive Card, text);
 * the core only ever builds cards.
 */
export interface CardField {
  label: string;
  value: string;
}

export interface ChecklistItem {
  /** Opaque value a click sends back, naming the incident and step. */
  value: string;
  number: number;
  label: string;
  detail?: string;
  role?: string;
  done: boolean;
  doneBy?: string;
  doneAt?: string;
}

export interface ChecklistGroup {
  id: string;
  heading: string;
  items: ChecklistItem[];
}

export interface CardAction {
  id: string;
  label: string;
  value: string;
  style?: 'primary' | 'danger';
}

/**
 * What a person fills in before an action runs (Slack shows a modal; Teams inputs in the card): a
 * choice among options, a person, or free text. The action's click carries each value under its id.
 */
export type CardInput =
  | { kind: 'choice'; id: string; label: string; options: { value: string; label: string }[]; initial?: string }
  | { kind: 'person'; id: string; label: string }
  | { kind: 'text'; id: string; label: string; placeholder?: string; multiline?: boolean; maxLength?: number; required?: boolean };

export interface Card {
  title: string;
  subtitle?: string;
  fields?: CardField[];
  sections?: { heading?: string; text: string }[];
  checklist?: ChecklistGroup[];
  inputs?: CardInput[];
  actions?: CardAction[];
  context?: string[];
}
