import { loadConfig } from '../config';
import { openDatabase } from '../system';
import { migrate } from './migrate';

/** `npm run migrate`: apply pending migrations to the configured database and exit. */
const config = loadConfig();
const database = await openDatabase(config);
try {
  const { applied } = await migrate(database);
  process.stdout.write(applied.length ? `applied migrations: ${applied.join(', ')}\n` : 'database is up to date\n');
} finally {
  await database.close();
}
