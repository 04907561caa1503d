import { migrationsDirectory, openConfiguredDatabase } from '../app.js';
import { configFromEnvironment } from '../config.js';
import { migrate } from '../db/migrate.js';

/** `npm run migrate`: applies pending migrations to DATABASE_URL, or to the embedded database under DATA_DIR. */
const config = configFromEnvironment();
const database = await openConfiguredDatabase(config);
try {
  const applied = await migrate(database.db, migrationsDirectory());
  process.stdout.write(applied.length ? `applied ${applied.join(', ')} to the ${database.kind} database\n` : `the ${database.kind} database is up to date\n`);
} finally {
  await database.close();
}
