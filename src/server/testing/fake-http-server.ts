import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { freePort } from './server-process';

/**
 * Test helper: a fake vendor HTTP server on 127.0.0.1 for the provider adapters' tests (YooKassa,
 * SMS.ru). `useFakeHttpServer` registers vitest hooks in the calling test file:
 *
 * - before all tests: a node:http server listens on a free loopback port (`origin`);
 * - every request is read whole and recorded (method, URL, headers, body as UTF-8) before it is
 *   answered: by `guard` first when given (e.g. an auth check that answers a refusal itself), then by
 *   the test's `override` when set, else by the default `handler`;
 * - before each test: the record is emptied and `override` cleared;
 * - after all tests: delayed answers (`later`) are dropped, open connections cut, the server closed.
 *
 * `itHandlesBadTransport` registers the cases every adapter that reads a vendor's reply with a
 * deadline and `readBodyLimited` must pass: a slow server, a trickling body, a refused connection,
 * a reply over the size limit (announced or streamed) and one exactly at it.
 */

export type RecordedRequest = { method: string; url: string; headers: IncomingMessage['headers']; body: string };
export type FakeHandler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

export type FakeHttpServerOptions = {
  /** How the fake answers when the test sets no `override`. */
  handler: FakeHandler;
  /** Sees every request first; returns true when it has answered (the handlers are then skipped). */
  guard?: (req: IncomingMessage, res: ServerResponse, body: string) => boolean;
};

export type FakeHttpServer = {
  /** `http://127.0.0.1:<port>`, known once the server listens (in tests and in hooks after `beforeAll`). */
  readonly origin: string;
  /** The requests of the current test, oldest first: one array for the whole file, emptied in place. */
  readonly requests: RecordedRequest[];
  /** This test's handler in place of the default one; cleared before each test. */
  override: FakeHandler | undefined;
  /** Runs `then` after `ms` unless the client has gone first: a slow server, a body that trickles in. */
  later(res: ServerResponse, ms: number, then: () => void): void;
};

export function useFakeHttpServer(options: FakeHttpServerOptions): FakeHttpServer {
  let server: Server | undefined;
  let origin: string | undefined;
  const timers = new Set<NodeJS.Timeout>();

  const fake: FakeHttpServer = {
    get origin(): string {
      if (origin === undefined) throw new Error('the fake HTTP server is not listening yet');
      return origin;
    },
    requests: [],
    override: undefined,
    later(res, ms, then) {
      const timer = setTimeout(then, ms);
      timers.add(timer);
      res.on('close', () => {
        clearTimeout(timer);
        timers.delete(timer);
      });
    },
  };

  beforeAll(async () => {
    const listening = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        fake.requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
        if (options.guard?.(req, res, body)) return;
        (fake.override ?? options.handler)(req, res, body);
      });
    });
    server = listening;
    await new Promise<void>((resolve) => listening.listen(0, '127.0.0.1', resolve));
    const { port } = listening.address() as AddressInfo;
    origin = `http://127.0.0.1:${port}`;
  });

  afterAll(async () => {
    for (const timer of timers) clearTimeout(timer);
    const listening = server;
    if (!listening) return;
    listening.closeAllConnections();
    await new Promise<void>((resolve, reject) => listening.close((error) => (error ? reject(error) : resolve())));
  });

  beforeEach(() => {
    fake.requests.length = 0;
    fake.override = undefined;
  });

  return fake;
}

/** Answers with `payload` as JSON. */
export function replyJson(res: ServerResponse, payload: unknown, status = 200): void {
  res.writeHead(status, { 'content-type': 'application/json;charset=UTF-8' });
  res.end(JSON.stringify(payload));
}

export type BadTransportCases = {
  server: FakeHttpServer;
  /** The adapter call under test; `origin` in place of the fake's, `timeoutMs` in place of the default. */
  call: (options?: { origin?: string; timeoutMs?: number }) => Promise<unknown>;
  /** Asserts that the call failed with the adapter's retryable error and leaked nothing; returns it. */
  failsRetryably: (promise: Promise<unknown>) => Promise<Error>;
  /** A good answer to the call. */
  okBody: () => unknown;
  /** What the error says when the 200 ms deadline passes. */
  timeoutMessage: RegExp;
  /** The largest reply the adapter reads. */
  maxResponseBytes: number;
  /** The case of a good answer padded with spaces to exactly `maxResponseBytes`: its name and check. */
  atLimit: [name: string, check: (promise: Promise<unknown>) => Promise<void>];
};

/** The transport cases of one adapter call, registered (`it`) in the caller's describe. */
export function itHandlesBadTransport(cases: BadTransportCases): void {
  const { server, call, failsRetryably, okBody, timeoutMessage, maxResponseBytes } = cases;

  it('maps a server slower than timeoutMs to a retryable timeout', async () => {
    server.override = (_req, res) => server.later(res, 2000, () => replyJson(res, okBody()));
    const started = performance.now();
    const error = await failsRetryably(call({ timeoutMs: 200 }));
    expect(error.message).toMatch(timeoutMessage);
    expect(performance.now() - started).toBeLessThan(1500);
  });

  it('applies the timeout to a body that trickles in too slowly', async () => {
    server.override = (_req, res) => {
      const json = JSON.stringify(okBody());
      const half = Math.floor(json.length / 2);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write(json.slice(0, half));
      server.later(res, 2000, () => res.end(json.slice(half)));
    };
    const error = await failsRetryably(call({ timeoutMs: 200 }));
    expect(error.message).toMatch(timeoutMessage);
  });

  it('maps a refused connection to a retryable network error', async () => {
    const port = await freePort(); // nothing listens there
    const error = await failsRetryably(call({ origin: `http://127.0.0.1:${port}` }));
    expect(error.message).toMatch(/network error \(ECONNREFUSED\)/);
    expect(error.message).not.toContain(String(port));
  });

  it('rejects an oversize body announced by Content-Length', async () => {
    server.override = (_req, res) => {
      const body = Buffer.alloc(maxResponseBytes + 1, 0x20);
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
      res.end(body);
    };
    const error = await failsRetryably(call());
    expect(error.message).toMatch(/larger than/);
  });

  it('rejects an oversize chunked body while streaming', async () => {
    server.override = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const chunk = Buffer.alloc(Math.ceil(maxResponseBytes / 16), 0x20);
      for (let i = 0; i < 17; i += 1) res.write(chunk);
      res.end(JSON.stringify(okBody()));
    };
    const error = await failsRetryably(call());
    expect(error.message).toMatch(/larger than/);
  });

  const [atLimitName, atLimitCheck] = cases.atLimit;
  it(atLimitName, async () => {
    server.override = (_req, res) => {
      const json = JSON.stringify(okBody());
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(json + ' '.repeat(maxResponseBytes - Buffer.byteLength(json)));
    };
    await atLimitCheck(call());
  });
}
