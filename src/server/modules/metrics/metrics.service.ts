import { monitorEventLoopDelay } from 'node:perf_hooks';
import { sql, type Kysely } from 'kysely';
import type { DB, ApplicationStatus, PaymentStatus } from '../../db/schema';
import type { SmsProvider } from '../../providers/sms/port';
import { cachedCollector, Registry, type Collector, type GaugeReading } from './metrics.registry';

/**
 * What CarCapital tells Prometheus. Live counters (HTTP requests, job outcomes, SMS sends) count
 * in this process since it started, so a dashboard sums `rate()` over all processes; the business
 * gauges (queue depth, payments, applications) are read from PostgreSQL at scrape time and are the
 * same in every process. Names and labels are listed in docs/OPERATIONS.md.
 */

/** Request duration buckets, seconds: 5 ms … 5 s. */
export const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5] as const;
/** Job run time buckets, seconds: jobs wait on providers, so the range is wider. */
const JOB_BUCKETS = [0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60] as const;

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
const JOB_STATES = ['created', 'retry', 'active', 'failed'] as const;
const PAYMENT_STATUSES: readonly PaymentStatus[] = ['created', 'pending', 'succeeded', 'canceled'];
const APPLICATION_STATUSES: readonly ApplicationStatus[] = ['draft', 'scoring', 'approved', 'declined', 'manual_review', 'signed'];

export type Metrics = {
  registry: Registry;
  /** One answered HTTP request. `route` is the route pattern (`/api/loans/:id`), never the URL. */
  httpRequest: (request: { method: string; route: string | undefined; status: number; seconds: number }) => void;
  /** One job run settled in this process. */
  jobSettled: (event: { queue: string; outcome: 'completed' | 'failed'; seconds: number }) => void;
  /** One read through the read cache: served from memory, loaded, or loaded because the cache is not live. */
  readCacheRead: (result: 'hit' | 'miss' | 'bypass') => void;
  /** Counts every send through the SMS port (sent or refused/failed). */
  countSms: (provider: SmsProvider) => SmsProvider;
  render: () => Promise<string>;
  stop: () => void;
};

/** `tableCountTtlMs`: payments and applications are counted over whole tables (hundreds of thousands of rows at a lender's size), at most this often. */
export function createMetrics(deps: { db: Kysely<DB>; role: string; tableCountTtlMs: number }): Metrics {
  const registry = new Registry();
  const httpTotal = registry.counter('carcapital_http_requests_total', 'HTTP requests answered, by method, route pattern and status.');
  const httpDuration = registry.histogram('carcapital_http_request_duration_seconds', 'HTTP request duration in seconds, by method and route pattern.', HTTP_BUCKETS);
  const jobsCompleted = registry.counter('carcapital_jobs_completed_total', 'Job runs that completed in this process, by queue.');
  const jobsFailed = registry.counter('carcapital_jobs_failed_total', 'Job runs that failed in this process (to be retried, or given up), by queue.');
  const jobDuration = registry.histogram('carcapital_job_duration_seconds', 'Job run time in seconds, by queue.', JOB_BUCKETS);
  const readCacheReads = registry.counter(
    'carcapital_read_cache_reads_total',
    'Customer reads through the in-memory read cache, by result: hit (memory), miss (database, then held), bypass (database: the change listener is not connected).',
  );
  const smsSent = registry.counter('carcapital_sms_sent_total', 'SMS handed to the SMS provider by this process, by provider and result (sent, failed).');

  const loopDelay = monitorEventLoopDelay({ resolution: 20 });
  loopDelay.enable();

  registry.collector(processCollector(deps.role, loopDelay));
  registry.collector(queueDepthCollector(deps.db));
  registry.collector(cachedCollector(groupCountCollector(deps.db, {
    name: 'carcapital_payments',
    help: 'Repayments by status (all time), from the payments table.',
    table: 'payments',
    label: 'status',
    values: PAYMENT_STATUSES,
  }), deps.tableCountTtlMs));
  registry.collector(cachedCollector(groupCountCollector(deps.db, {
    name: 'carcapital_applications',
    help: 'Loan applications by status (all time): the decision outcomes are approved, declined, manual_review; signed were approved and signed.',
    table: 'applications',
    label: 'status',
    values: APPLICATION_STATUSES,
  }), deps.tableCountTtlMs));

  return {
    registry,
    httpRequest({ method, route, status, seconds }) {
      const m = METHODS.has(method) ? method : 'OTHER';
      // Unmatched URLs (404s, scanners) share one label value: their paths are not a bounded set.
      const r = route ?? 'unmatched';
      httpTotal.inc({ method: m, route: r, status: String(status) });
      httpDuration.observe({ method: m, route: r }, seconds);
    },
    jobSettled({ queue, outcome, seconds }) {
      (outcome === 'completed' ? jobsCompleted : jobsFailed).inc({ queue });
      jobDuration.observe({ queue }, seconds);
    },
    readCacheRead(result) {
      readCacheReads.inc({ result });
    },
    countSms(provider) {
      return {
        name: provider.name,
        send: async (message) => {
          try {
            const result = await provider.send(message);
            smsSent.inc({ provider: provider.name, result: 'sent' });
            return result;
          } catch (error) {
            smsSent.inc({ provider: provider.name, result: 'failed' });
            throw error;
          }
        },
      };
    },
    render: () => registry.render(),
    stop: () => loopDelay.disable(),
  };
}

