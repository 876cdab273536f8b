import { parseArgs } from 'node:util';
import { systemClock } from '../src/core/clock';
import { loadConfig } from '../src/server/config';
import { deriveKeys } from '../src/server/crypto';
import { migrate } from '../src/server/db/migrate';
import { cryptoRandom } from '../src/server/random';
import { StaffRoleSchema } from '../src/server/modules/staff/staff.schemas';
import { createUser } from '../src/server/modules/staff/staff.service';
import { openDatabase, resolveAppSecret } from '../src/server/system';

/**
 * `npm run staff:create -- --email admin@lender.ru --name "Анна Смирнова" --roles admin`
 *
 * Makes a staff member in the configured database (the first admin, or anyone when the web is not
 * at hand) and prints the temporary password once. At the first login they enrol the TOTP app and
 * change the password. With PGlite (no DATABASE_URL), run it while the server is stopped: the
 * embedded database is one process's. `--json` prints `{email, temporaryPassword}` for scripts.
 */
const { values } = parseArgs({
  options: {
    email: { type: 'string' },
    name: { type: 'string' },
    roles: { type: 'string', default: 'admin' },
    json: { type: 'boolean', default: false },
  },
});
if (!values.email || !values.name) {
  process.stderr.write('usage: npm run staff:create -- --email <e-mail> --name "<full name>" [--roles admin,support,…] [--json]\n');
  process.exit(2);
}
const roles = values.roles.split(',').map((role) => StaffRoleSchema.parse(role.trim()));

const config = loadConfig();
const database = await openDatabase(config);
try {
  await migrate(database);
  const { user, temporaryPassword } = await createUser(
    { db: database.db, clock: systemClock, random: cryptoRandom, keys: deriveKeys(resolveAppSecret(config)), config },
    { staffId: null, meta: null },
    { email: values.email, fullName: values.name, roles },
  );
  process.stdout.write(
    values.json
      ? `${JSON.stringify({ email: user.email, temporaryPassword })}\n`
      : `Staff member ${user.email} (${user.roles.join(', ')}) created.\nTemporary password (shown once): ${temporaryPassword}\n`,
  );
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
} finally {
  await database.close();
}
