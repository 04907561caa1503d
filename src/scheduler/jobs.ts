import type { CoreContext } from '../core/context.js';
import { postDigest } from '../core/metrics/digest.js';
import { platformOf, type Destination } from '../core/ports/chat-platform.js';
import { remindExercise } from '../core/metrics/exercise-reminder.js';
import { remindOverdueActionItems } from '../core/review/remind-overdue.js';
import { localDate } from '../core/review/action-items.js';
import type { ScheduledJob } from './scheduler.js';

export interface ScheduleSettings {
  digestCron: string;
  /** Where the digest and exercise reminders go, one channel per chat edge; none: those jobs are not scheduled. */
  digestTo: Destination[];
  reminderCron: string;
}

const DAY = 86_400_000;

/** The bot's scheduled jobs: the weekly digest, the quarterly exercise reminder, overdue action items. */
export function scheduledJobs(context: CoreContext, settings: ScheduleSettings): ScheduledJob[] {
  const jobs: ScheduledJob[] = [];
  settings.digestTo.forEach((destination, index) => {
    // The first destination keeps the plain job names, so an upgrade does not count its runs as missed.
    const suffix = index === 0 ? '' : `@${destination.platform ?? index}`;
    jobs.push({
      name: `weekly-digest${suffix}`,
      cron: settings.digestCron,
      lookbackMs: 8 * DAY,
      async run(fireAt) {
        const platform = platformOf(context.platforms, destination);
        if (platform) await postDigest(context, platform, destination.channelId, fireAt);
      },
    });
    jobs.push({
      name: `exercise-reminder${suffix}`,
      cron: settings.reminderCron,
      lookbackMs: 4 * DAY,
      async run(fireAt, once) {
        const platform = platformOf(context.platforms, destination);
        if (platform) await remindExercise(context, platform, destination.channelId, fireAt, once);
      },
    });
  });
  jobs.push({
    name: 'overdue-action-items',
    cron: settings.reminderCron,
    lookbackMs: 4 * DAY,
    async run(fireAt, once) {
      // One reminder per calendar day even if the cron fires more often.
      if (await once(localDate(fireAt, context.timeZone), fireAt)) await remindOverdueActionItems(context, fireAt);
    },
  });
  return jobs;
}
