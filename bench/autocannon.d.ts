/**
 * Minimal typings for the parts of autocannon 9 the bench uses (the package ships no types and
 * @types/autocannon is not installed). Only what `bench/api.bench.ts` reads is declared.
 */
declare module 'autocannon' {
  export type Percentiles = {
    average: number;
    mean: number;
    stddev: number;
    min: number;
    max: number;
    total: number;
    p50: number;
    p90: number;
    p97_5: number;
    p99: number;
    [key: string]: number;
  };

  export type Result = {
    title?: string;
    url: string;
    connections: number;
    duration: number;
    start: Date;
    finish: Date;
    errors: number;
    timeouts: number;
    mismatches: number;
    non2xx: number;
    resets: number;
    '1xx': number;
    '2xx': number;
    '3xx': number;
    '4xx': number;
    '5xx': number;
    statusCodeStats: Record<string, { count: number }>;
    latency: Percentiles & { totalCount: number };
    requests: Percentiles & { sent: number };
    throughput: Percentiles;
  };

  export type Options = {
    url: string;
    title?: string;
    method?: string;
    headers?: Record<string, string>;
    connections?: number;
    duration?: number;
    pipelining?: number;
    timeout?: number;
    amount?: number;
    maxOverallRequests?: number;
  };

  /** The tracker: an EventEmitter that is also a thenable of the result (no callback passed). */
  export type Instance = PromiseLike<Result> & {
    stop: () => void;
    on: (event: 'reqError', listener: (error: Error) => void) => unknown;
  };

  function autocannon(options: Options): Instance;
  export default autocannon;
}
