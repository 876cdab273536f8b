import { ConfigError, describeConfig, loadConfig } from './config';
import { createLogger } from './logging';
import { PricingConfigError } from './modules/pricing/pricing.service';
import { startSystem, type System } from './system';

/** Process entry: config → database → migrations → workers + HTTP; graceful stop on SIGTERM/SIGINT. */

let config;
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
  logger.info({ signal }, 'stopping: draining requests and jobs');
  const timer = setTimeout(() => {
    logger.error('did not stop within 15 s; exiting');
    process.exit(1);
  }, 15_000);
  timer.unref();
  try {
    await system.close();
    process.exit(0);
  } catch (error) {
    logger.error({ err: error }, 'error while stopping');
    process.exit(1);
  }
}
process.on('SIGTERM', () => void stop('SIGTERM'));
process.on('SIGINT', () => void stop('SIGINT'));
