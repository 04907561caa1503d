import type { RoleId } from '../domain.js';
import type { Page, PageStatus } from '../incident/incident.js';

/** A page a worker has claimed: due for delivery (`pending`) or for escalation (`escalate_at` passed). */
export interface DuePage {
  page: Page;
  due: 'deliver' | 'escalate';
}

export interface ClaimRequest {
  now: Date;
  worker: string;
  leaseMs: number;
  limit: number;
  /** Only this incident's pages (delivery right after a command); unset: everything due. */
  incidentId?: number;
}

export interface PagePatch {
  status?: PageStatus;
  sentAt?: Date;
  acknowledgedAt?: Date;
  acknowledgedBy?: string;
  escalateAt?: Date | null;
  escalatedAt?: Date;
  error?: string | null;
}

/**
 * The claim a worker holds on a page: the `worker` it claimed with (unique per claim, so two rounds
 * in one process never pass for each other) and the time now on the clock the lease is measured by.
 */
export interface PageClaim {
  worker: string;
  now: Date;
}

/** A lasting alert opened at an external pager (PagerDuty), to resolve when the incident resolves. */
export interface ExternalAlert {
  incidentId: number;
  role: RoleId;
  pager: string;
  dedupKey: string;
}

/** Time to acknowledge for one role, in seconds, from the first page of a role to its first acknowledgement. */
export interface AckSample {
  role: RoleId;
  mean: number | null;
  median: number | null;
  p90: number | null;
  n: number;
}

/**
 * Pages as durable jobs. Claims use FOR UPDATE SKIP LOCKED and a lease, so with several bot
 * processes each delivery and each escalation is done by one of them; a crashed worker's lease
 * runs out and another picks the page up.
 */
export interface PageQueue {
  claim(request: ClaimRequest): Promise<DuePage[]>;
  get(pageId: number): Promise<Page | undefined>;
  /** Reads and locks the page for the rest of the transaction. */
  lock(pageId: number): Promise<Page | undefined>;
  /**
   * Records an outcome and releases the claim. With `claim`, only while the page is still that
   * claim's (nobody claimed it again after its lease ran out): false when it was not, and nothing
   * changed. Without it (a person acknowledging), always.
   */
  settle(pageId: number, patch: PagePatch, claim?: PageClaim): Promise<boolean>;
  /** Gives a claimed page back without an outcome (a failed attempt to retry later); with `claim`, only while it is still that claim's. */
  release(pageId: number, retryAt: Date, claim?: PageClaim): Promise<boolean>;
  /** Right before a send: true and the lease renewed for `leaseMs` when the claim still holds an unexpired lease; false: leave the page to the next claimer. */
  hold(pageId: number, claim: PageClaim & { leaseMs: number }): Promise<boolean>;
  /** Nothing more escalates for this role of this incident (someone acknowledged, or it ended). */
  stopEscalation(incidentId: number, role: RoleId): Promise<void>;
  recordExternal(alert: ExternalAlert & { at: Date }): Promise<void>;
  /** Claims external alerts whose incident is resolved, closed or a false positive. */
  claimResolvable(request: { now: Date; leaseMs: number; limit: number }): Promise<ExternalAlert[]>;
  markResolved(alert: ExternalAlert, at: Date): Promise<void>;
  openExternal(incidentId: number, role: RoleId): Promise<ExternalAlert[]>;
  /** Per role, over incidents declared in [from, to), leaving out exercises and false positives. */
  acknowledgementTimes(from: Date, to: Date): Promise<AckSample[]>;
}
