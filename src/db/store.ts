import type { Kysely } from 'kysely';
import type { Store } from '../core/ports/store.js';
import type { Clock } from '../core/time/time-input.js';
import {
  KyselyActionItemRepository,
  KyselyMessageRepository,
  KyselyPageRepository,
  KyselyRoleRepository,
  KyselyStepRepository,
} from './checklist-repositories.js';
import { KyselyAlertRepository } from './alert-repository.js';
import { KyselyCardPublishing } from './card-publishing.js';
import { KyselyClockRepository } from './clock-repository.js';
import { KyselyActionItemReminderRepository } from './action-item-reminders.js';
import { KyselyEventRepository } from './event-repository.js';
import { KyselyExerciseRepository, KyselyExerciseTimerRepository } from './exercise-repository.js';
import { ChannelOwners, KyselyIncidentRepository } from './incident-repository.js';
import { KyselyMetricsSource } from './metrics-queries.js';
import { KyselyPageQueue } from './page-queue.js';
import { KyselyTagRepository } from './tag-repository.js';
import type { Database } from './tables.js';

/** The core's Store over kysely; inside `transaction` every repository shares the transaction. */
export class KyselyStore implements Store {
  readonly incidents;
  readonly events;
  readonly steps;
  readonly roles;
  readonly pages;
  readonly actionItems;
  readonly messages;
  readonly pageQueue;
  readonly alerts;
  readonly metrics;
  readonly exercises;
  readonly exerciseTimers;
  readonly tags;
  readonly cardPublishing;
  readonly clocks;
  readonly actionItemReminders;
  private readonly channelOwners: ChannelOwners;

  /**
   * `coordination` runs the publish-lease statements (see `DatabaseHandle.coordination`); it is
   * never the transaction's, as those statements commit on their own between chat calls.
   */
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly options: { coordination?: Kysely<Database>; inTransaction?: boolean; channelOwners?: ChannelOwners } = {},
  ) {
    this.channelOwners = options.channelOwners ?? new ChannelOwners();
    this.incidents = new KyselyIncidentRepository(db, this.channelOwners, options.inTransaction);
    this.events = new KyselyEventRepository(db, () => clock.now());
    this.steps = new KyselyStepRepository(db, this.events);
    this.roles = new KyselyRoleRepository(db);
    this.pages = new KyselyPageRepository(db);
    this.actionItems = new KyselyActionItemRepository(db);
    this.messages = new KyselyMessageRepository(db);
    this.pageQueue = new KyselyPageQueue(db);
    this.alerts = new KyselyAlertRepository(db);
    this.metrics = new KyselyMetricsSource(db);
    this.exercises = new KyselyExerciseRepository(db);
    this.exerciseTimers = new KyselyExerciseTimerRepository(db);
    this.tags = new KyselyTagRepository(db);
    this.cardPublishing = new KyselyCardPublishing(db, options.coordination ?? db);
    this.clocks = new KyselyClockRepository(db);
    this.actionItemReminders = new KyselyActionItemReminderRepository(db);
  }

  async transaction<T>(work: (store: Store) => Promise<T>): Promise<T> {
    if (this.options.inTransaction) return work(this);
    const coordination = this.options.coordination ?? this.db;
    return this.db.transaction().execute((trx) => work(new KyselyStore(trx, this.clock, { coordination, inTransaction: true, channelOwners: this.channelOwners })));
  }
}
