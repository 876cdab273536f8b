import { loadConfig } from './config';
import { deriveKeys } from './crypto';
import { rekeyPersonalData, sealedValuesByKeyId } from './pii-rekey';
import { openDatabase, resolveAppSecret } from './system';

/**
 * `npm run pii:rekey`: after a new key was put first in PII_FIELD_KEYS (and every process restarted
 * with it), re-seal everything still under an older key. Safe to stop and run again. Prints what it
 * did and what each key still holds; exit code 1 if a value did not open (it is left as it was).
 */
const config = loadConfig();
const database = await openDatabase(config);
try {
  const keys = deriveKeys(resolveAppSecret(config), config.fieldSecrets);
  const report = await rekeyPersonalData(database.db, keys);
  const out = (line: string) => process.stdout.write(`${line}\n`);
  out(`re-sealing with field key ${keys.fieldKeyId}:`);
  for (const c of report.columns) if (c.rekeyed || c.changed || c.failed.length) out(`  ${c.table}.${c.column}: ${c.rekeyed} re-sealed, ${c.changed} changed meanwhile, ${c.failed.length} did not open${c.failed.length ? ` (${c.failed.slice(0, 5).join(', ')}…)` : ''}`);
  const w = report.wallets;
  if (w.rekeyed || w.changed || w.failed.length) out(`  payout_methods wallets: ${w.rekeyed} re-sealed, ${w.changed} changed meanwhile, ${w.failed.length} did not open`);
  out('sealed values by key id now:');
  for (const c of await sealedValuesByKeyId(database.db)) out(`  ${c.table}.${c.column}: key ${c.keyId} × ${c.values}`);
  const failed = report.columns.some((c) => c.failed.length) || w.failed.length > 0;
  if (failed) process.exitCode = 1;
} finally {
  await database.close();
}
