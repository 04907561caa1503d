import { playbooksDirectory, scenariosFile } from '../../src/app.js';
import { loadScenarios } from '../../src/core/exercise/scenario-catalog.js';
import { ConsoleChat } from '../../src/adapters/console/console-chat.js';
import type { CoreContext, CoreLogger } from '../../src/core/context.js';
import { loadPlaybooks } from '../../src/core/playbook/load-playbooks.js';
import type { ChatPlatform } from '../../src/core/ports/chat-platform.js';
import type { DatabaseHandle } from '../../src/db/database.js';
import { KyselyStore } from '../../src/db/store.js';
import { TestClock } from './clock.js';

export const silentLogger: CoreLogger & { errors: object[] } = {
  errors: [],
  info() {},
  warn() {},
  error(data: object) {
    silentLogger.errors.push(data);
  },
};

export interface TestCore {
  context: CoreContext;
  clock: TestClock;
  chat: ConsoleChat;
  printed: string[];
}

/** The real core over a test database, with the console chat recording what it would print. */
export async function createTestCore(database: DatabaseHandle, options: { timeZone?: string; platform?: ChatPlatform } = {}): Promise<TestCore> {
  const clock = new TestClock();
  const printed: string[] = [];
  const chat = new ConsoleChat((text) => printed.push(text));
  const platform = options.platform ?? chat;
  const playbooks = await loadPlaybooks(playbooksDirectory({}));
  const context: CoreContext = {
    store: new KyselyStore(database.db, clock, { coordination: database.coordination }),
    playbooks,
    scenarios: await loadScenarios(scenariosFile({}), playbooks.all()),
    clock,
    timeZone: options.timeZone ?? 'UTC',
    platforms: new Map([[platform.name, platform]]),
    logger: silentLogger,
  };
  return { context, clock, chat, printed };
}
