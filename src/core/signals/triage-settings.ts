import type { Destination } from '../ports/chat-platform.js';

export interface TriageSettings {
  /** Where alerts wait for triage: one channel per chat edge (TRIAGE_CHANNEL, TEAMS_TRIAGE_CHANNEL). */
  destinations: Destination[];
}
