import { AsyncLocalStorage } from 'node:async_hooks';
import pino, { type Logger } from 'pino';

/**
 * Structured logs (pino). Phones are masked, codes, tokens and cookies never written: `redact`
 * removes the known field names, and request URLs are logged through `maskSecretsInUrl`.
 */

export const REDACT_PATHS = [
  'req.headers.cookie',
  'req.headers.authorization',
  'res.headers["set-cookie"]',
  '*.code',
  '*.token',
  '*.password',
  '*.apiId',
  '*.passport',
  'code',
  'token',
];

/** The job a log line was written for: set by the job queue around each handler run. */
const jobContext = new AsyncLocalStorage<{ queue: string; jobId: string }>();

export function withJobContext<T>(context: { queue: string; jobId: string }, run: () => Promise<T>): Promise<T> {
  return jobContext.run(context, run);
}

export function createLogger(options: { level: string; pretty?: boolean; destination?: pino.DestinationStream }): Logger {
  return pino(
    {
      level: options.level,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      // Handlers log through the process logger; inside a job run each line gets its queue and
      // job id, as request lines get their requestId, so an operator can follow one job.
      mixin: () => jobContext.getStore() ?? {},
    },
    options.destination,
  );
}

/**
 * `/api/dev/sms?phone=%2B79123456789` → `/api/dev/sms?phone=%2B7******6789`; any long digit run is
 * masked, and so is a `token=` parameter (the email confirmation link's).
 */
export function maskSecretsInUrl(url: string): string {
  return url
    .replace(/([?&]token=)[^&#]*/gi, '$1[redacted]')
    .replace(/((?:%2B|\+)?7|8)?(\d{6,})(\d{4})/g, (_m, _cc, _mid, last: string) => `***${last}`);
}
