/**
 * Minimal typings for the parts of autocannon 9 the bench uses (the package ships no types and
 * @types/autocannon is not installed). Only what the benches use is declared.
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
    /**
     * A sequence each connection sends in turn, over and over (scale.bench.ts). `setupRequest` may
     * rewrite a request from the connection's context (reset at every new round); returning null
     * ends the round early. `onResponse` sees the status, body and headers.
     */
    requests?: Array<{
      method?: string;
      path?: string;
      headers?: Record<string, string>;
      body?: string;
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      setupRequest?: (request: any, context: any) => any;
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      onResponse?: (status: number, body: string, context: any, headers: Record<string, string | string[]>) => void;
      [key: string]: unknown;
    }>;
  };

  /** The connection a response came on: its request iterator holds the request and the connection's context. */
  export type Client = { requestIterator: { currentRequest: Record<string, unknown>; context: unknown } };

  /** The tracker: an EventEmitter that is also a thenable of the result (no callback passed). */
  export type Instance = PromiseLike<Result> & {
    stop: () => void;
    on: ((event: 'reqError', listener: (error: Error) => void) => unknown) &
      ((event: 'response', listener: (client: Client, statusCode: number, resBytes: number, responseTime: number) => void) => unknown);
  };

  function autocannon(options: Options): Instance;
  export default autocannon;
}
