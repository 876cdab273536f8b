import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach } from 'vitest';

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
