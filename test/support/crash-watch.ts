import { afterAll, beforeAll } from 'vitest';

/**
 * Errors that escaped every handler (uncaught exceptions, unhandled rejections) while this test
 * file runs: what would have taken the bot's process down. Tests assert the list stays empty.
 */
export function watchForCrashes(): unknown[] {
  const crashes: unknown[] = [];
  const onCrash = (error: unknown) => crashes.push(error);
  beforeAll(() => {
    process.on('uncaughtException', onCrash);
    process.on('unhandledRejection', onCrash);
  });
  afterAll(() => {
    process.off('uncaughtException', onCrash);
    process.off('unhandledRejection', onCrash);
  });
  return crashes;
}
