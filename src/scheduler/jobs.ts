import type { CoreContext } from '../core/context.js';
import { postDigest, schedulePlatform } from '../core/metrics/digest.js';
import { remindExercise } from '../core/metrics/exercise-reminder.js';
import { remindOverdueActionItems } from '../core/review/remind-overdue.js';
import { localDate } from '../core/review/action-items.js';
import type { ScheduledJob } from './scheduler.js';

export interface ScheduleSettings {
  digestCron: string;
  /** Where the digest and exercise reminders go; without it those two jobs are not scheduled. */
  digestChannel?: string;
  reminderCron: string;
}

const DAY = 86_400_000;

/** The bot's scheduled jobs: the weekly digest, the quarterly exercise reminder, overdue action items. */
export function scheduledJobs(context: CoreContext, settings: ScheduleSettings): ScheduledJob[] {
  const jobs: ScheduledJob[] = [];
  const channel = settings.digestChannel;
  if (channel) {
    jobs.push({
      name: 'weekly-digest',
      cron: settings.digestCron,
      lookbackMs: 8 * DAY,
      async run(fireAt) {
        const platform = schedulePlatform(context);
        if (platform) await postDigest(context, platform, channel, fireAt);
      },
    });
    jobs.push({
      name: 'exercise-reminder',
      cron: settings.reminderCron,
      lookbackMs: 4 * DAY,
      async run(fireAt, once) {
        const platform = schedulePlatform(context);
        if (platform) await remindExercise(context, platform, channel, fireAt, once);
      },
    });
  }
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
