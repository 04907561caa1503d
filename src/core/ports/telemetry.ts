/**
 * What the bot counts about its own work, for operators (Prometheus in `src/http/metrics.ts`).
 * Every label value passed here must come from a bounded set (the command table, pager names,
 * job names, API method names, error codes): never an id, a title or anything a person typed.
 * Optional on the context (`context.telemetry?.…`): without it nothing is counted.
 */
export type CommandOutcome = 'ok' | 'invalid' | 'refused' | 'failed';

export interface Telemetry {
  /** A typed command (its name in the command table, `unknown`) or a card click (`click:<action>`) finished. */
  commandHandled(command: string, seconds: number, outcome: CommandOutcome): void;
  /** A page went out through this pager. */
  pageSent(pager: string): void;
  /** A page did not go out through this pager. */
  pageFailed(pager: string): void;
  /** Nobody acknowledged in time and the next person was paged. */
  pageEscalated(): void;
  /** A scheduled job ran in this process. */
  schedulerRun(job: string, outcome: 'ok' | 'failed'): void;
  /** A chat platform API call (after the client's own retries); `error` is the platform's error code when it failed. */
  chatApiCall(platform: string, method: string, error?: string): void;
}
