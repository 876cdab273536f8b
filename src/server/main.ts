import { ConfigError, describeConfig, loadConfig, type Config } from './config';
import { createLogger } from './logging';
import { PricingConfigError } from './modules/pricing/pricing.service';
import { startSystem, type System } from './system';

/**
 * Process entry: config → database → migrations → workers + HTTP; graceful stop on SIGTERM/SIGINT.
 * PROCESS_ROLE picks what runs: `all` (default), `web` (HTTP, no job workers) or `worker` (job
 * workers + cron, and an HTTP listener for /api/health, /api/ready and /metrics only).
 */

let config: Config;
try {
  config = loadConfig();
} catch (error) {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(78);
  }
  throw error;
}

const logger = createLogger({ level: config.logLevel });
let system: System;
try {
  system = await startSystem(config, { logger });
} catch (error) {
  if (error instanceof PricingConfigError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(78);
  }
  throw error;
}
await system.app.listen({ port: config.port, host: config.host });
logger.info({ config: describeConfig(config), url: config.publicUrl.origin }, 'CarCapital is running');

let stopping = false;
async function stop(signal: string) {
  if (stopping) return;
  stopping = true;
  logger.info({ signal, role: config.processRole }, 'stopping: draining requests and jobs');
  // A job still running then is left to pg-boss: it expires (JOB_EXPIRE_SEC) and another worker
  // retries it; handlers are idempotent.
  const timer = setTimeout(() => {
    logger.error({ timeoutSec: config.shutdownTimeoutSec }, 'did not stop in time; exiting');
    process.exit(1);
  }, config.shutdownTimeoutSec * 1000);
  timer.unref();
  try {
    await system.close();
    logger.info({ signal }, 'stopped');
    process.exit(0);
  } catch (error) {
    logger.error({ err: error }, 'error while stopping');
    process.exit(1);
  }
}
process.on('SIGTERM', () => void stop('SIGTERM'));
process.on('SIGINT', () => void stop('SIGINT'));
