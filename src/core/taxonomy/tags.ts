import type { Incident } from '../incident/incident.js';

export type TagSource = 'suggested' | 'manual';

/** One tag on one incident. */
export interface IncidentTag {
  incidentId: number;
  tag: string;
  source: TagSource;
  addedAt: Date;
  addedBy: string;
}

/** A past incident with its tags, as the similar-cases search reads it. */
export interface TaggedIncident {
  incident: Incident;
  tags: string[];
}

export interface TagRepository {
  /** The incident's tags in id order. */
  forIncident(incidentId: number): Promise<IncidentTag[]>;
  /** Tags of several incidents at once (the JSON API's list); incidents without tags are absent. */
  forIncidents(incidentIds: readonly number[]): Promise<Map<number, string[]>>;
  /** False when the incident already has the tag (nothing written). */
  add(tag: IncidentTag): Promise<boolean>;
  /** Several tags, of one incident or many, in one statement; returns the ones their incident did not have yet. */
  addAll(tags: readonly IncidentTag[]): Promise<IncidentTag[]>;
  /** False when the incident did not have the tag. */
  remove(incidentId: number, tag: string): Promise<boolean>;
  /** How many incidents declared in [from, to) carry each tag (exercises left out). */
  countByTag(period: { from: Date; to: Date }): Promise<Map<string, number>>;
  /** The newest `limit` incidents other than `excludeId` (exercises left out) with their tags: one query. */
  recentWithTags(excludeId: number, limit: number): Promise<TaggedIncident[]>;
}
