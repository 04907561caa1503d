// First: V8 memory settings must be in place before the other modules load (src/memory-flags.ts).
import './memory-flags.js';
import { chatEdges, ConfigError, embeddedDataDir, loadConfig } from './config.js';
import { openEmbeddedServer } from './db/embedded-server.js';
import { createLogger } from './logger.js';

/**
 * Composition root. The embedded database boots on a thread of its own (~0.5 s) while the rest of
 * the bot loads here (~0.6 s), so neither waits for the other: configuration, logger and the
 * database first, then the bot (run-bot.ts).
 */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\nSee .env.example and the configuration table in README.md.\n`);
      process.exit(1);
    }
    throw error;
  }
  // In the console the terminal is the chat: keep the log quiet unless asked otherwise.
  const level = chatEdges(config).includes('console') && !process.env.LOG_LEVEL ? 'warn' : config.LOG_LEVEL;
  const logger = createLogger({ level });
  const embedded = config.DATABASE_URL ? undefined : openEmbeddedServer({ dataDir: embeddedDataDir(config), logger });
  // Awaited by createApp, which reports a failure to start; until then it must not count as unhandled.
  embedded?.catch(() => undefined);
  const { runBot } = await import('./run-bot.js');
  await runBot(config, logger, embedded);
}

main().catch((error: unknown) => {
  process.stderr.write(`the bot could not start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