function processCollector(role: string, loopDelay: ReturnType<typeof monitorEventLoopDelay>): Collector {
  return {
    name: 'process',
    collect: async () => {
      const memory = process.memoryUsage();
      const cpu = process.cpuUsage();
      // The delay histogram covers the time since the previous scrape.
      const p99 = loopDelay.percentile(99) / 1e9;
      loopDelay.reset();
      const one = (name: string, help: string, value: number, type: GaugeReading['type'] = 'gauge'): GaugeReading => ({
        name,
        help,
        type,
        samples: [{ labels: {}, value }],
      });
      return [
        { name: 'carcapital_process_info', help: 'Always 1; the role label says what this process runs.', samples: [{ labels: { role }, value: 1 }] },
        one('process_start_time_seconds', 'Start time of the process since the Unix epoch, seconds.', Math.round(performance.timeOrigin / 1000)),
        one('process_resident_memory_bytes', 'Resident memory size, bytes.', memory.rss),
        one('process_cpu_seconds_total', 'User and system CPU time spent, seconds.', (cpu.user + cpu.system) / 1e6, 'counter'),
        one('nodejs_heap_used_bytes', 'V8 heap in use, bytes.', memory.heapUsed),
        one('nodejs_heap_total_bytes', 'V8 heap allocated, bytes.', memory.heapTotal),
        one('nodejs_external_memory_bytes', 'Memory of C++ objects bound to JavaScript (buffers), bytes.', memory.external),
        one('nodejs_eventloop_delay_p99_seconds', '99th percentile of the event loop delay since the previous scrape, seconds.', Number.isFinite(p99) ? p99 : 0),
      ];
    },
  };
}

/** Jobs waiting, running and failed, per queue, from pg-boss's own tables (completed ones are not counted). */
function queueDepthCollector(db: Kysely<DB>): Collector {
  return {
    name: 'job_queue',
    collect: async () => {
      const queues = await sql<{ name: string }>`SELECT name FROM pgboss.queue ORDER BY name`.execute(db);
      const counts = await sql<{ name: string; state: string; n: number }>`
        SELECT name, state::text AS state, count(*)::int AS n FROM pgboss.job
        WHERE state IN ('created', 'retry', 'active', 'failed') GROUP BY name, state
      `.execute(db);
      const byKey = new Map(counts.rows.map((r) => [`${r.name}\u0000${r.state}`, Number(r.n)]));
      // Every queue × state is written, zeros included: a series that vanishes reads as "no data".
      // pg-boss's own internal queues (`__pgboss__send-it`) are not ours to watch.
      const samples = queues.rows.filter((q) => !q.name.startsWith('__pgboss__')).flatMap((q) =>
        JOB_STATES.map((state) => ({ labels: { queue: q.name, state }, value: byKey.get(`${q.name}\u0000${state}`) ?? 0 })),
      );
      return [{ name: 'carcapital_job_queue_depth', help: 'Jobs by queue and state (created: waiting, retry: waiting after a failure, active: running, failed: given up).', samples }];
    },
  };
}

function groupCountCollector(
  db: Kysely<DB>,
  spec: { name: string; help: string; table: 'payments' | 'applications'; label: string; values: readonly string[] },
): Collector {
  return {
    name: spec.table,
    collect: async () => {
      const rows = await sql<{ status: string; n: number }>`
        SELECT status, count(*)::int AS n FROM ${sql.table(spec.table)} GROUP BY status
      `.execute(db);
      const byStatus = new Map(rows.rows.map((r) => [r.status, Number(r.n)]));
      const known = spec.values.map((value) => ({ labels: { [spec.label]: value }, value: byStatus.get(value) ?? 0 }));
      const other = rows.rows.filter((r) => !spec.values.includes(r.status)).map((r) => ({ labels: { [spec.label]: r.status }, value: Number(r.n) }));
      return [{ name: spec.name, help: spec.help, samples: [...known, ...other] }];
    },
  };
}
