export interface TriageSettings {
  /** The channel triage cards are posted in (TRIAGE_CHANNEL). */
  channelId: string;
  /** The chat platform alerts are opened on; unset: the first one running. */
  platform?: string;
}
