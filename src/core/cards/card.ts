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

export interface Card {
  title: string;
  subtitle?: string;
  fields?: CardField[];
  sections?: { heading?: string; text: string }[];
  checklist?: ChecklistGroup[];
  actions?: CardAction[];
  context?: string[];
}
